"""Who may administer what (D29): an administrator acts on the subtree of the agency they belong to; an
administrator of the province's root agency, or of no agency at all (an installation's first operator), acts
on every agency. Every administrative action is audited (``audit``), in the transaction that makes it.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from engine.core.errors import Forbidden
from engine.data import agencies
from engine.data.agency_model import AdminEvent, Agency
from engine.data.model import User

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


def require(session: Session, user: User, agency: Agency) -> None:
    """Forbidden unless ``agency`` lies in ``user``'s subtree (the message never names the other agency)."""
    if not may_administer(session, user, agency):
        raise Forbidden("Cơ quan này không thuộc phạm vi quản trị của bạn.", code="outside_your_agencies")


def agency_ids(session: Session, user: User) -> Select:
    """The ids of every agency ``user`` administers, as a subquery for ``IN``."""
    root = scope(session, user)
    return select(Agency.id) if root is None else agencies.subtree_ids(root)


def audit(session: Session, now: datetime, actor: User | None, action: str, target_kind: str, target: str,
          agency: Agency | None = None, **details: Any) -> AdminEvent:
    """Record one administrative action (``actor`` None: the operator's own command line)."""
    return agencies.record_admin(session, now, actor.username if actor is not None else None, action,
                                 target_kind, target, agency.id if agency is not None else None, **details)
