"""Liên thông between agencies (D33): a ``handover`` step hands the dossier to another agency's procedure and
waits for its result.

When a dossier reaches a ``handover`` task (engine.cases.dossiers.save_process), in the same transaction:
a sub-dossier of the callee procedure is filed at the callee agency with the parent's filing form, already
received (its clock starts at the hand-over and runs for the callee agency's share, on its own calendar); the
hand-over is linked (engine.data.handover_model) and audited on both dossiers; the sending agency's
Phiếu chuyển hồ sơ liên thông is recorded, to be sealed after the commit. The parent's task waits in no inbox.

The callee agency's officers process the sub-dossier like any dossier of theirs. When its result is sealed and
verified (engine.cases.issuing.finish, D22) the engine hands it back: the sub-dossier is returned to the sending
agency (status 10), its result is attached to the parent's record and the parent's task completes with
``hand_back``. Each agency sees only its part: the sub-dossier is not the citizen's (engine.cases.dossiers),
the parent is not the callee agency's; the parent's record shows the sub-dossier's stage and result.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, event, select
from sqlalchemy.orm import Session

from engine.cases import local_fees, notices
from engine.cases.dossiers import (
    HANDOVERS, Context, _next_code, calendar_of, end_without_process, load_process, move, readable_process,
    record_missed, save_process)
from engine.core.clock import iso_vn
from engine.core.errors import Conflict, Invalid
from engine.core.settings import Settings
from engine.data import agencies, audit
from engine.data.handover_model import Handover
from engine.data.model import Agency, Document, DocumentSignature, Dossier, User, WorkItem
from engine.data.signing_model import OPEN_STATES, SigningRequest, withdraw_personal
from engine.law.statuses import (
    PROCESSING, RECEIVED, RESOLVED, RETURNED, STOPPED, SUBMITTED, TERMINAL, WITHDRAWN, Status)
from engine.paperwork import documents, officialforms
from engine.process import fees as fee_rules
from engine.process import forms, lint_handover, procedures
from engine.process import fields as procedure_fields
from engine.process.runtime import SERIALIZER_VERSION, Process

UNIT_WORDS = officialforms.UNITS
_SIGNATURE_FACTS = ("field", "signer", "organisation", "signed_at", "valid", "status", "message", "checked_at",
                    "valid_until")  # the answer's verified signatures, kept with its copy on the parent


def _step(dossier: Dossier, spec_name: str) -> dict:
    for step in dossier.procedure_version.info.get("steps", ()):
        if step.get("id") == spec_name and "handover" in step:
            return step["handover"]
    raise Invalid(f"Bước liên thông {spec_name!r} không khai báo thủ tục và cơ quan nhận", code="handover_undeclared")


def _complete_step(process: Process, step: str, action: str, now: datetime) -> str:
    """Complete the process's open task of step kind ``step`` with ``action`` (the engine acts); its name."""
    task = next((t for t in process.ready_user_tasks() if t.step == step), None)
    if task is None:
        raise Invalid(f"Thủ tục liên thông không có bước {step!r} đang mở", code="handover_flow")
    process.complete(task.task_id, {"action": action, task.spec_name: {}}, now)
    return task.name


def open_queued(session: Session) -> None:
    """The sub-dossiers of the hand-over tasks the transaction reached (engine.cases.dossiers.save_process queues
    them), opened once the step that got there is recorded (the end of the use case, else just before the
    commit), so that their events follow that step's in the trail."""
    while session.info.get(HANDOVERS):
        settings, parent, row, now = session.info[HANDOVERS].pop(0)
        hand_over(session, settings, parent, row, now)


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:  # the timer sweep and the drain reach hand-overs too
    open_queued(session)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(HANDOVERS, None)


