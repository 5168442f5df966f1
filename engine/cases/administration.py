"""Who may administer what (D29): an administrator acts on the subtree of the agency they belong to; an
administrator of the province's root agency, or of no agency at all (an installation's first operator), acts
on every agency. Every administrative action is audited (``audit``), in the transaction that makes it.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.orm import Session

from engine.core.errors import Forbidden, NotFound
from engine.data import agencies
from engine.data.agency_model import AdminEvent, Agency
from engine.data.model import Dossier, User

ADMIN = "administrator"


def scope(session: Session, user: User) -> Agency | None:
    """The agency whose subtree ``user`` administers; None means every agency. Raises for a non-administrator."""
    if ADMIN not in user.roles:
        raise Forbidden("Chỉ quản trị viên được làm việc này.", code="not_administrator")
    if user.agency_id is None:
        return None
    agency = session.get(Agency, user.agency_id)
    return None if agency is not None and agency.parent_id is None and agency.level == "province" else agency


def may_administer(session: Session, user: User, agency: Agency) -> bool:
    if ADMIN not in user.roles:
        return False
    root = scope(session, user)
    return root is None or agencies.holds(root, agency)


def _outside() -> Forbidden:
    return Forbidden("Cơ quan này không thuộc phạm vi quản trị của bạn.", code="outside_your_agencies")


def require(session: Session, user: User, agency: Agency) -> None:
    """Forbidden unless ``agency`` lies in ``user``'s subtree (the message never names the other agency)."""
    if not may_administer(session, user, agency):
        raise _outside()


def holders(dossier: Dossier) -> tuple[int, int | None]:
    """The agencies that hold ``dossier`` (D29), in the order an action on it is audited under: the receiving
    agency, then the processing agency its offer names (None when the same one)."""
    return dossier.agency_id, dossier.processing_agency_id


def held_in(agency_ids: Select) -> ColumnElement[bool]:
    """The SQL side of ``holders``: a dossier received or processed by one of ``agency_ids`` (a subtree's
    ``agency_ids``), off the dossier's indexed agency columns."""
    return or_(Dossier.agency_id.in_(agency_ids), Dossier.processing_agency_id.in_(agency_ids))


def holding(session: Session, candidates: Iterable[int | None], subtree: Select | None) -> Agency | None:
    """The agency of an administrator's subtree that holds what they act on (D29): the first of ``candidates``
    (agency ids in order of preference, e.g. a dossier's receiving then processing agency; None skipped) that
    lies in ``subtree`` (the subquery of ``agency_ids``; None: every agency, the first candidate); None when
    none does. One query by primary key, whatever the number of dossiers."""
    ids = [a for a in candidates if a is not None]
    if not ids:
        return None
    if subtree is None:
        return session.get(Agency, ids[0])
    held = {a.id: a for a in session.scalars(select(Agency).where(Agency.id.in_(ids), Agency.id.in_(subtree)))}
    return next((held[a] for a in ids if a in held), None)


def require_holding(session: Session, user: User, candidates: Iterable[int | None]) -> Agency:
    """``holding`` for ``user``: the agency of their subtree that holds what they act on, the same Forbidden as
    ``require`` when none does (a non-administrator: not_administrator)."""
    root = scope(session, user)
    agency = holding(session, candidates, None if root is None else agencies.subtree_ids(root))
    if agency is None:
        raise _outside()
    return agency


def holding_or_hidden(session: Session, user: User, candidates: Iterable[int | None]) -> Agency:
    """``require_holding`` for a dossier (api.md: 404 also for dossiers the caller may not see): a non-administrator
    is still refused (403 not_administrator), but an administrator whose subtree holds none of ``candidates`` is
    told there is no such dossier (404 dossier_not_found), as for a code that does not exist, so that no code of
    another agency's dossier can be probed."""
    root = scope(session, user)
    agency = holding(session, candidates, None if root is None else agencies.subtree_ids(root))
    if agency is None:
        raise NotFound("Không tìm thấy hồ sơ", code="dossier_not_found")
    return agency


def agency_ids(session: Session, user: User) -> Select:
    """The ids of every agency ``user`` administers, as a subquery for ``IN``."""
    root = scope(session, user)
    return select(Agency.id) if root is None else agencies.subtree_ids(root)


def audit(session: Session, now: datetime, actor: User | None, action: str, target_kind: str, target: str,
          agency: Agency | None = None, **details: Any) -> AdminEvent:
    """Record one administrative action (``actor`` None: the operator's own command line)."""
    return agencies.record_admin(session, now, actor.username if actor is not None else None, action,
                                 target_kind, target, agency.id if agency is not None else None, **details)
