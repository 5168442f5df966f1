"""The lint checks of liên thông (D33) that look at the whole procedure: called from ``engine.process.lint``.

A procedure filed only by hand-over (``filedBy`` = ``handover``) is the callee part of a liên thông: its dossier is
opened and received by the engine (engine.cases.lienthong.hand_over completes its intake with ``receive``), its
"applicant" is the sending agency and the citizen never sees it (engine.cases.dossiers.VISIBLE_TO_CITIZEN), and its
result goes back through the engine (``hand_back`` completes its return step). What addresses the citizen cannot
work there, as the engine behaves today:

* a supplement request (intake or assessment ``request_supplement``) leaves the sub-dossier in status 5 for ever:
  the citizen cannot open it (404), the other agency's desk may not record a supplement of an online filing (403),
  no inbox has a task, and the parent waits for its answer;
* an extension (``request_extension``, ``extension_review``) moves only the sub-dossier's own due instant and
  issues the re-appointment letter to the citizen on a dossier the citizen cannot see, while the share the parent
  measures (the hand-over's due instant) does not move (D18);
* a fee (D26) is never asked at filing or intake (the hand-over files and receives the sub-dossier itself), and a
  fee before the result leaves the sub-dossier waiting in status 6 for a payer who cannot see it;
* intake's ``refuse`` is never offered (the hand-over receives) and would refuse the citizen a dossier they never
  filed.

The return step stays: ``hand_back`` completes it, whatever channel its form offers. A hand-over step (of any
procedure) whose share of the time is longer than the procedure's own processing time makes the dossier late by
design, and is refused too.

A callee need not be declared handover-only: a procedure offered to citizens directly may answer hand-overs too.
Its fee due before the result would stall its sub-dossiers the same way, and one file cannot see another, so
``deploy_problems`` (with the database, at deploy) refuses a hand-over to a procedure with such a fee, and such a
fee on a procedure others hand over to; engine.cases.lienthong refuses the hand-over itself to a callee that
still has one (deployed before this check).
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.core.errors import Problem
from engine.data.model import Procedure, ProcedureVersion
from engine.process.bpmnparser import NS

# D13: a working day is 8 working hours on the working calendar (engine.core.calendar), and a same-day procedure
# is one working day (engine.law.extension.processing_time); calendar days are compared with calendar days only
WORKING_DAY_HOURS = 8
UNIT_WORDS = {"working_day": "ngày làm việc", "working_hour": "giờ làm việc", "calendar_day": "ngày",
              "same_day": "trong ngày"}  # engine.paperwork.officialforms.UNITS, a layer above this one
WHY = ("hồ sơ liên thông do cơ quan khác chuyển đến, công dân không thấy hồ sơ này và cơ quan chuyển không "
       "thực hiện được thao tác của công dân")


def check(linter, proc, info: dict, steps: list[dict]) -> None:
    """The liên thông checks of one procedure (``info``, ``steps``: what ``engine.process.lint`` gathered)."""
    if info.get("filed_by") == "handover":
        _callee(linter, proc, info, steps)
    for step in steps:
        if "handover" in step:
            _share(linter, _task(proc, step["id"]), step, info.get("duration") or {})


def _task(proc, task_id: str):
    return proc.find(f".//bpmn:userTask[@id='{task_id}']", NS)


def _callee(linter, proc, info: dict, steps: list[dict]) -> None:
    """D33, D18, D26: what a sub-dossier cannot do, step by step, and its fees."""
    if info.get("fees"):
        names = ", ".join(f["name"] for f in info["fees"])
        linter.add(proc, f"thủ tục chỉ nhận hồ sơ liên thông (filedBy=handover) không được khai báo phí, lệ phí "
                         f"({names}): {WHY}; phí thu khi nộp hoặc khi tiếp nhận không bao giờ được yêu cầu (việc "
                         "chuyển liên thông tự nộp và tiếp nhận hồ sơ), phí thu trước khi trả kết quả để hồ sơ chờ "
                         "thanh toán mãi; phí do cơ quan nhận hồ sơ của công dân khai báo trong thủ tục của mình")
    for step in steps:
        el, kind, name = _task(proc, step["id"]), step.get("step"), step.get("name")
        if kind == "supplement":
            linter.add(el, f"bước '{name}' là bước bổ sung hồ sơ của công dân, không dùng được trong thủ tục chỉ "
                           f"nhận hồ sơ liên thông (filedBy=handover): {WHY}; hồ sơ sẽ dừng ở trạng thái chờ bổ sung")
        elif kind == "extension_review":
            linter.add(el, f"bước '{name}' xem xét gia hạn, không dùng được trong thủ tục chỉ nhận hồ sơ liên thông "
                           f"(filedBy=handover): gia hạn gửi thư hẹn lại cho công dân trên hồ sơ công dân không thấy, "
                           "và không kéo dài phần thời gian của cơ quan liên thông mà thủ tục chuyển đã ấn định")
        actions = step.get("actions") or ()
        if kind == "intake":
            extra = [a for a in actions if a != "receive"]
            if extra:
                linter.add(el, f"bước tiếp nhận '{name}' của thủ tục chỉ nhận hồ sơ liên thông (filedBy=handover) "
                               f"có thao tác {', '.join(extra)}: việc chuyển liên thông tự tiếp nhận hồ sơ, các "
                               f"thao tác này không bao giờ được thực hiện và đều hướng tới công dân ({WHY}); khai báo "
                               "actions=receive")
        elif "request_supplement" in actions:
            linter.add(el, f"bước '{name}' có thao tác yêu cầu bổ sung (request_supplement), không dùng được trong "
                           f"thủ tục chỉ nhận hồ sơ liên thông (filedBy=handover): {WHY}; hồ sơ sẽ dừng ở trạng thái "
                           "chờ bổ sung; khai báo thuộc tính actions không có thao tác này")
        if kind != "intake" and "request_extension" in actions:
            linter.add(el, f"bước '{name}' có thao tác đề nghị gia hạn (request_extension), không dùng được trong "
                           "thủ tục chỉ nhận hồ sơ liên thông (filedBy=handover): thư hẹn lại gửi công dân trên hồ "
                           "sơ công dân không thấy, và phần thời gian của cơ quan liên thông không được kéo dài; "
                           "khai báo thuộc tính actions không có thao tác này")


def working_hours(value: float, unit: str) -> float:
    """A duration in working hours, on the working calendar's terms (``WORKING_DAY_HOURS``)."""
    if unit == "working_hour":
        return value
    if unit == "same_day":
        return WORKING_DAY_HOURS
    return value * WORKING_DAY_HOURS


