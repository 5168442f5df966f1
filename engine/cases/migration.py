"""Moving open dossiers to a newer version of their procedure (issue 13, item 5), when SpiffWorkflow can.

Why a check before every move: a dossier carries its citizen's filing form, its officers' open work and its
timers; a version that no longer has a step the dossier went through, or whose filing form the dossier's form
does not satisfy, would leave the dossier stuck at its next step. So the move is checked first (here: the
dossier is open, the target is a newer active version of the same procedure, the filing form still holds; in
engine.process.specmigration: the workflow's tasks, subprocesses and timers), and refused with every reason
(409) — the dossier then simply continues on its version. A move keeps the dossier's task ids (its work items,
claims and due times stay), is written in the dossier's audit chain and in the administrators' trail.

A dossier whose stored workflow state cannot be read (the incidents page lists them) cannot be checked, so it is
refused too, with its own code (``process_unreadable``), never a 500; in a batch it is listed
among those not moved, with that reason, while the others move.
"""
from __future__ import annotations

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session, undefer

from engine.cases import administration, lienthong, local_fees, versions  # noqa: F401 (lienthong: hand-overs)
from engine.cases.dossiers import Context, readable_process, save_process, typed_code
from engine.core.errors import Conflict, EngineError, Invalid, NotFound, Problem
from engine.data import audit
from engine.data.model import OPEN_DOSSIER, Dossier, ProcedureVersion, WorkItem
from engine.data.payment_model import Payment
from engine.law import payment as payment_law
from engine.law.statuses import TERMINAL
from engine.process import fees, forms, procedures

BATCH = 50  # dossiers moved by one page action; the page offers the next batch
UNREADABLE = ("không đọc được trạng thái quy trình đã lưu của hồ sơ (dữ liệu bị hỏng); xem trang Sự cố, hoặc "
              "chấm dứt hồ sơ")


class MigrationRefused(Conflict):
    """The dossier cannot move to that version; ``problems`` says why (element: the BPMN id, when there is one)."""

    code = "migration_refused"

    def __init__(self, code: str, number: int, reasons: list[tuple[str, str]]):
        super().__init__(f"Không thể chuyển hồ sơ {code} sang phiên bản {number}: "
                         + "; ".join(r for _, r in reasons))
        self.problems = [Problem(code, None, element, reason) for element, reason in reasons]

    @property
    def reasons(self) -> list[str]:
        return [p.message for p in self.problems]


class ProcessUnreadable(MigrationRefused):
    """Refused because the dossier's stored process cannot be read (its other reasons listed too)."""

    status, code = 409, "process_unreadable"


def _dossier(session: Session, code: str) -> Dossier:
    dossier = session.scalar(select(Dossier).where(Dossier.code == typed_code(code))
                             .options(undefer(Dossier.workflow_state)))
    if dossier is None:
        raise NotFound("Không tìm thấy hồ sơ", code="dossier_not_found")
    return dossier


def _clock_rule(version: ProcedureVersion) -> str:
    return version.info.get("clock_on_supplement", "restart")


def _step_limits(version: ProcedureVersion) -> dict:
    """The steps' own time limits (D30) by task id, as engine.cases.dossiers.step_limits reads them."""
    return {s["id"]: s["duration"] for s in version.info.get("steps", ()) if s.get("duration")}


def _fees(version: ProcedureVersion) -> dict:
    """The fees (D26) as they decide what a dossier pays and when, by key: the amount or its expression, the moment
    (either spelling), the exemption and whether the province sets it; the name the receipt prints is wording only."""
    return {f["key"]: (f.get("amount"), f.get("expression"),
                       f.get("moment") or payment_law.moment_of(f.get("when", "")),
                       f.get("exempt_if"), bool(f.get("local")))
            for f in version.info.get("fees", ())}


def _fees_in_force(session: Session, dossier: Dossier) -> bool:
    """Whether the dossier's fees are in force: it was received (D1), or a fee was already asked or paid (D26),
    after which the fees still to fall due must be the ones the first payment was reckoned with."""
    return dossier.received_at is not None or session.scalar(
        select(Payment.id).where(Payment.dossier_id == dossier.id).limit(1)) is not None


