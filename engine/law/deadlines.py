"""The legal clock: the result's due instant, pauses, extensions, warnings and what the timers wait for.

Rules: D12 (restart or pause), D13–D16 (units, the 15:00 cut-off, same-day procedures), D17–D18 (extension,
see engine.law.extension), D19 (warning one working day before, overdue), D7 (engine.law.intake). Functions
take the dossier's facts, the calendar and ``now``; the ``on_*`` ones write the computed instants on the
dossier object they are given (no session, no I/O). Every deadline records the calendar version used.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from engine.core.calendar import WorkingCalendar, describe_duration
from engine.core.clock import VN_TZ
from engine.law import intake, lateness
from engine.law.statuses import OPEN_FOR_RESULT

UNITS = ("working_day", "working_hour", "calendar_day", "same_day")


def _stamp(dossier, cal: WorkingCalendar) -> None:
    dossier.calendar_version = cal.version


# -- the result's due instant (D13, D16) ----------------------------------------------------------------
def close_of_day(cal: WorkingCalendar, day) -> datetime:
    """The end of the last office-hours block of ``day``."""
    return datetime.combine(day, cal.blocks[-1][1], VN_TZ)


def same_day_count_day(cal: WorkingCalendar, received_at: datetime):
    """D14, D16: the working day whose close a same-day dossier received at ``received_at`` is due at, and on which
    its clock starts: that day when it is a working day and the receipt is before both the 15:00 cut-off and the
    close of that day's office hours; else (on a day off, at or after the cut-off, at or after the close) the next
    working day. The close counts because office hours are per agency (D14): for an office open 07:00-11:30 only,
    the 15:00 cut-off would make a receipt at 13:00 due at 11:30 that morning, before it was received. So for a day
    that closes before 15:00 the close itself is the cut-off (no earlier one is invented: the law names 15:00), and
    a receipt before it is due at that close, however near."""
    t = received_at.astimezone(VN_TZ)
    day = t.date()
    if not cal.is_working_day(day) or t.time() >= min(cal.cutoff, cal.blocks[-1][1]):
        day = cal.next_working_day(day)
    return day


def same_day_due(cal: WorkingCalendar, received_at: datetime) -> datetime:
    """D16, "trong ngày": received before 15:00 (and before the day's close, D14) on a working day → due at the
    close of that day; at or after it, or on a day off → due at the close of the next working day
    (``same_day_count_day``, which ``clock_start`` shares so that the two never disagree)."""
    return close_of_day(cal, same_day_count_day(cal, received_at))


def result_due(cal: WorkingCalendar, received_at: datetime, duration: dict) -> datetime:
    """D13, D16: the result's due instant for a dossier validly received at ``received_at``; ``duration`` is
    the procedure's ``{"value", "unit"}`` (a ``same_day`` unit has value 1)."""
    if duration["unit"] == "same_day":
        return same_day_due(cal, received_at)
    return cal.due(received_at, duration["value"], duration["unit"])


def clock_start(cal: WorkingCalendar, received_at: datetime, unit: str) -> datetime:
    """When the result's clock starts for a dossier validly received at ``received_at``, as ``result_due`` counts
    (D13, D16): working days from the next working day when received after the cut-off (or out of hours); a
    same-day procedure received at or after the cut-off (or the day's close), or on a day off, at the start of the next
    working day (the day ``same_day_due`` is due at the close of);
    working hours at the next working instant (no cut-off); calendar days at the receipt itself."""
    t = received_at.astimezone(VN_TZ)
    if unit == "working_day":
        return cal.start_of_count(t)
    if unit == "same_day" and same_day_count_day(cal, t) != t.date():
        return datetime.combine(same_day_count_day(cal, t), cal.blocks[0][0], VN_TZ)
    if unit == "calendar_day":
        return t
    return cal.next_working_instant(t)


def waited_time(cal: WorkingCalendar, dossier, paused_at: datetime, now: datetime) -> timedelta:
    """The counting time the result's clock lost while the dossier waited for the applicant from ``paused_at`` to
    ``now`` (a supplement under "pause", D12; a fee, D26): the working time between them, not before the clock
    started (``clock_start`` of the valid receipt: a wait begun at a receipt after the 15:00 cut-off loses nothing
    until the next working day), never negative. The due instant moves later by this much (add_working_time; not
    at all when it is none, so that a due instant at 17:00 is not written as 07:00 of the next working day)."""
    start, received_at = paused_at, getattr(dossier, "received_at", None)  # None: no receipt known, no clamp
    if received_at is not None:
        start = max(start, clock_start(cal, received_at, dossier.procedure_version.info["duration"]["unit"]))
    return max(cal.working_time_between(start, now), timedelta(0))


def step_due(cal: WorkingCalendar, got_at: datetime, limit: dict | None, cap: datetime | None) -> datetime | None:
    """D30: the due instant of a step that declares its own time limit (``limit``, ``{"value", "unit"}``),
    counted like the result's (D13, D16) from when the step got the dossier (``got_at``), and never after the
    dossier's own due instant for that step (``cap``: the intake check's or the result's). Without a limit, or
    where the dossier sets no due instant for the step (a supplement, a hand-over), it is ``cap``."""
    if limit is None or cap is None:
        return cap
    return min(result_due(cal, got_at, limit), cap)


# -- the clock's events ---------------------------------------------------------------------------------
def on_filed(dossier, cal: WorkingCalendar, now: datetime,
             intake_hours: float = intake.DEFAULT_INTAKE_WORKING_HOURS, channel: str = "online") -> None:
    """D7: the intake check of an online (or postal) dossier is due one working hour (configurable) after filing,
    counted in office hours; a dossier filed at the desk (``channel``) has none (D5: checked as it is handed in)."""
    has_hour = intake.has_intake_hour(channel)
    dossier.intake_due_at = intake.intake_due(cal, now, intake_hours) if has_hour else None
    _stamp(dossier, cal)


def on_received(dossier, cal: WorkingCalendar, info: dict, now: datetime) -> None:
    """Processing time starts at the valid intake (D13), after the 15:00 cut-off on the next day (D16)."""
    dossier.due_at = dossier.original_due_at = result_due(cal, now, info["duration"])
    _stamp(dossier, cal)


def on_supplement_requested(dossier, stage: str, now: datetime) -> None:
    """While the applicant completes the dossier, no processing time passes."""
    if stage == "processing":
        dossier.paused_at = now


def on_supplemented(dossier, cal: WorkingCalendar, info: dict, stage: str, now: datetime,
                    intake_hours: float = intake.DEFAULT_INTAKE_WORKING_HOURS) -> None:
    """D12: the completed dossier goes back to the intake check, or the processing clock restarts (NĐ 61)
    or resumes where it paused (the procedure's ``clock_on_supplement``)."""
    if stage == "intake":  # the check again: within the hour for an online or postal dossier, none at the desk
        on_filed(dossier, cal, now, intake_hours, dossier.channel)
        return
    if info.get("clock_on_supplement", "restart") == "restart" or dossier.paused_at is None:
        on_received(dossier, cal, info, now)  # NĐ 61: the full duration restarts
        dossier.warned_at = None  # a new count of a new due date, with its own warning
    else:
        waited = waited_time(cal, dossier, dossier.paused_at, now)
        if waited:  # none (all before the clock started): the dates stay as they are, even at 17:00
            dossier.due_at = cal.add_working_time(dossier.due_at, waited)
            dossier.original_due_at = cal.add_working_time(dossier.original_due_at, waited)
        _stamp(dossier, cal)
        rewarn_after_move(dossier, cal, now)  # the due moved by the time waited: warned again only if still to come
    dossier.paused_at = None


def apply_extension(dossier, new_due_at: datetime, cal: WorkingCalendar, now: datetime | None = None) -> None:
    """D17: the confirmed re-appointment becomes the due instant; warned again as ``rewarn_after_move`` says
    (without ``now``, as before: warned again at the new warning instant, whenever that is)."""
    dossier.due_at = new_due_at
    dossier.extensions += 1
    if now is None:
        dossier.warned_at = None
    else:
        rewarn_after_move(dossier, cal, now)
    _stamp(dossier, cal)


# -- timers ---------------------------------------------------------------------------------------------
def warning_at(dossier, cal: WorkingCalendar) -> datetime | None:
    """D19: one working day before the due instant."""
    return cal.subtract_working_time(dossier.due_at, cal.day_length) if dossier.due_at else None


def rewarn_after_move(dossier, cal: WorkingCalendar, now: datetime) -> None:
    """D19, D28: after the due instant moved (a fee paid, a supplement answered under "pause", an extension, a
    changed calendar), the warning is due again only when its new instant is later than ``now``; at or before it,
    ``warning_due`` would warn at once of a due that is still about a working day away, as the person already was
    (the warning is shown once). Call it with the dossier's new due instant and the calendar it was counted in."""
    if dossier.warned_at is not None and dossier.due_at is not None and warning_at(dossier, cal) > now:
        dossier.warned_at = None


def warning_due(dossier, cal: WorkingCalendar, now: datetime) -> bool:
    """D19: the responsible officers and leader are warned now (once, while the result's clock runs)."""
    if dossier.status not in OPEN_FOR_RESULT or dossier.due_at is None or dossier.late or dossier.warned_at:
        return False
    return warning_at(dossier, cal) <= now < dossier.due_at


def next_due_work(dossier, cal: WorkingCalendar) -> datetime | None:
    """The earliest instant at which the timer service has something to do for this dossier."""
    due = [dossier.bpmn_timer_at]
    due.append(intake.watched_due(dossier))  # D7: each intake deadline until its overdue is alerted
    if dossier.status in OPEN_FOR_RESULT and dossier.due_at is not None and not dossier.late:
        due.append(dossier.due_at)
        if dossier.warned_at is None:
            due.append(warning_at(dossier, cal))
    return min((d for d in due if d is not None), default=None)


def time_left(dossier, cal: WorkingCalendar, now: datetime) -> timedelta | None:
    """Working time left until the result is due (negative once working time has passed since: zero at the due
    instant, after hours or on a day off, whether due or not, see ``is_overdue``), while the result's clock runs."""
    if dossier.due_at is None or dossier.status not in OPEN_FOR_RESULT:
        return None
    return cal.working_time_between(now, dossier.due_at)


OVERDUE_WORDS = "đã quá hạn"  # due, and no working time has passed since (D19)
NO_TIME_LEFT_WORDS = "không còn giờ làm việc trước hạn"  # not due yet, but no working time left before it


def is_overdue(dossier, now: datetime) -> bool:
    """D19: the result is overdue from its due instant on (``now >= due_at``) while its clock runs, whether or not
    working time has passed since: at the due instant itself, after 17:00 or over a weekend none has, and the
    dossier is overdue all the same (``time_left`` is then zero, which is no time left)."""
    return (dossier.due_at is not None and dossier.status in OPEN_FOR_RESULT
            and lateness.has_run_out(dossier.due_at, now))


def remaining(dossier, cal: WorkingCalendar, now: datetime) -> str | None:
    """Working time left until the result is due, in words: "còn 3 giờ làm việc"; once due (D19) "quá 1 giờ làm
    việc", or "đã quá hạn" while no working time has passed since the due instant; before a due instant with no
    working time left before it (one outside office hours), "không còn giờ làm việc trước hạn", not "còn 0 phút"."""
    left = time_left(dossier, cal, now)
    if left is None:
        return None
    if is_overdue(dossier, now):
        return describe_duration(left) if left else OVERDUE_WORDS
    return ("còn " + describe_duration(left)) if left else NO_TIME_LEFT_WORDS