def words(value: float, unit: str) -> str:
    """``5 ngày làm việc``, ``trong ngày``: a duration in Vietnamese words."""
    if unit == "same_day":
        return UNIT_WORDS[unit]
    return f"{value:g} {UNIT_WORDS[unit]}".replace(".", ",")


def _share(linter, el, step: dict, duration: dict) -> None:
    """D33: the other agency's share of the time must fit in the procedure's own processing time."""
    share, unit = step["handover"].get("share") or 0, step["handover"].get("unit")
    whole, whole_unit = duration.get("value") or 0, duration.get("unit")
    if share <= 0 or whole <= 0 or unit not in UNIT_WORDS or whole_unit not in UNIT_WORDS:
        return  # a bad figure or unit is told on its own (engine.process.lint)
    if (unit == "calendar_day") != (whole_unit == "calendar_day"):
        return  # calendar days against working time depend on the filing date (weekends, Tết): not judged here
    mine, total = working_hours(share, unit), working_hours(whole, whole_unit)
    if mine <= total:
        return
    said, whole_said = words(share, unit), words(whole, whole_unit)
    if unit != whole_unit:  # said in the unit they are compared in too
        said += f", tức {words(mine, 'working_hour')}" if unit != "working_hour" else ""
        whole_said += f", tức {words(total, 'working_hour')}" if whole_unit != "working_hour" else ""
    linter.add(el, f"phần thời gian của cơ quan liên thông ở bước '{step.get('name')}' (share: {said}) dài hơn thời "
                   f"hạn giải quyết của cả thủ tục (duration: {whole_said}): hồ sơ trễ hạn ngay từ khi thiết kế; "
                   f"phần thời gian của cơ quan liên thông phải nằm trong thời hạn giải quyết (một ngày làm việc là "
                   f"{WORKING_DAY_HOURS} giờ làm việc)")


