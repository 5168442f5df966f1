"""The province's tree (D29) as data: placing an agency under its parent, a subtree as one indexed prefix match,
whether an administrator's agency holds another, and the administrators' audit trail.

Rules about who may do what live in the layers above; this module only answers questions about the tree.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from engine.core.collation import vn_sort_key
from engine.data.agency_model import AdminEvent, ProcedureOffer
from engine.data.agency_model import AGENCY_LEVELS, Agency, level_fault

__all__ = ["AGENCY_LEVELS", "place", "subtree_ids", "holds", "by_code", "offering", "record_admin",
           "misplaced_child"]


def place(session: Session, agency: Agency, parent: Agency | None) -> Agency:
    """Put ``agency`` under ``parent`` (None: a root) and set its path; the agency needs an id (flushed here).
    Refuses a parent inside the agency's own subtree (a cycle)."""
    if agency.id is None:
        session.add(agency)
        session.flush()
    if parent is not None and holds(agency, parent):
        raise ValueError("an agency cannot be placed under its own subtree")
    old = agency.path
    agency.parent_id = parent.id if parent is not None else None
    agency.path = f"{parent.path if parent is not None else '/'}{agency.id}/"
    if old and old != agency.path:  # moved: its descendants' paths follow
        for child in session.scalars(select(Agency).where(Agency.path.startswith(old), Agency.id != agency.id)):
            child.path = agency.path + child.path[len(old):]
    return agency


def subtree_ids(agency: Agency) -> Select:
    """The ids of ``agency`` and every agency below it, as a subquery for ``IN``."""
    return select(Agency.id).where(Agency.path.startswith(agency.path or f"/{agency.id}/"))


def holds(ancestor: Agency, agency: Agency) -> bool:
    """``agency`` is ``ancestor`` or lies in its subtree."""
    if ancestor.id == agency.id:
        return True
    return bool(ancestor.path) and (agency.path or "").startswith(ancestor.path)


def by_code(session: Session, code: str) -> Agency | None:
    return session.scalar(select(Agency).where(Agency.code == code))


def misplaced_child(session: Session, agency: Agency, level: str) -> str | None:
    """Why ``agency`` cannot take ``level``: an agency directly under it that may not stand under that level
    (engine.data.agency_model.level_fault), named; None when every one may."""
    for name, code, child_level in session.execute(
            select(Agency.name, Agency.code, Agency.level).where(Agency.parent_id == agency.id).order_by(Agency.path)):
        fault = level_fault(child_level, level)
        if fault is not None:
            return f"Cơ quan cấp dưới {name} ({code}): {fault[0].lower()}{fault[1:]}"
    return None


def offering(session: Session, procedure_id: int) -> list[Agency]:
    """The agencies that offer a procedure (active offers), by name (in Vietnamese order)."""
    return sorted(session.scalars(
        select(Agency).join(ProcedureOffer, ProcedureOffer.agency_id == Agency.id)
        .where(ProcedureOffer.procedure_id == procedure_id, ProcedureOffer.active.is_(True))),
        key=lambda agency: vn_sort_key(agency.name))


def record_admin(session: Session, now: datetime, actor: str | None, action: str, target_kind: str,
                 target: str, agency_id: int | None = None, **details: Any) -> AdminEvent:
    """Audit one administrative action, in the transaction that makes it."""
    event = AdminEvent(at=now, actor=actor, action=action, target_kind=target_kind, target=str(target)[:100],
                       agency_id=agency_id, details=details)
    session.add(event)
    return event
