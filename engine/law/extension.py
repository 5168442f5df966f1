"""Extension, re-appointment (gia hạn, D17–D18).

D18: at most 1/3 of the procedure's processing time, in working time (15 working days → 5; 3 → 1; one
working day or a same-day procedure → 2 h 40 min; calendar days → 1/3 of the working time from the dossier's
receipt to the due instant they give it); at most one per dossier; made at least one working day before the
due instant when the processing time exceeds one working day, otherwise before the due instant. The new due
instant counts from the original due date. D17: it takes effect when the one-stop centre confirms, so the
timing is checked again then. ``received_at``: the dossier's receipt, which only calendar days need.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from engine.core.calendar import WorkingCalendar, describe_duration
from engine.core.errors import Invalid
from engine.core.vocabulary import vn_time

MAX_EXTENSIONS = 1
SHARE = 3  # at most 1/SHARE of the processing time


def _fmt(t: datetime) -> str:
    return vn_time(t, "at")


def processing_time(cal: WorkingCalendar, duration: dict, received_at: datetime | None = None) -> timedelta:
    """The procedure's processing time in working time (a same-day procedure is one working day). Calendar
    days hold as much working time as the days off among them leave: the working time from the receipt to the
    due instant they give the dossier (D13), never more than as many working days; without a receipt, that
    bound."""
    if duration["unit"] == "same_day":
        return cal.day_length
    bound = cal.working_hours(duration["value"], duration["unit"])
    if duration["unit"] != "calendar_day" or received_at is None:
        return bound
    due = cal.due(received_at, duration["value"], "calendar_day")
    return min(cal.working_time_between(received_at, due), bound)


def cap(cal: WorkingCalendar, duration: dict, received_at: datetime | None = None) -> timedelta:
    """D18: the longest extension, 1/3 of the processing time in working time."""
    return processing_time(cal, duration, received_at) / SHARE


def requested_amount(data: dict, cal: WorkingCalendar) -> timedelta:
    """The working time asked for by ``{"working_hours": n}`` or ``{"working_days": n}``, to the whole minute (an
    appointment is made to the minute, and 2 h 40 min, the cap of a one-day procedure, is 2.666… hours: "2,67"
    is 2 h 40 min, not 12 seconds over it); a positive amount is at least one minute."""
    # counted in minutes from the number itself: timedelta(hours=1e-300) is 0 (it keeps microseconds), and a
    # positive amount asked for became an extension of nothing that used up the dossier's one re-appointment
    minutes = data["working_hours"] * 60 if "working_hours" in data else \
        cal.day_length / timedelta(minutes=1) * data["working_days"]
    return timedelta(minutes=max(round(minutes), 1) if minutes > 0 else round(minutes))


def is_short(cal: WorkingCalendar, duration: dict, received_at: datetime | None = None) -> bool:
    """A processing time of at most one working day (same-day, working hours, one working day)."""
    return processing_time(cal, duration, received_at) <= cal.day_length


def in_time(cal: WorkingCalendar, duration: dict, due_at: datetime, now: datetime,
            received_at: datetime | None = None) -> bool:
    """D18: whether a re-appointment made at ``now`` is early enough: at least one working day before the
    due instant, or, for a processing time of at most one working day, before the due instant."""
    if is_short(cal, duration, received_at):
        return now < due_at
    return cal.working_time_between(now, due_at) >= cal.day_length


def check_in_time(cal: WorkingCalendar, duration: dict, due_at: datetime, now: datetime,
                  received_at: datetime | None = None) -> None:
    if in_time(cal, duration, due_at, now, received_at):
        return
    # each sentence whole, as the pages find it to say it in English (engine.web.field_messages_officer)
    if is_short(cal, duration, received_at):
        said = (f"Phải gia hạn trước hạn trả kết quả ({_fmt(due_at)}); nay chỉ có thể trả muộn kèm thư xin lỗi "
                "(theo Điều 19 Nghị định 61/2018/NĐ-CP)")
    else:
        said = (f"Phải gia hạn chậm nhất 1 ngày làm việc trước hạn trả kết quả ({_fmt(due_at)}); nay chỉ có thể trả "
                "muộn kèm thư xin lỗi (theo Điều 19 Nghị định 61/2018/NĐ-CP)")
    raise Invalid(said, code="rule_violation", rule="D18")


def allowed(extensions_so_far: int, pending: bool) -> bool:
    """At most one re-appointment per dossier, and none while one is being decided."""
    return extensions_so_far < MAX_EXTENSIONS and not pending


def check_request(cal: WorkingCalendar, duration: dict, *, extensions_so_far: int, pending: bool,
                  due_at: datetime | None, original_due_at: datetime | None, amount: timedelta,
                  now: datetime, field: str = "working_hours",
                  received_at: datetime | None = None) -> datetime:
    """Refuse an extension the law does not allow (D18); return the new due instant. ``field``: the request's
    member that asked for ``amount`` (``working_hours`` or ``working_days``), named when it is too much."""
    if not allowed(extensions_so_far, pending):
        raise Invalid("Chỉ được hẹn lại ngày trả kết quả một lần (theo Điều 19 Nghị định 61/2018/NĐ-CP)", code="rule_violation", rule="D18")
    if due_at is None:
        raise Invalid("Hồ sơ chưa có hạn giải quyết để gia hạn", code="rule_violation", rule="D18")
    longest = cap(cal, duration, received_at)
    if amount > longest:
        raise Invalid(f"Thời gian gia hạn vượt quá 1/3 thời hạn giải quyết: tối đa {describe_duration(longest)} "
                      "(theo Điều 19 Nghị định 61/2018/NĐ-CP)", code="rule_violation", rule="D18", fields={field: "Vượt mức tối đa"})
    check_in_time(cal, duration, due_at, now, received_at)
    return new_due(cal, due_at, original_due_at, amount)


def new_due(cal: WorkingCalendar, due_at: datetime, original_due_at: datetime | None, amount: timedelta) -> datetime:
    """D18: the re-appointment, ``amount`` of working time after the legal due instant. Counted when asked, and
    again at the centre's confirmation, when it takes effect: a calendar notice in between may have moved the
    legal due (a day made off or working), and the extension is measured from where it is then."""
    return cal.add_working_time(original_due_at or due_at, amount)
