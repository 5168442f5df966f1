"""Officers' use cases: the inbox, claim, release and complete a work item with an action.

The step kind (not the BPMN names) decides which actions exist and what they mean legally; the BPMN
gateways only route on ``action``.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, defaultload, selectinload

from engine.cases import attachments
from engine.data import audit
from engine.law import apology, deadlines, extension as extension_law, intake, lateness, supplement
from engine.process import fields as procedure_fields
from engine.process import forms
from engine.paperwork import letters, officialforms, results
from engine.core.clock import iso_vn
from engine.cases.dossiers import Context, calendar_of, load_process, move, save_process
from engine.core.errors import Conflict, Forbidden, Invalid, NotFound
from engine.data.model import (
    AuditEvent, Dossier, Extension, Procedure, ProcedureVersion, SupplementRequest, User, WorkItem)
from engine.law.statuses import PROCESSING, RECEIVED, REFUSED, RESOLVED, RETURNED, SUPPLEMENT
from engine.process.procedures import STEP_ACTIONS

def _visible_item(session: Session, user: User, item_id: int, *, with_state: bool = False) -> WorkItem:
    query = select(WorkItem).where(WorkItem.id == item_id)
    if with_state:  # completing needs the workflow state: in the same query, not a second one
        query = query.options(defaultload(WorkItem.dossier).undefer(Dossier.workflow_state))
    item = session.scalar(query)
    if item is None and user.is_officer:
        done = session.scalar(select(AuditEvent).join(Dossier, Dossier.id == AuditEvent.dossier_id)
                              .where(AuditEvent.work_item_id == item_id, Dossier.agency_id == user.agency_id))
        if done is not None:
            raise Conflict(f"Công việc đã được {done.actor_name} hoàn thành lúc {iso_vn(done.at)}",
                           code="task_completed")
    if item is None or not user.is_officer or item.agency_id != user.agency_id or item.step == "supplement":
        raise NotFound("Không tìm thấy công việc", code="task_not_found")
    if item.role not in user.roles:
        raise Forbidden("Công việc này thuộc vai trò khác", code="wrong_role")
    return item


def inbox(session: Session, user: User, *, mine: bool = False, role: str | None = None,
          procedure: str | None = None, due_before: datetime | None = None, overdue_at: datetime | None = None,
          limit: int = 500) -> list[WorkItem]:
    """Open work items of my roles in my agency (rows only; no workflow state is read)."""
    if not user.is_officer or user.agency_id is None:
        raise Forbidden("Chỉ cán bộ có hộp công việc")
    roles = user.roles if role is None else user.roles & {role}
    query = (select(WorkItem).where(WorkItem.agency_id == user.agency_id, WorkItem.role.in_(roles))
             .order_by(WorkItem.due_at.is_(None), WorkItem.due_at, WorkItem.id).limit(limit)
             .options(selectinload(WorkItem.assignee)))  # one query for the assignees, not one per row
    if mine:
        query = query.where(WorkItem.assignee_id == user.id)
    if procedure:
        query = (query.join(Dossier, Dossier.id == WorkItem.dossier_id)
                 .join(ProcedureVersion, ProcedureVersion.id == Dossier.procedure_version_id)
                 .join(Procedure, Procedure.id == ProcedureVersion.procedure_id).where(Procedure.code == procedure))
    if due_before is not None:
        query = query.where(WorkItem.due_at <= due_before)
    if overdue_at is not None:
        query = query.where(WorkItem.due_at <= overdue_at)  # run out at the due instant (law.lateness)
    return list(session.scalars(query))


def offered(item: WorkItem) -> tuple[str, ...]:
    """The actions the work item offers: its step kind's, or the subset its BPMN task declares in the property
    ``actions`` (recorded at deploy; versions deployed before it offer the whole step kind)."""
    kind = STEP_ACTIONS.get(item.step, ())
    for step in item.dossier.procedure_version.info.get("steps", ()):
        if step.get("id") == item.spec_name and step.get("actions") is not None:
            return tuple(a for a in kind if a in step["actions"])
    return kind


def describe(item: WorkItem) -> dict:
    return {"id": item.id, "dossier": item.dossier.code, "step": item.step, "name": item.name, "role": item.role,
            "assignee": item.assignee.username if item.assignee else None, "due_at": iso_vn(item.due_at),
            "actions": list(offered(item))}


def get(session: Session, user: User, item_id: int) -> WorkItem:
    return _visible_item(session, user, item_id)


def form_schema(item: WorkItem) -> dict | None:
    return item.dossier.procedure_version.forms.get(item.form_key) if item.form_key else None


def claim(session: Session, user: User, item_id: int) -> WorkItem:
    item = _visible_item(session, user, item_id)
    taken = session.execute(update(WorkItem).where(WorkItem.id == item.id)
                            .where((WorkItem.assignee_id.is_(None)) | (WorkItem.assignee_id == user.id))
                            .values(assignee_id=user.id).execution_options(synchronize_session=False))
    if taken.rowcount != 1:
        raise Conflict("Công việc đã được người khác nhận", code="task_taken")
    session.refresh(item)
    return item


def release(session: Session, user: User, item_id: int) -> WorkItem:
    item = _visible_item(session, user, item_id)
    if item.assignee_id != user.id:
        raise Conflict("Chỉ người đang giữ công việc mới trả lại được", code="not_assignee")
    item.assignee_id = None
    return item


def _check_supplement_rule(session: Session, dossier: Dossier, data: dict, stage: str, cal, now: datetime):
    """D10–D12, answered by engine.law.supplement; here only the facts are read."""
    first = session.scalar(select(SupplementRequest).where(SupplementRequest.dossier_id == dossier.id)
                           .order_by(SupplementRequest.id).limit(1)) if dossier.supplement_requests else None
    return supplement.check_request(requests_so_far=dossier.supplement_requests,
                                    second_reason=data.get("second_reason"), first_items=first.items if first else [],
                                    stage=stage, received_at=dossier.received_at, now=now, cal=cal)


def complete(session: Session, ctx: Context, item_id: int, action, data) -> Dossier:
    """Complete a work item with one of its step's actions, with its legal effects, in one transaction."""
    with session.no_autoflush:  # one flush at the end, not one before every query
        return _complete(session, ctx, item_id, action, data)


