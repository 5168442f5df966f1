"""The check of a BPMN timer's expression (engine.process.lint): Python that must give an ISO 8601 text of the
expression's own kind, a duration (timeDuration), an instant with its offset (timeDate) or a cycle (timeCycle),
never a zero duration. A variable or an expression is checked when the timer is armed; the runtime then stops a
timer due again at the instant it fires (engine.process.runtime.Process.fire_timers)."""
from __future__ import annotations

import ast
import re
from datetime import datetime

from engine.process import scripting, xmlwords

ISO_DURATION = re.compile(r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$")
ISO_CYCLE = re.compile(r"^R\d*/")
TIMER_EXPRESSIONS = ("timeDuration", "timeDate", "timeCycle")
# what each expression must give, with an example for the message
KINDS = {"timeDuration": (lambda v: bool(ISO_DURATION.match(v)), 'một khoảng thời gian, ví dụ "P3D"'),
         "timeDate": (lambda v: is_aware_datetime(v), 'một thời điểm có múi giờ, ví dụ "2026-12-31T17:00:00+07:00"'),
         "timeCycle": (lambda v: bool(ISO_CYCLE.match(v)), 'một chu kỳ, ví dụ "R3/PT1H"')}


def is_aware_datetime(value: str) -> bool:
    try:
        return datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        return False


def problem(text: str, kind: str | None = None) -> str | None:
    """What is wrong with a timer expression ``text`` of ``kind`` (one of TIMER_EXPRESSIONS), or None."""
    text = (text or "").strip()
    if not text:
        return "biểu thức hẹn giờ trống"
    problems = scripting.check_expression(text)
    if problems:
        return f"biểu thức hẹn giờ không hợp lệ: {xmlwords.script(problems[0])}"
    if ISO_DURATION.match(text) or ISO_CYCLE.match(text) or is_aware_datetime(text):
        return f"biểu thức hẹn giờ là Python: viết trong dấu nháy, ví dụ \"{text}\""
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return None  # a variable or an expression: checked when the timer is armed
    if not isinstance(value, str):
        return "biểu thức hẹn giờ phải cho ra một chuỗi ISO 8601"
    if not (ISO_DURATION.match(value) or ISO_CYCLE.match(value) or is_aware_datetime(value)):
        return f"'{value}' không phải khoảng thời gian hay thời điểm ISO 8601 có múi giờ"
    fits, wanted = KINDS.get(kind, (lambda v: True, ""))
    if not fits(value):
        return f"'{value}' không hợp với {kind}: {kind} cần {wanted}"
    period = value.rsplit("/", 1)[-1]
    if ISO_DURATION.match(period) and not any(float(n) for n in re.findall(r"\d+(?:\.\d+)?", period)):
        return (f"'{value}': khoảng thời gian bằng 0, bộ hẹn giờ đến hạn ngay khi được đặt (trên đường quay lại "
                "công việc của nó thì chạy mãi); đặt một khoảng lớn hơn 0")
    return None