def hand_over(session: Session, settings: Settings, parent: Dossier, row: dict, now: datetime) -> Dossier:
    """The parent reached the hand-over task ``row`` (a new work item's values): open the sub-dossier."""
    declared = _step(parent, row["spec_name"])
    # the callee's current version (its newest not retired), suspended or not: suspending stops the applicants'
    # new filings (procedures.filing_version), while this sub-request is part of a dossier already filed, which
    # must never be left with nowhere to hand over (engine.cases.versions keeps a callee from retiring its last)
    version = procedures.latest_version(session, declared["procedure"])
    agency = agencies.by_code(session, declared["agency"])
    if agency is None:
        raise Invalid(f"Cơ quan liên thông {declared['agency']} không có trong hệ thống", code="handover_agency")
    form = dict(parent.form or {})
    _refuse_stalling_fee(session, settings, version, agency, form)
    forms.validate(version.forms[version.info["filing_form"]], form, what="Tờ khai chuyển liên thông")
    # D5: the citizen's filing channel is the sub-dossier's too (a desk filing is no portal filing in the callee's
    # figures); its result goes back to the sending agency through the engine (hand_back), never to the citizen
    # at the desk or by post, whatever the parent's channel: its return channel is said, not taken from the filing
    child = Dossier(code=_next_code(session, agency, now), procedure_version_id=version.id, agency_id=agency.id,
                    parent_id=parent.id, applicant_id=parent.applicant_id, owner_name=parent.owner_name,
                    owner_birth_date=parent.owner_birth_date, owner_cccd=parent.owner_cccd, channel=parent.channel,
                    return_channel="online", status=SUBMITTED, form=form, filed_at=now, workflow_state=b"",
                    serializer_version=SERIALIZER_VERSION)
    child.procedure_version = version
    session.add(child)
    session.flush()
    cal = calendar_of(session, child, settings)
    due = cal.due(now, declared["share"], declared["unit"])  # the callee agency's share, on its calendar
    child.intake_due_at, child.received_at = now, now
    child.due_at = child.original_due_at = due
    child.calendar_version = cal.version
    process = Process.start((version.id, version.content_hash), lambda: version.spec_json,
                            procedure_fields.of(version.info).start_data(child.code, form),
                            settings.script_time_limit, now)
    audit.record(session, child, now, None, "file", None, data={"channel": "lienthong", "from": parent.code})
    intake_name = _complete_step(process, "intake", "receive", now)  # received by the hand-over itself
    move(child, RECEIVED)
    audit.record(session, child, now, None, "receive", SUBMITTED, step="intake", task_name=intake_name)
    move(child, PROCESSING)
    audit.record(session, child, now, None, "forward", RECEIVED)
    link = Handover(parent_id=parent.id, child_id=child.id, task_id=row["task_id"], task_name=row["name"],
                    procedure_code=declared["procedure"], agency_id=agency.id, share=declared["share"],
                    share_unit=declared["unit"], handed_at=now, due_at=due)
    session.add(link)
    save_process(session, child, process, now, settings, cal)
    share = f"{officialforms.number_text(declared['share'])} {UNIT_WORDS[declared['unit']]}"
    audit.record(session, parent, now, None, "hand_over", parent.status, step="handover", task_name=row["name"],
                 data={"agency": agency.code, "procedure": declared["procedure"], "share": share,
                       "due_at": iso_vn(due)})
    officialforms.handover_slip(session, settings, parent, {
        "task": row["name"], "receiver": agency.name, "sub_code": child.code, "handed_at": officialforms.when(now),
        "sub_request": f"{version.procedure.name} (mã thủ tục {version.procedure.code})", "share": share,
        "due_at": officialforms.when(due)}, now)
    return child


def _refuse_stalling_fee(session: Session, settings: Settings, version, agency: Agency, form: dict) -> None:
    """D26, D33: a callee that asks its applicant a fee before the result (a procedure offered to citizens directly
    too, deployed before engine.process.lint_handover.deploy_problems refused it) would leave the sub-dossier
    waiting in status 6 for a payer who never sees it. The hand-over is refused instead, before anything is
    written: the officer whose action reached it is told why (409), and the dossier stays where the citizen can
    follow it, rather than stalled out of sight until its deadline. The fee as the callee agency charges it (its
    own local amount, D29); one the filing form exempts, or that costs nothing, leaves nothing to wait for. Refused
    whether the agency collects through the engine now or not: it may start to (``tthc payments gateway``) while
    the sub-dossier is processed, and the fee would then be asked at its approval."""
    owed = []
    for fee in lint_handover.stalling_fees({"fees": local_fees.fees_at(session, version, agency.id)}):
        try:
            if not fee_rules.cost(fee, form, settings.script_time_limit):
                continue
        except fee_rules.FeeError:
            pass  # not computable from this form: its approval would be refused too (fee_not_computable)
        owed.append(fee["name"])
    if owed:
        code = version.procedure.code
        raise Conflict(f"Không chuyển liên thông được: thủ tục {code} ({version.procedure.name}) của {agency.name} "
                       f"thu phí, lệ phí trước khi trả kết quả ({', '.join(owed)}), mà công dân không thấy hồ sơ "
                       "liên thông nên không nộp được và hồ sơ sẽ chờ thanh toán mãi. Đề nghị quản trị viên bỏ phí "
                       f"này khỏi thủ tục {code} (phí do thủ tục nơi công dân nộp hồ sơ khai báo và thu), rồi thực "
                       "hiện lại thao tác.", code="handover_callee_fee")


