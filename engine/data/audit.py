"""The audit trail: append-only, hash-chained per dossier, written in the transaction of the change."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from engine.data.model import AuditEvent, Dossier, User

GENESIS = "0" * 64


_FIELDS = ("dossier_id", "at", "actor_id", "action", "from_status", "to_status", "step", "data", "due_at")


def _digest(prev: str, event) -> str:
    """``event``: an AuditEvent or a dict of its values."""
    get = event.get if isinstance(event, dict) else (lambda k: getattr(event, k))
    due_at = get("due_at")  # times in UTC, as the database gives them back, whatever zone they were given in
    body = json.dumps([prev, get("dossier_id"), get("at").astimezone(timezone.utc).isoformat(), get("actor_id"),
                       get("action"), get("from_status"), get("to_status"), get("step"), get("data"),
                       due_at.astimezone(timezone.utc).isoformat() if due_at else None],
                      sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(body.encode()).hexdigest()


def record(session: Session, dossier: Dossier, at: datetime, actor: User | None, action: str,
           from_status: int | None, step: str | None = None, task_name: str | None = None,
           data: dict | None = None, due_at: datetime | None = None, work_item_id: int | None = None,
           pending: list[dict] | None = None) -> dict:
    """Append one event after ``dossier.audit_head`` and move the head (the dossier row is written in the same
    transaction, under its version counter). The row is inserted at once with one Core statement, or with
    ``pending`` queued for one bulk insert by the caller. Returns the event's values."""
    prev = dossier.audit_head or GENESIS
    event = {"dossier_id": dossier.id, "at": at, "actor_id": actor.id if actor else None,
             "actor_name": actor.full_name if actor else "Hệ thống", "action": action, "from_status": from_status,
             "to_status": dossier.status, "step": step, "task_name": task_name, "data": data or {},
             "due_at": due_at, "work_item_id": work_item_id, "prev_hash": prev}
    event["hash"] = _digest(prev, event)
    if pending is not None:
        pending.append(event)
    else:
        session.execute(insert(AuditEvent.__table__), [event])
    dossier.audit_head = event["hash"]
    return event


def history(session: Session, dossier_id: int) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.dossier_id == dossier_id)
                                .order_by(AuditEvent.id)))


def verify_chain(events: list[AuditEvent], head: str | None = None) -> bool:
    """True when no event was changed, removed or reordered. With ``head`` (``Dossier.audit_head``) a removed
    last event is detected too."""
    prev = GENESIS
    for event in events:
        if event.prev_hash != prev or _digest(prev, event) != event.hash:
            return False
        prev = event.hash
    return head is None or prev == head
