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
"""
from __future__ import annotations

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
