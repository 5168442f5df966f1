"""The head of agency's ``apology`` for a late dossier (D19, D20, Mẫu 04): work opened by the engine, not drawn
in the BPMN. The timer service opens it when the dossier becomes overdue (or the signing step, when the result
is issued late before any sweep ran), with its own deadline; the result is not returned until the letter
exists; issuing the letter closes it.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.core.errors import Invalid
from engine.data.model import Dossier, WorkItem
from engine.law import apology as apology_law
from engine.law.statuses import PROCESSING, RECEIVED, RESOLVED
from engine.paperwork import issuance, letters

from . import guards
from .declare import Action, Facts, StepKind

STEP = "apology"
ROLE = apology_law.signer_role(apology_law.OVERDUE)  # the head of the agency at fault (D19, D20)
NAME = "Ký thư xin lỗi vì hồ sơ quá hạn"
WORKING_DAYS_TO_APOLOGISE = 1  # its own deadline, counted from the moment the dossier became overdue
SCHEMA = {"type": "object", "required": ["reason"], "additionalProperties": False,
          "properties": {"reason": {"type": "string", "minLength": 1, "maxLength": 4000},  # not blank (D20)
                         "new_due_at": {"type": "string", "format": "date-time", "maxLength": 40}}}


def task_id(dossier: Dossier) -> str:
    """One apology item per dossier, ever: the letter, once issued, is never asked again."""
    return f"{STEP}-{dossier.id}"


def open_item(session: Session, dossier: Dossier, cal, now: datetime) -> WorkItem | None:
    """Open the apology work item unless the letter or the item exists already."""
    if letters.has_overdue_letter(session, dossier):
        return None
    if session.scalar(select(WorkItem.id).where(WorkItem.task_id == task_id(dossier))) is not None:
        return None
    item = WorkItem(dossier_id=dossier.id, task_id=task_id(dossier), spec_name=STEP, name=NAME, step=STEP, role=ROLE,
                    agency_id=dossier.agency_id, form_key=None, assignee_id=None, created_at=now,
                    due_at=cal.add_working_time(now, cal.day_length * WORKING_DAYS_TO_APOLOGISE))
    session.add(item)
    session.flush()
    return item


def _new_due_at(f: Facts) -> datetime | None:
    raw = f.data.get("new_due_at")
    if raw is None:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        value = None
    if value is None or value.tzinfo is None or value <= f.now or value.year > 2999:
        raise Invalid("Ngày hẹn trả kết quả mới phải là một thời điểm sau hiện tại (ISO 8601 có múi giờ)",
                      fields={"new_due_at": "Không hợp lệ"})
    return value


def issue_apology(f: Facts) -> None:
    new_due_at = _new_due_at(f)
    f.dossier.late = True
    letters.issue(f.session, f.ctx.settings, f.dossier, [(apology_law.OVERDUE, f.data["reason"])], f.ctx.user, ROLE,
                  f.now, new_due_at=new_due_at, notify=issuance.notice("apology_letter", {"new_due_at": new_due_at}))
    if f.item is not None:
        f.session.delete(f.item)  # the work is done; its id stays named in the audit trail
    f.events.append(("letter_issued", None))


KIND = StepKind(STEP, (
    Action("issue_apology", frozenset({ROLE}), frozenset({RECEIVED, PROCESSING, RESOLVED}),
           guards=(guards.overdue_without_letter,), documents=("apology",), audit=("letter_issued",),
           notifies=("citizen",), handler=issue_apology, schema=SCHEMA),
), drawn=False)