def _fees_to_ask(session: Session, dossier: Dossier, target: ProcedureVersion) -> list[dict]:
    """The fees of ``target`` the dossier would still be asked, as its receiving agency charges them (D26, D29): with
    the same fees as now, those not asked yet (at the amounts in force, local_fees.still_to_ask) under the target's
    names; with other fees (so none in force: the dossier was not received, nothing asked), the target's fees at
    that agency now."""
    if not any(f.get("expression") for f in target.info.get("fees", ())):
        return []  # fixed amounts need no field of the form: no query
    if _fees(target) == _fees(dossier.procedure_version):
        names = {f["key"]: f["name"] for f in target.info["fees"]}
        return [{**f, "name": names.get(f["key"], f["name"])} for f in local_fees.still_to_ask(session, dossier)]
    asked = local_fees.asked_keys(session, dossier)
    return [f for f in local_fees.fees_at(session, target, dossier.agency_id) if f["key"] not in asked]


def _reasons(session: Session, dossier: Dossier, target: ProcedureVersion) -> list[tuple[str, str]]:
    """What the engine's own records say against the move (the workflow's reasons come after)."""
    current, reasons = dossier.procedure_version, []
    if dossier.status in TERMINAL:
        reasons.append(("", "hồ sơ đã kết thúc"))
    if target.version <= current.version:
        reasons.append(("", f"chỉ chuyển sang phiên bản mới hơn phiên bản {current.version} hồ sơ đang theo"))
    if target.state != "active":
        reasons.append(("", f"phiên bản {target.version} không đang áp dụng"))
    if dossier.received_at is not None and target.info.get("duration") != current.info.get("duration"):
        # the appointment given at receipt (Mẫu 01) follows the version it was received under, and so must every
        # rule counted from that time (the extension's 1/3, the steps' limits): a received dossier keeps it
        reasons.append(("", f"thời hạn giải quyết của phiên bản {target.version} khác thời hạn đã hẹn khi tiếp nhận "
                            f"hồ sơ theo phiên bản {current.version}"))
    if dossier.received_at is not None and _clock_rule(target) != _clock_rule(current):
        # D1: how a supplement moves the appointment (restart or pause, D12) is a rule in force at receipt too
        reasons.append(("", f"cách tính lại thời hạn khi công dân bổ sung hồ sơ của phiên bản {target.version} khác "
                            f"cách đã áp dụng khi tiếp nhận hồ sơ theo phiên bản {current.version}"))
    if dossier.received_at is not None and _step_limits(target) != _step_limits(current):
        reasons.append(("", f"thời hạn của các bước xử lý trong phiên bản {target.version} khác thời hạn đã áp dụng "
                            f"khi tiếp nhận hồ sơ theo phiên bản {current.version}"))
    if _fees(target) != _fees(current) and _fees_in_force(session, dossier):
        # the fees are read from the dossier's version when they fall due (engine.cases.payments): moved, a dossier
        # paid at intake would be asked again before the result, or charged another amount than the one in force
        reasons.append(("", f"phí, lệ phí của phiên bản {target.version} khác phí, lệ phí đã áp dụng cho hồ sơ "
                            f"theo phiên bản {current.version}"))
    # D26 with D1: a fee the target computes from a field the form lacks would stop the dossier at the fee's moment
    # (fee_not_computable), when the leader could only refuse it: the dossier stays where its fees can be computed
    for field, why in fees.missing_fields(_fees_to_ask(session, dossier, target), dossier.form,
                                          target.forms.get(target.info.get("filing_form"))).items():
        reasons.append(("", f"tờ khai của hồ sơ không đủ để tính phí, lệ phí của phiên bản {target.version}: "
                            f"{why[:1].lower()}{why[1:]} (trường: {field})"))
    try:
        forms.validate(target.forms[target.info["filing_form"]], dossier.form, what="Tờ khai")
    except Invalid as exc:
        fields = ", ".join(sorted(exc.fields)) or "-"
        reasons.append(("", f"tờ khai của hồ sơ không đáp ứng biểu mẫu nộp của phiên bản {target.version} "
                            f"(trường: {fields})"))
    return reasons


