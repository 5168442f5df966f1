"""The audit trail: append-only, hash-chained per dossier, written in the transaction of the change.

Each event's hash covers the previous hash and every field a person is shown (the history, the registers, the
control slip): who (id and name), what, when, the statuses, the step and task, the work item, the data and the
step's time limit. Events written before migration 0010 keep the formula they were written with (``hash_version``
NULL, formula 1, without the actor's name, the task name and the work item): re-hashing them would have blessed
whatever they held at migration time, and an old event moved to formula 1 no longer matches its stored hash.
The dossier row keeps the head and the count; signed checkpoints of every head (engine.audit_checkpoints) show a
cut tail or an emptied chain.
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from engine.core.calendar import WorkingCalendar
from engine.data.model import AuditEvent, Dossier, User

GENESIS = "0" * 64
# The actions a control slip lists as hand-overs (the others are notes of the trail, not hand-overs); each moves
# ``Dossier.handed_over_at``, where the next step's working time starts (engine.reports.steptimes).
HANDOVER_ACTIONS = frozenset({
    "file", "receive", "refuse", "request_supplement", "supplement", "propose_approval", "propose_refusal",
    "request_extension", "confirm_extension", "reject_extension", "approve", "send_back", "issue_result",
    "return_result", "withdraw", "stop", "hand_over", "hand_back"})
CURRENT = 2  # the formula new events are written with


def _utc(value: datetime | None) -> str | None:
    """Times in UTC, as the database gives them back, whatever zone they were given in."""
    return value.astimezone(timezone.utc).isoformat() if value else None


def _body_v1(prev: str, get) -> list:
    return [prev, get("dossier_id"), _utc(get("at")), get("actor_id"), get("action"), get("from_status"),
            get("to_status"), get("step"), get("data"), _utc(get("due_at"))]


def _body_v2(prev: str, get) -> list:
    return ["v2", prev, get("dossier_id"), _utc(get("at")), get("actor_id"), get("actor_name"), get("action"),
            get("from_status"), get("to_status"), get("step"), get("task_name"), get("work_item_id"),
            get("data"), _utc(get("due_at"))]


FORMULAS = {None: _body_v1, 1: _body_v1, 2: _body_v2}


def _digest(prev: str, event) -> str:
    """``event``: an AuditEvent or a dict of its values (a dict without ``hash_version`` is of the current one)."""
    if isinstance(event, dict):
        get, version = event.get, event.get("hash_version", CURRENT)
    else:
        get, version = (lambda k: getattr(event, k)), event.hash_version
    body = FORMULAS.get(version)
    if body is None:
        return ""  # an unknown formula never matches
    text = json.dumps(body(prev, get), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


_INSERT = insert(AuditEvent.__table__)  # built once; run on the transaction's connection


def record(session: Session, dossier: Dossier, at: datetime, actor: User | None, action: str,
           from_status: int | None, step: str | None = None, task_name: str | None = None,
           data: dict | None = None, due_at: datetime | None = None, work_item_id: int | None = None,
           pending: list[dict] | None = None, calendar: WorkingCalendar | None = None,
           late: bool | None = None) -> dict:
    """Append one event after ``dossier.audit_head`` and move the head and the count (the dossier row is written in
    the same transaction, under its version counter). The row is inserted at once with one Core statement, or
    with ``pending`` queued for one bulk insert by the caller. Returns the event's values.

    A hand-over that completes a step's work item (``work_item_id``, with the agency's working ``calendar``)
    keeps the step's working minutes since the previous hand-over and ``late`` (done after its own limit), so
    reports never walk the trail to know where time went."""
    prev = dossier.audit_head or GENESIS
    event = {"dossier_id": dossier.id, "at": at, "actor_id": actor.id if actor else None,
             "actor_name": actor.full_name if actor else "Hệ thống", "action": action, "from_status": from_status,
             "to_status": dossier.status, "step": step, "task_name": task_name, "data": data or {},
             "due_at": due_at, "work_item_id": work_item_id, "prev_hash": prev, "hash_version": CURRENT,
             "working_minutes": None, "late": None}
    if action in HANDOVER_ACTIONS:
        started = dossier.handed_over_at
        if work_item_id is not None and calendar is not None and started is not None:
            seconds = calendar.working_time_between(started, at).total_seconds()
            event["working_minutes"], event["late"] = max(seconds, 0.0) / 60, bool(late)
        dossier.handed_over_at = at
    event["hash"] = _digest(prev, event)
    if pending is not None:
        pending.append(event)
    else:
        session.connection().execute(_INSERT, [event])
    dossier.audit_head = event["hash"]
    dossier.audit_count = (dossier.audit_count or 0) + 1
    return event


def history(session: Session, dossier_id: int) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.dossier_id == dossier_id)
                                .order_by(AuditEvent.id)))


def verify_chain(events: list[AuditEvent], head: str | None = None) -> bool:
    """True when no event was changed, removed or reordered. With ``head`` (``Dossier.audit_head``) a removed
    last event is detected too, unless the head was rolled back with it: checkpoints see that."""
    prev = GENESIS
    for event in events:
        if event.prev_hash != prev or _digest(prev, event) != event.hash:
            return False
        prev = event.hash
    return head is None or prev == head
