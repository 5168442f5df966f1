"""The head of agency's ``apology`` for a late dossier (D19, D20, Mẫu 04): work opened by the engine, not drawn
in the BPMN. The timer service opens it when the dossier becomes overdue (or the signing step, when the result
is issued late before any sweep ran), with its own deadline; the result is not returned until the letter
exists; issuing the letter closes it.

It goes to the agency at fault (D19, D29): the one whose officers hold the dossier's open work when it becomes
overdue, the processing agency an offer names while the dossier is in its hands, the receiving agency (the
one-stop) while it is at intake, supplement or return; only that agency's head is asked, and the letter is
written, numbered and sealed in that agency's name (engine.paperwork.letters).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.cases import offers
from engine.cases.dossiers import mark_late, work_agency
from engine.core.errors import Invalid
from engine.data.model import Dossier, WorkItem
from engine.law import apology as apology_law
from engine.law.statuses import PROCESSING, RECEIVED, RESOLVED, SUBMITTED, SUPPLEMENT
from engine.process import stepkinds
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


# Where a dossier with no open work stands, by its status: the receiving steps (engine.cases.dossiers.work_agency)
_WAITING_AT = {SUBMITTED: "intake", SUPPLEMENT: "supplement"}


def agency_at_fault(session: Session, dossier: Dossier) -> int:
    """D19, D29: the agency whose head owes the overdue apology, judged now (when the dossier becomes overdue):
    - no processing agency: the agency that received it (as always);
    - resolved already (the result was issued late): the processing agency, whose steps made it late;
    - else the agency whose officers hold its open work (the BPMN's, not the apology itself): the processing
      agency when it holds any, the receiving agency when only it does (intake, supplement, return);
    - no open work: by where the dossier stands (work_agency): the receiving agency at intake or while a
      supplement is awaited, the processing agency otherwise."""
    if dossier.processing_agency_id is None:
        return dossier.agency_id
    if dossier.resolved_at is not None:
        return work_agency(dossier, "signing")
    held = set(session.scalars(select(WorkItem.agency_id).where(
        WorkItem.dossier_id == dossier.id, WorkItem.step.not_in(stepkinds.OPENED_BY_ENGINE))))
    if dossier.processing_agency_id in held:
        return dossier.processing_agency_id
    if dossier.agency_id in held:
        return dossier.agency_id
    return work_agency(dossier, _WAITING_AT.get(dossier.status, "processing"))


def apologising_agency(session: Session, dossier: Dossier) -> int:
    """The agency whose head is (or would be) asked for the overdue apology: that of the open apology item,
    else the agency at fault now."""
    opened = session.scalar(select(WorkItem.agency_id).where(WorkItem.task_id == task_id(dossier)))
    return opened if opened is not None else agency_at_fault(session, dossier)


OVERDUE_TOLD = frozenset({"department_leader", "head_of_agency"})


def record_overdue(session: Session, dossier: Dossier, cal, overdue_at: datetime, tell_watchers, tell_head) -> None:
    """D19, D28: the dossier became overdue at ``overdue_at`` (its due instant), whoever records it: the timer
    service, or the next officer's action when the service was stopped (engine.cases.tasks). Late from then; the
    citizen's own dossier gets the head's apology letter as work counted from then (a liên thông share's applicant
    is the sending agency: its lateness is its share's, D33); ``tell_watchers(roles, agency_id)`` tells the leaders
    and the head of the agency watching the deadline, ``tell_head(roles, agency_id)`` the head whose inbox holds
    the letter when that is another agency. The caller writes the trail's event."""
    mark_late(dossier, overdue_at)
    item = open_item(session, dossier, cal, overdue_at) if dossier.parent_id is None else None
    watcher = offers.agency_for(dossier, "watch")
    tell_watchers(OVERDUE_TOLD, watcher)
    if item is not None and item.agency_id != watcher:
        tell_head({"head_of_agency"}, item.agency_id)


def open_item(session: Session, dossier: Dossier, cal, now: datetime,
              agency_id: int | None = None) -> WorkItem | None:
    """Open the apology work item unless the letter or the item exists already, for the head of ``agency_id``
    (default: the agency at fault, ``agency_at_fault``)."""
    if letters.has_overdue_letter(session, dossier):
        return None
    if session.scalar(select(WorkItem.id).where(WorkItem.task_id == task_id(dossier))) is not None:
        return None
    if agency_id is None:
        agency_id = agency_at_fault(session, dossier)
    item = WorkItem(dossier_id=dossier.id, task_id=task_id(dossier), spec_name=STEP, name=NAME, step=STEP, role=ROLE,
                    agency_id=agency_id, form_key=None, assignee_id=None, created_at=now,
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
    if f.cal is not None and not f.cal.in_working_time(value):  # D20: the citizen comes back within office hours
        raise Invalid("Ngày hẹn trả kết quả mới phải vào giờ làm việc của một ngày làm việc",
                      fields={"new_due_at": "Ngoài giờ làm việc hoặc vào ngày nghỉ"})
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