# -- with the database, at deploy: a callee offered directly too -------------------------------------------------
WAITS = "before_result"  # the one moment a sub-dossier is asked a fee (filing and intake: the hand-over does both)
STALLS = ("công dân chỉ thấy hồ sơ của cơ quan tiếp nhận, không thấy hồ sơ liên thông nên không nộp được, hồ sơ "
          "liên thông sẽ chờ thanh toán mãi")


def stalling_fees(info: dict) -> list[dict]:
    """D26, D33: the fees of a callee's version a sub-dossier would wait for (asked of the applicant before the
    result, when its leader approves: engine.cases.payments.after_action)."""
    return [f for f in (info or {}).get("fees", ()) if f.get("moment") == WAITS or f.get("when") == WAITS]


def _names(fees: list[dict]) -> str:
    return ", ".join(f["name"] for f in fees)


def deploy_problems(session: Session, definition) -> list[Problem]:
    """D26, D33 at deploy (``definition``: engine.process.procedures.Definition): a hand-over step whose callee's
    current version asks a fee before its result, and a fee before the result in a procedure whose callers' current
    versions hand over to it. Either way the fee would be asked on a sub-dossier of a payer who cannot see it; the
    fee belongs to the procedure the citizen files (the caller), which asks it of a dossier the citizen sees."""
    info, problems = definition.info, []
    for step in info.get("steps", ()):
        declared = step.get("handover")
        if not declared:
            continue
        callee = session.execute(select(Procedure.name, ProcedureVersion.info).join(
            ProcedureVersion, ProcedureVersion.id == Procedure.latest_version_id).where(
            Procedure.code == declared["procedure"])).first()
        fees = stalling_fees(callee.info) if callee is not None else []
        if fees:
            problems.append(Problem(definition.file_name, declared.get("line"), step["id"], (
                f"bước liên thông '{step.get('name')}' chuyển hồ sơ sang thủ tục {declared['procedure']} "
                f"({callee.name}) có phí, lệ phí thu trước khi trả kết quả ({_names(fees)}): {STALLS}; bỏ phí này "
                f"khỏi thủ tục {declared['procedure']} và khai báo trong thủ tục này, nơi công dân nộp hồ sơ")))
    fees = stalling_fees(info)
    if fees:
        callers = sorted(code for code, caller in session.execute(
            select(Procedure.code, ProcedureVersion.info).join(
                ProcedureVersion, ProcedureVersion.id == Procedure.latest_version_id))
            if code != definition.code and any((s.get("handover") or {}).get("procedure") == definition.code
                                               for s in (caller or {}).get("steps", ())))
        if callers:
            problems.append(Problem(definition.file_name, definition.agency_line, definition.process_id, (
                f"thủ tục có phí, lệ phí thu trước khi trả kết quả ({_names(fees)}) nhưng thủ tục "
                f"{', '.join(callers)} chuyển hồ sơ liên thông sang thủ tục này: {STALLS}; phí do thủ tục nơi công "
                "dân nộp hồ sơ khai báo, hoặc thu khi nộp hay khi tiếp nhận (hồ sơ liên thông không bị yêu cầu)")))
    return problems
