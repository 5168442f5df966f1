"""Officers' use cases: the inbox, claim, release and complete a work item with an action.

The step kind (not the BPMN names) decides which actions exist and what they mean legally: each (step kind,
action) is declared once in engine.cases.steps; completing checks the declaration (offered, data, guards),
then runs the BPMN task, the status moves, the action's handler and the audit events, all generic here.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, defaultload, object_session

from engine.cases.dossiers import (
    Context, calendar_of, ensure_not_suspended, load_process, move, plan_timers, save_process, visible_dossier)
from engine.cases import inbox as paging, lienthong, notices, offers, payments
from engine.cases.steps import apology, catalogue, guards
from engine.cases.steps.declare import Facts
from engine.core.clock import iso_vn
from engine.core.vocabulary import vn_time
from engine.core.errors import Conflict, Forbidden, Invalid, NotFound
from engine.data import audit
from engine.data.model import Agency, AuditEvent, Dossier, User, WorkItem
from engine.law import intake, lateness
from engine.process import forms


_ITEM = select(WorkItem).where(WorkItem.id == bindparam("item_id"))  # built once: compiled and keyed once
# completing needs the workflow state: in the same query, not a second one
_ITEM_WITH_STATE = _ITEM.options(defaultload(WorkItem.dossier).undefer(Dossier.workflow_state))
# A Core statement on the table, run on the transaction's connection: the ORM's handling of an UPDATE (its
# bulk-update machinery, with nothing to synchronize) cost more than the statement; the SQL is the same.
_ITEMS = WorkItem.__table__
_TAKE_ITEM = (update(_ITEMS).where(_ITEMS.c.id == bindparam("item_id"))
              .where(_ITEMS.c.assignee_id.is_(None) | (_ITEMS.c.assignee_id == bindparam("me")))
              .values(assignee_id=_ITEMS.c.assignee_id))


def _visible_item(session: Session, user: User, item_id: int, *, with_state: bool = False) -> WorkItem:
    item = session.scalar(_ITEM_WITH_STATE if with_state else _ITEM, {"item_id": item_id})
    if item is None and user.is_officer:
        done = session.scalar(select(AuditEvent).join(Dossier, Dossier.id == AuditEvent.dossier_id)
                              .where(AuditEvent.work_item_id == item_id,
                                     (Dossier.agency_id == user.agency_id)
                                     | (Dossier.processing_agency_id == user.agency_id)))
        if done is not None:
            raise Conflict(f"Công việc đã được {done.actor_name} hoàn thành lúc {vn_time(done.at, 'at')}",
                           code="task_completed")
    if (item is None or not user.is_officer or item.agency_id != user.agency_id
            or item.step not in catalogue.OFFICER_STEPS):
        raise NotFound("Không tìm thấy công việc", code="task_not_found")
    if item.role not in user.roles:
        raise Forbidden("Công việc này thuộc vai trò khác", code="wrong_role")
    return item


def completed_by(session: Session, user: User, item_id: int) -> bool:
    """Whether ``user`` completed work item ``item_id`` (its action's event names the item): a second post of the
    same form (a double click) finds the item gone by the user's own hand, which is no conflict."""
    return session.scalar(select(AuditEvent.id).where(AuditEvent.work_item_id == item_id,
                                                      AuditEvent.actor_id == user.id).limit(1)) is not None


def inbox(session: Session, user: User, *, mine: bool = False, role: str | None = None,
          procedure: str | None = None, due_before: datetime | None = None, overdue_at: datetime | None = None,
          limit: int = 500, after: str | None = None, sort: str = "due") -> list[WorkItem]:
    """Open work items of my roles in my agency (rows only; no workflow state is read), in due order, at most
    ``limit`` from the cursor ``after`` on (engine.cases.inbox reads them off an index, a page at a time)."""
    return inbox_page(session, user, mine=mine, role=role, procedure=procedure, due_before=due_before,
                      overdue_at=overdue_at, limit=limit, after=after, sort=sort).items


def inbox_page(session: Session, user: User, *, mine: bool = False, role: str | None = None,
               procedure: str | None = None, due_before: datetime | None = None, overdue_at: datetime | None = None,
               limit: int = 500, after: str | None = None, sort: str = "due") -> paging.Page:
    """``inbox`` with the cursor of the next page."""
    bounds = [t for t in (due_before, overdue_at) if t is not None]
    filters = paging.Filters(mine=mine, role=role, procedure=procedure, due_before=min(bounds) if bounds else None)
    return paging.page(session, user, filters, sort=sort, after=paging.parse_cursor(after), limit=limit)


def describe(item: WorkItem, now: datetime | None = None, settings=None, *, cal_of=None) -> dict:
    """The task as the API shows it: ``actions`` are those ``complete`` takes now (none while an administrator has
    suspended the dossier, which ``suspended`` says); given ``now`` and ``settings``, without those the law's
    time and count rules refuse then (``offered``)."""
    return {"id": item.id, "dossier": item.dossier.code, "step": item.step, "name": item.name, "role": item.role,
            "assignee": item.assignee.username if item.assignee else None, "due_at": iso_vn(item.due_at),
            "actions": offered(item, now, settings, cal_of=cal_of),
            "suspended": item.dossier.suspended_at is not None}


def describe_all(items: list[WorkItem], now: datetime, settings) -> list[dict]:
    """``describe`` for a page of the inbox: each receiving agency's calendar read once, not once per item."""
    cal_of = calendars(settings)
    return [describe(item, now, settings, cal_of=cal_of) for item in items]


def calendars(settings):
    """dossier → its working calendar (``calendar_of``), each agency's built once for the request's offers."""
    known: dict[int, object] = {}

    def of(dossier: Dossier):
        agency = offers.agency_for(dossier, "calendar")
        if agency not in known:
            known[agency] = calendar_of(object_session(dossier), dossier, settings)
        return known[agency]
    return of


def get(session: Session, user: User, item_id: int) -> WorkItem:
    return _visible_item(session, user, item_id)


def form_schema(item: WorkItem) -> dict | None:
    return item.dossier.procedure_version.forms.get(item.form_key) if item.form_key else None


def action_schemas(item: WorkItem, actions: list[str]) -> dict[str, dict]:
    """The JSON Schema of each action's ``data``, as completing it checks it: the law's own for the actions whose
    content it fixes (a refusal's ``reasons``, a supplement request's ``items``, an extension: forms.ACTION_SCHEMAS
    through the step's declaration), the task's form for the others. An integrator learnt a refusal's shape by
    trial: the task's form_schema (``ghi_chu``) was refused for it."""
    kind, own = catalogue.KINDS[item.step], form_schema(item)
    return {name: (declared.schema if (declared := kind.action(name)) is not None and declared.schema else own)
            or {"type": "object"} for name in actions}


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


def release_unworkable(session: Session, user: User) -> list[str]:
    """D2: the items ``user`` holds that they can no longer work (suspended or cancelled, moved to another agency,
    the item's role taken away) go back to their role's queue in the item's agency, where a colleague takes them;
    no one else may release a claim, so the dossier would otherwise wait until it is late. Called with the
    administrator's change (engine.cases.staff.update); returns the dossiers' codes, for its trail."""
    gone = user.locked_reason is not None or user.cancelled_at is not None
    released = []
    for item in session.scalars(select(WorkItem).where(WorkItem.assignee_id == user.id).order_by(WorkItem.id)):
        if gone or item.agency_id != user.agency_id or item.role not in user.roles:
            item.assignee_id = None
            released.append(item.dossier.code)
    return released


OFFICER_STEPS = catalogue.OFFICER_STEPS


def offered(item: WorkItem, now: datetime | None = None, settings=None, *, cal_of=None) -> list[str]:
    """The actions the item offers now (the declaration of its step kind and the BPMN routing): none while its
    dossier is suspended (completing would be refused, 409 dossier_suspended). Given ``now`` and ``settings``
    (or ``cal_of``), without those the law's time and count rules would refuse at that instant (D12's window,
    D18's time to ask and once-only: engine.cases.steps.guards.FORESIGHT): the offer is advice, the guards
    decide."""
    if item.dossier.suspended_at is not None:
        return []
    if now is not None and cal_of is None and settings is not None:
        cal_of = calendars(settings)
    return catalogue.offered(item, now, cal_of)


def offered_when_resumed(item: WorkItem) -> list[str]:
    """The actions the item's step offers, its dossier's suspension aside (what it offers again once resumed)."""
    return catalogue.offered(item)


def complete(session: Session, ctx: Context, item_id: int, action, data) -> Dossier:
    """Complete a work item with one of its step's actions, with its legal effects, in one transaction."""
    with session.no_autoflush:  # one flush at the end, not one before every query
        return _complete(session, ctx, item_id, action, data)


def _complete(session: Session, ctx: Context, item_id: int, action, data) -> Dossier:
    item = _visible_item(session, ctx.user, item_id, with_state=True)
    # Take the item with a conditional write, not a check of the row read above: a claim committed since is seen
    # (task_taken), and a claim arriving now waits for this transaction and finds the item gone; the assignee
    # is left as it is (the row's own value is written back).
    if session.connection().execute(_TAKE_ITEM, {"item_id": item.id, "me": ctx.user.id}).rowcount != 1:
        raise Conflict("Công việc đang do người khác xử lý", code="task_taken")
    kind, dossier = catalogue.KINDS[item.step], item.dossier
    ensure_not_suspended(dossier)
    choices = catalogue.offered(item)
    if action is None or action == "":  # no action given: asked for, not named as Python's None
        raise Invalid(f"Cần chọn thao tác; chọn một trong: {', '.join(choices)}", code="action_not_offered",
                      fields={"action": "Bắt buộc"})
    if action not in choices:
        raise Invalid(f"Bước này không có thao tác {action!r}; chọn một trong: {', '.join(choices)}",
                      code="action_not_offered", fields={"action": "Không hợp lệ"})
    declared = kind.action(action)
    data = {} if data is None else data
    forms.validate(declared.schema or form_schema(item) or {"type": "object"}, data, field="data")
    data = dict(data)  # the step's own copy: a rule may complete it (the register's number), never the caller's
    facts = Facts(session, ctx, item, dossier, action, data, calendar_of(session, dossier, ctx.settings))
    for guard in declared.guards:  # the rules that may refuse (nothing has changed yet)
        guard(facts)
    now, step, name, step_due = ctx.now, item.step, item.name, item.due_at
    if step == "intake" and intake.decided_late(dossier.intake_due_at, now):
        dossier.intake_late = True  # D7, whether or not a timer sweep ran in between
    if lateness.ran_out_before(dossier, now):  # D19: the overdue a stopped timer service did not record
        _overdue_caught_up(session, ctx.settings, dossier, facts.cal, now)
    process = None
    if kind.drawn:
        process = load_process(dossier, ctx)
        process.complete(item.task_id, {"action": action, item.spec_name: data}, now)
    from_status = dossier.status
    if declared.moves:
        move(dossier, declared.moves[0][1])
    if declared.handler is not None:
        declared.handler(facts)
    if process is not None:
        save_process(session, dossier, process, now, ctx.settings, facts.cal)
    else:
        plan_timers(session, dossier, ctx.settings, facts.cal)
    events = list(declared.moves) or [(action, None)]
    previous = from_status
    for event, status in events + facts.events:
        if status is not None and dossier.status != status:
            move(dossier, status)
        own = event == action
        audit.record(session, dossier, now, ctx.user, event, previous, step=step, task_name=name,
                     data=data if own else {}, due_at=step_due if own else None,
                     work_item_id=item_id if own else None, calendar=facts.cal if own else None,
                     late=lateness.done_late(step_due, now) if own else None)
        previous = dossier.status
    payments.after_action(session, ctx, dossier, step, action)  # D26: fees due now, refunds of a refusal
    lienthong.open_queued(session)  # D33: a hand-over the action reached, after the action's own events
    return dossier


def _overdue_caught_up(session: Session, settings, dossier: Dossier, cal, now: datetime) -> None:
    """D19, D28: an action on a dossier whose due instant passed while the timer service was stopped (a weekend,
    Tết) first does what the service would have done at that instant (engine.timers): the dossier is late from
    then and its trail says so, before the action; the head's apology letter is work counted from then (the
    citizen's own dossier only: a liên thông share's applicant is the sending agency); the leaders watching the
    deadline and that head are told now. A dossier is late by the law, whether the service ran or not."""
    def tell(roles, agency_id: int) -> None:
        notices.notify(session, settings, "overdue", now=now, dossier=dossier, roles=roles, agency_id=agency_id)

    audit.record(session, dossier, dossier.due_at, None, "overdue", dossier.status)
    apology.record_overdue(session, dossier, cal, dossier.due_at, tell, tell)


def issue_apology(session: Session, ctx: Context, code: str, payload) -> Dossier:
    """``POST /dossiers/{code}/letters`` and the dossier page's button: the head of agency's apology for a late
    dossier (D19), through the ``apology`` work item's own action, opened now if no sweep has opened it yet; only
    the head of the agency at fault (the item's agency, engine.cases.steps.apology.agency_at_fault) may: the
    head of the other agency holding the dossier is refused (403 ``apology_other_agency``)."""
    dossier = visible_dossier(session, ctx.user, code)
    if apology.ROLE not in ctx.user.roles:
        raise Forbidden("Chỉ thủ trưởng cơ quan ký thư xin lỗi khi hồ sơ quá hạn (theo Điều 22 khoản 7 Quyết định 88/2017/QĐ-UBND)")
    if not isinstance(payload, dict):
        raise Invalid("Dữ liệu phải là một đối tượng JSON")
    forms.validate({"type": "object", "required": ["kind", "reason"], "additionalProperties": False,
                    "properties": {"kind": {"enum": ["overdue"]},
                                   "reason": apology.SCHEMA["properties"]["reason"],
                                   "new_due_at": apology.SCHEMA["properties"]["new_due_at"]}}, payload)
    if dossier.parent_id is not None:  # D33: the applicant of a liên thông share is the sending agency
        raise Invalid("Hồ sơ liên thông: thư xin lỗi gửi công dân do cơ quan tiếp nhận hồ sơ của công dân ban hành; "
                      "phần việc quá hạn của cơ quan phối hợp được ghi nhận và thống kê (theo Điều 22 khoản 7 "
                      "Quyết định 88/2017/QĐ-UBND)", code="rule_violation", rule="D19")
    opened = session.execute(select(WorkItem.id, WorkItem.agency_id)
                             .where(WorkItem.task_id == apology.task_id(dossier))).first()
    cal = None
    if opened is None:
        cal = calendar_of(session, dossier, ctx.settings)
        guards.overdue_without_letter(Facts(session, ctx, None, dossier, "issue_apology", payload, cal))
    # D19, D29: the head of the agency at fault signs, the processing agency's while the dossier is in its hands;
    # the head of the other agency holding the dossier is told whose letter it is
    at_fault = opened.agency_id if opened is not None else apology.agency_at_fault(session, dossier)
    if ctx.user.agency_id != at_fault:
        raise Forbidden(f"Thư xin lỗi vì hồ sơ quá hạn do thủ trưởng {session.get(Agency, at_fault).name} ký: hồ "
                        "sơ quá hạn khi đang do cơ quan này giải quyết (theo Điều 22 khoản 7 Quyết định "
                        "88/2017/QĐ-UBND)", code="apology_other_agency", rule="D19")
    item_id = opened.id if opened is not None else apology.open_item(session, dossier, cal, ctx.now, at_fault).id
    data = {k: v for k, v in payload.items() if k != "kind"}
    return complete(session, ctx, item_id, "issue_apology", data)