def migrate(session: Session, ctx: Context, code: str, number: int) -> Dossier:
    """Move dossier ``code`` onto version ``number`` of its procedure, or raise MigrationRefused (409). A
    non-administrator is refused (403) before the code is looked up; an administrator whose subtree does not hold
    both the procedure's agency (whose versions they are) and the dossier (its receiving or processing agency,
    D29: another ward offering the same procedure keeps its dossiers) is told there is no such dossier (404), as
    for a code that does not exist."""
    administration.scope(session, ctx.user)
    dossier = _dossier(session, code)
    code = dossier.code  # as stored, whatever was typed: the messages and the administrators' trail name it so
    proc = dossier.procedure_version.procedure
    if not administration.may_administer(session, ctx.user, proc.agency):
        raise NotFound("Không tìm thấy hồ sơ", code="dossier_not_found")
    administration.holding_or_hidden(session, ctx.user, administration.holders(dossier))
    target = versions.version_of(session, proc, number)
    reasons = _reasons(session, dossier, target)
    if reasons:
        raise MigrationRefused(code, number, reasons)
    process = readable_process(dossier, ctx)
    if process is None:  # nothing to check the move against: refused (409, never a 500)
        raise ProcessUnreadable(code, number, [("", UNREADABLE)])
    reasons = process.migrate((target.id, target.content_hash), lambda: target.spec_json)
    if reasons:
        raise MigrationRefused(code, number, reasons)
    before = dossier.procedure_version.version
    dossier.procedure_version_id, dossier.procedure_version = target.id, target
    save_process(session, dossier, process, ctx.now, ctx.settings)
    for task in process.ready_user_tasks():  # the same tasks, perhaps with the new version's names and forms
        role = procedures.LANE_ROLES.get((task.lane or "").lower(), "")
        session.execute(update(WorkItem).where(WorkItem.task_id == task.task_id, WorkItem.role != role)
                        .values(assignee_id=None))  # a claim by someone of another role is released
        session.execute(update(WorkItem).where(WorkItem.task_id == task.task_id)
                        .values(spec_name=task.spec_name, name=task.name[:255], form_key=task.form_key, role=role))
    audit.record(session, dossier, ctx.now, ctx.user, "migrate", dossier.status,
                 data={"from_version": before, "to_version": number})
    administration.audit(session, ctx.now, ctx.user, "dossier_migrate", "dossier", code, proc.agency,
                         from_version=before, to_version=number)
    return dossier


def open_codes(session: Session, version: ProcedureVersion, after_id: int = 0, limit: int = BATCH,
               user=None) -> list[tuple[int, str]]:
    """(id, code) of the open dossiers of ``version`` after ``after_id``, through the index of open dossiers; with
    ``user``, only those held in the subtree they administer (D29)."""
    scope = [administration.held_in(administration.agency_ids(session, user))] if user is not None else []
    return list(session.execute(select(Dossier.id, Dossier.code)
                                .where(Dossier.procedure_version_id == version.id, text(OPEN_DOSSIER),
                                       Dossier.id > after_id, *scope)
                                .order_by(Dossier.id).limit(limit)))


def migrate_batch(session: Session, ctx: Context, code: str, from_number: int, to_number: int,
                  after_id: int = 0, limit: int = BATCH) -> tuple[list[dict], int | None]:
    """Try to move a batch of the open dossiers of version ``from_number``; each in its own savepoint, so that
    one refusal leaves the others moved. Returns a result per dossier ({"code", "moved", "reasons"}) and the
    id to continue after (None: no more)."""
    proc = versions.procedure_of(session, ctx.user, code)
    source = versions.version_of(session, proc, from_number)
    versions.version_of(session, proc, to_number)  # 404 before any work
    rows = open_codes(session, source, after_id, limit + 1, ctx.user)  # D29: the caller's dossiers only
    more, rows = len(rows) > limit, rows[:limit]
    results = []
    for _id, dossier_code in rows:
        try:
            with session.begin_nested():
                migrate(session, ctx, dossier_code, to_number)
            results.append({"code": dossier_code, "moved": True, "reasons": []})
        except MigrationRefused as exc:
            results.append({"code": dossier_code, "moved": False, "reasons": exc.reasons})
        except EngineError as exc:  # the dossier's process fails to load, say: this one stays, the others go on
            results.append({"code": dossier_code, "moved": False, "reasons": [exc.message]})
    return results, (rows[-1][0] if more and rows else None)