def hand_back(session: Session, settings: Settings, child: Dossier, result: Document, now: datetime) -> None:
    """The sub-dossier's result is sealed and verified: return it to the sending agency and let the parent go on.
    A parent that ended meanwhile (withdrawn, stopped: its open sub-dossiers stopped with it, a resolved one
    cannot be) still gets the answer on its record, noted as arriving after its end; no task of it completes."""
    link = session.scalar(select(Handover).where(Handover.child_id == child.id, Handover.returned_at.is_(None)))
    if link is None or child.status != RESOLVED:
        return
    ctx = Context(None, now, settings)
    process = load_process(child, ctx)
    name = _complete_step(process, "return", "return_result", now)
    move(child, RETURNED)
    child.returned_at = now
    save_process(session, child, process, now, settings)
    audit.record(session, child, now, None, "return_result", RESOLVED, step="return", task_name=name,
                 data={"to": child.parent_id})
    parent = session.get(Dossier, link.parent_id)
    copy = documents.add(session, settings.data_dir, parent, "lienthong_result",
                         f"ket-qua-lien-thong-{child.code}.pdf", "application/pdf",
                         documents.read(settings.data_dir, result), now)
    copy.number, copy.state = result.number, "signed"
    for check in session.scalars(select(DocumentSignature).where(DocumentSignature.document_id == result.id)):
        session.add(DocumentSignature(document_id=copy.id, **{c: getattr(check, c) for c in _SIGNATURE_FACTS}))
    link.returned_at, link.late, link.document_id = now, now > link.due_at, copy.id
    if parent.status in TERMINAL:  # withdrawn or stopped while the answer was being sealed: its process is over
        audit.record(session, parent, now, None, "attach", parent.status, step="handover", task_name=link.task_name,
                     data={"component": "lienthong_result", "document": copy.id, "from": child.code,
                           "after_end": True})  # kept on its record, no task completes (no hand_back)
        return
    if parent.suspended_at is not None:  # an administrator suspended it: no task completes (engine.cases.operations)
        return  # the answer is kept (the link, the copy); the parent's task completes when it resumes (go_on)
    _complete_handover(session, settings, parent, link, child, now)


def _complete_handover(session: Session, settings: Settings, parent: Dossier, link: Handover, child: Dossier,
                       now: datetime) -> None:
    """The parent's hand-over task completes with the answer ``link`` recorded: its process goes on. A task with
    no work item left (the parent's process ended) has nothing to complete."""
    found = session.execute(select(WorkItem.id, WorkItem.spec_name).where(WorkItem.task_id == link.task_id)).first()
    if found is None:
        return
    item_id, spec_name = found
    parent_process = load_process(parent, Context(None, now, settings))
    parent_process.complete(link.task_id, {"action": "hand_back", spec_name: {
        "ma_ho_so_lien_thong": child.code, "ket_qua_lien_thong": child.outcome or "approved"}}, now)
    save_process(session, parent, parent_process, now, settings)
    audit.record(session, parent, now, None, "hand_back", parent.status, step="handover", task_name=link.task_name,
                 data={"outcome": child.outcome, "document": link.document_id}, due_at=link.due_at,
                 work_item_id=item_id, calendar=calendar_of(session, child, settings), late=link.late)


def go_on(session: Session, settings: Settings, parent: Dossier, now: datetime) -> None:
    """The parent resumed: each hand-over answered while it was suspended (its answer recorded, its task still
    open) completes now, as it would have at the answer (``hand_back``); its lateness stays the answer's."""
    rows = session.execute(select(Handover, Dossier).join(Dossier, Dossier.id == Handover.child_id)
                           .join(WorkItem, (WorkItem.task_id == Handover.task_id)
                                 & (WorkItem.dossier_id == Handover.parent_id))
                           .where(Handover.parent_id == parent.id, Handover.returned_at.is_not(None))
                           .order_by(Handover.id)).all()
    for link, child in rows:
        _complete_handover(session, settings, parent, link, child, now)


def stop_children(session: Session, ctx: Context, parent: Dossier, reason: str) -> None:
    """The parent was withdrawn or stopped: the sub-dossiers still open at the other agencies stop with it (their
    officers' work closes, a decision awaiting its signature is withdrawn with its number, as at the end of the
    parent; nothing is issued to the citizen, who was never their applicant). Their officers are told in the same
    transaction (D28: with their work items gone, nothing else would tell them the part ended)."""
    rows = session.scalars(select(Dossier).join(Handover, Handover.child_id == Dossier.id)
                           .where(Handover.parent_id == parent.id, Handover.returned_at.is_(None))).all()
    officers = notices.Officers()
    for child in rows:
        if child.status in (RESOLVED, RETURNED, STOPPED):
            continue
        concerned = _concerned(session, child, officers)  # read before the cancel closes their work items
        process = readable_process(child, ctx)  # a part whose state cannot be read still stops with its parent
        if process is not None:
            process.cancel()
        record_missed(child, ctx.now)  # D19, D33: its share's deadline passed before the stop stays missed
        before = move(child, STOPPED)
        child.paused_at = child.suspended_at = None
        child.ended_at = ctx.now
        withdraw_personal(session, child.id)  # D16: its decision awaiting signature, with its number
        if process is not None:
            save_process(session, child, process, ctx.now, ctx.settings)
        else:
            end_without_process(session, child, ctx.settings)
        audit.record(session, child, ctx.now, ctx.user, "stop", before, data={"reason": reason, "parent": parent.code})
        context = {"parent": parent.code, "sender": parent.agency.name, "reason": reason,
                   "how": "withdraw" if parent.status == WITHDRAWN else "stop"}
        for agency_id, people in concerned.items():  # D28: the officers whose work closed, in this transaction
            notices.notify(session, ctx.settings, "lienthong_stopped", now=ctx.now, dossier=child, users=people,
                           roles={p for u in people for p in u.roles}, agency_id=agency_id, context=context,
                           officers=officers)  # roles: an officer's notice (its link opens the officer's page)


