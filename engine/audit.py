"""The audit trail: append-only, hash-chained per dossier, written in the transaction of the change."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .model import AuditEvent, Dossier, User

GENESIS = "0" * 64


def _digest(prev: str, event: AuditEvent) -> str:
    body = json.dumps([prev, event.dossier_id, event.at.isoformat(), event.actor_id, event.action,
                       event.from_status, event.to_status, event.step, event.data,
                       event.due_at.isoformat() if event.due_at else None],
                      sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(body.encode()).hexdigest()


def heads(session: Session, dossier_ids: list[int]) -> dict[int, str]:
    """The last hash of each dossier's chain, in one query (for batch work such as the timer sweep)."""
    last = (select(func.max(AuditEvent.id)).where(AuditEvent.dossier_id.in_(dossier_ids))
            .group_by(AuditEvent.dossier_id).scalar_subquery())
    rows = session.execute(select(AuditEvent.dossier_id, AuditEvent.hash).where(AuditEvent.id.in_(last)))
    return {dossier_id: digest for dossier_id, digest in rows}


def record(session: Session, dossier: Dossier, at: datetime, actor: User | None, action: str,
           from_status: int | None, step: str | None = None, task_name: str | None = None,
           data: dict | None = None, due_at: datetime | None = None,
           chain: dict[int, str] | None = None, work_item_id: int | None = None,
           pending: list[dict] | None = None) -> AuditEvent:
    """Append one event. ``chain`` (from ``heads``) saves the query for the previous hash and is kept current;
    with ``pending`` the row is queued for one bulk insert by the caller instead of added to the session."""
    if chain is not None and dossier.id in chain:
        prev = chain[dossier.id]
    else:
        prev = session.scalar(select(AuditEvent.hash).where(AuditEvent.dossier_id == dossier.id)
                              .order_by(AuditEvent.id.desc()).limit(1)) or GENESIS
    event = AuditEvent(dossier_id=dossier.id, at=at, actor_id=actor.id if actor else None,
                       actor_name=actor.full_name if actor else "Hệ thống", action=action,
                       from_status=from_status, to_status=dossier.status, step=step, task_name=task_name,
                       data=data or {}, due_at=due_at, work_item_id=work_item_id, prev_hash=prev)
    event.hash = _digest(prev, event)
    if pending is not None:
        pending.append({c.key: getattr(event, c.key) for c in AuditEvent.__table__.columns if c.key != "id"})
    else:
        session.add(event)
    if chain is not None:
        chain[dossier.id] = event.hash
    return event


def history(session: Session, dossier_id: int) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.dossier_id == dossier_id)
                                .order_by(AuditEvent.id)))


def verify_chain(events: list[AuditEvent]) -> bool:
    """True when no event was changed, removed or reordered."""
    prev = GENESIS
    for event in events:
        if event.prev_hash != prev or _digest(prev, event) != event.hash:
            return False
        prev = event.hash
    return True