def _complete(session: Session, ctx: Context, item_id: int, action, data) -> Dossier:
    item = _visible_item(session, ctx.user, item_id, with_state=True)
    if item.assignee_id not in (None, ctx.user.id):
        raise Conflict("Công việc đang do người khác xử lý", code="task_taken")
    offers = offered(item)
    if action not in offers:
        raise Invalid(f"Bước này không có thao tác {action!r}; chọn một trong: {', '.join(offers)}",
                      code="action_not_offered", fields={"action": "Không hợp lệ"})
    data = {} if data is None else data
    schema = forms.ACTION_SCHEMAS.get(action) or form_schema(item) or {"type": "object"}
    forms.validate(schema, data)
    dossier: Dossier = item.dossier
    info = dossier.procedure_version.info
    named = procedure_fields.of(info)  # where this procedure keeps the opinion and the document number
    step, name, step_due, item_id = item.step, item.name, item.due_at, item.id
    now, settings = ctx.now, ctx.settings
    cal = calendar_of(session, dossier, settings)
    late_now = lateness.is_late(dossier, now)
    stage = supplement.stage_of(step)
    extension = None
    # -- rules that may refuse the action (nothing has changed yet) --
    if action == "request_supplement":
        verdict = _check_supplement_rule(session, dossier, data, stage, cal, now)
        attachments.check_paper_requests(session, dossier, data["items"])
    elif action == "request_extension":
        amount = extension_law.requested_amount(data, cal)
        pending = session.scalar(select(Extension.id).where(
            Extension.dossier_id == dossier.id, Extension.state.in_(("requested", "department_confirmed"))))
        new_due = extension_law.check_request(
            cal, info["duration"], extensions_so_far=dossier.extensions, pending=pending is not None,
            due_at=dossier.due_at, original_due_at=dossier.original_due_at, amount=amount, now=now)
    elif action in ("confirm_extension", "reject_extension"):
        extension = session.scalar(select(Extension).where(
            Extension.dossier_id == dossier.id, Extension.state.in_(("requested", "department_confirmed"))))
        if extension is None:
            raise Conflict("Không có đề nghị gia hạn đang chờ xác nhận", code="no_extension_pending")
        if action == "confirm_extension" and item.role != "department_leader":
            extension_law.check_in_time(cal, info["duration"], dossier.due_at, now)  # changes now (D18)
    elif action == "return_result":
        apology.check_return(dossier, now, letters.has_overdue_letter(session, dossier))
    if step == "intake" and intake.decided_late(dossier.intake_due_at, now):
        dossier.intake_late = True  # D7, whether or not a timer sweep ran in between
    process = load_process(dossier, ctx)
    process.complete(item.task_id, {"action": action, item.spec_name: data}, now)
    from_status = dossier.status
    events = [(action, None)]
    # -- effects --
    if action == "receive":
        move(dossier, RECEIVED)
        dossier.received_at = now
        deadlines.on_received(dossier, cal, info, now)
        events = [(action, RECEIVED), ("forward", PROCESSING)]
    elif action == "refuse" and step == "intake":
        move(dossier, REFUSED)
    elif action == "request_supplement":
        session.add(SupplementRequest(dossier_id=dossier.id, at=now, stage=stage, items=data["items"],
                                      second_reason=data.get("second_reason"), requested_by=ctx.user.id))
        dossier.supplement_requests += 1
        move(dossier, SUPPLEMENT)
        deadlines.on_supplement_requested(dossier, stage, now)
        faults = apology.supplement_letter_faults(data.get("second_reason"), late_now)
        if verdict.apology:
            signer_role = verdict.signer_role
            letters.issue(session, settings, dossier, faults,
                          letters.signer_for(session, dossier, signer_role), signer_role, now)
            events.append(("letter_issued", None))
    elif action == "request_extension":
        session.add(Extension(dossier_id=dossier.id, requested_at=now, requested_by=ctx.user.id,
                              working_minutes=int(amount.total_seconds() // 60), reason=data["reason"],
                              state="requested", new_due_at=new_due))
    elif action == "reject_extension":
        extension.state, extension.decided_at = "rejected", now
    elif action == "confirm_extension":
        if item.role == "department_leader" and extension.state == "requested":
            extension.state = "department_confirmed"
        else:
            extension.state, extension.decided_at = "confirmed", now
            deadlines.apply_extension(dossier, extension.new_due_at, cal)
            signer_role = apology.signer_role(apology.EXTENSION)
            letters.issue(session, settings, dossier, [(apology.EXTENSION, extension.reason)],
                          letters.signer_for(session, dossier, signer_role), signer_role, now,
                          new_due_at=extension.new_due_at)
            events += [("extended", None), ("letter_issued", None)]
    elif action in ("approve", "refuse"):
        dossier.outcome = "approved" if action == "approve" else "refused"
        opinion = "; ".join(data.get("reasons") or []) or str(data.get(named.opinion) or "")
        results.draft_result(session, settings, dossier, ctx.user, item.role, dossier.outcome, opinion, now)
    elif action == "issue_result":
        results.issue_result(session, settings, dossier, str(data.get(named.document_number) or ""),
                             now)
        move(dossier, RESOLVED)
        dossier.resolved_at = now
        dossier.late = lateness.is_late(dossier, now)  # D19: judged at resolution
    elif action == "return_result":
        move(dossier, RETURNED)
        dossier.returned_at = now
    officialforms.issue_for_action(session, settings, dossier, step, action, data, ctx.user, now)  # Mẫu 01–03
    save_process(session, dossier, process, now, settings, cal)
    previous = from_status
    for name_, status in events:
        if status is not None and dossier.status != status:
            move(dossier, status)
        audit.record(session, dossier, now, ctx.user, name_, previous, step=step, task_name=name,
                     data=data if name_ == action else {}, due_at=step_due if name_ == action else None,
                     work_item_id=item_id if name_ == action else None)
        previous = dossier.status
    return dossier