def _concerned(session: Session, child: Dossier, officers: notices.Officers) -> dict[int, list[User]]:
    """By agency: the officers whose work on the sub-dossier closes with its stop (D28): whoever claimed an open
    work item, every holder of the role of an unclaimed one, whoever must sign a decision awaiting their signature
    (withdrawn with its number); with none of these (between two steps), the callee agency's specialists and
    department leaders, who process it."""
    roles: dict[int, set[str]] = {}
    ids: dict[int, set[int]] = {}
    for agency_id, role, assignee in session.execute(select(WorkItem.agency_id, WorkItem.role, WorkItem.assignee_id)
                                                     .where(WorkItem.dossier_id == child.id)):
        if assignee is None:
            roles.setdefault(agency_id, set()).add(role)
        else:
            ids.setdefault(agency_id, set()).add(assignee)
    for agency_id, signer in session.execute(select(SigningRequest.agency_id, SigningRequest.signer_id).where(
            SigningRequest.dossier_id == child.id, SigningRequest.purpose == "personal",
            SigningRequest.state.in_(OPEN_STATES), SigningRequest.signer_id.is_not(None))):
        ids.setdefault(agency_id or child.agency_id, set()).add(signer)
    if not roles and not ids:
        roles = {child.agency_id: {"specialist", "department_leader"}}
    found: dict[int, list[User]] = {}
    for agency_id in sorted(set(roles) | set(ids)):
        people = {u.id: u for u in officers.holding(session, agency_id, roles.get(agency_id, ()))}
        named = ids.get(agency_id, set()) - set(people)
        if named:
            people.update({u.id: u for u in session.scalars(select(User).where(User.id.in_(named),
                                                                               User.locked_reason.is_(None)))})
        if people:
            found[agency_id] = sorted(people.values(), key=lambda u: u.id)
    return found


# -- what the parent shows of its hand-overs ---------------------------------------------------------------
_HANDOVERS = (select(Handover.parent_id, Handover.procedure_code, Handover.task_name, Handover.share,
                     Handover.share_unit, Handover.handed_at, Handover.due_at, Handover.returned_at, Handover.late,
                     Handover.document_id, Dossier.status, Dossier.outcome, Agency.code, Agency.name)
              .join(Dossier, Dossier.id == Handover.child_id).join(Agency, Agency.id == Handover.agency_id)
              .where(Handover.parent_id.in_(bindparam("ids", expanding=True))).order_by(Handover.id))


def describe(session: Session, parent_ids: list[int]) -> dict[int, list[dict]]:
    """By parent dossier id: each hand-over, the sub-dossier's stage and result (never its work items). One
    statement built once, its columns only (the dossier page and every command's answer read it)."""
    if not parent_ids:
        return {}
    out: dict[int, list[dict]] = {}
    for link in session.connection().execute(_HANDOVERS, {"ids": list(parent_ids)}):
        out.setdefault(link.parent_id, []).append({
            "agency": link.code, "agency_name": link.name, "procedure": link.procedure_code, "step": link.task_name,
            "share": link.share, "share_unit": link.share_unit, "handed_at": iso_vn(link.handed_at),
            "due_at": iso_vn(link.due_at), "returned_at": iso_vn(link.returned_at), "late": link.late,
            "status": link.status, "status_name": Status(link.status).label, "outcome": link.outcome,
            "document": link.document_id})
    return out


def waiting(handover: dict) -> bool:
    """Whether the other agency still works on its part: not handed back, nor stopped with the parent (withdrawn,
    stopped or terminated: ``stop_children``)."""
    return handover["returned_at"] is None and handover["status"] != STOPPED


def stage(handovers: list[dict]) -> str | None:
    """The citizen's one line: where the dossier is while another agency works on it."""
    found = [h for h in handovers if waiting(h)]
    return f"Đang xử lý tại {found[-1]['agency_name']} (liên thông)" if found else None
