"""The legal clock: intake and result deadlines, pauses, extensions and their cap, warnings and overdue.

Rules: D7 (intake within 1 working hour), D12 (processing-stage supplement within 3 working days; restart or
pause), D13–D16 (units, cut-off), D17–D18 (extension), D19 (warning one working day before, overdue).
Functions take the dossier, the calendar and ``now``; they change the dossier and raise ``Invalid`` with the
rule id when the law says no. Every deadline records the calendar version used.
"""
from __future__ import annotations

import time
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.core.calendar import CalendarConfig, Override, WorkingCalendar, describe_duration, load_config
from engine.core.vocabulary import vn_time
from engine.core.errors import Invalid
from engine.data.model import PROCESSING, RECEIVED, SUBMITTED, CalendarOverride, Dossier, Extension
from engine.core.settings import Settings

OPEN_FOR_RESULT = (RECEIVED, PROCESSING)
SUPPLEMENT_WINDOW_DAYS = 3


@lru_cache(maxsize=8)
def _config(path: Path, mtime: float) -> CalendarConfig:
    return load_config(path)


def calendar_config(settings: Settings) -> CalendarConfig:
    path = settings.calendar_file
    return _config(path, path.stat().st_mtime)


_calendars: dict[tuple, WorkingCalendar] = {}
_override_stamps: dict[str, tuple[float, tuple]] = {}
OVERRIDES_RECHECK_SECONDS = 2.0


def _overrides_stamp(session: Session) -> tuple:
    """(count, newest change) of the administrator's override table, read at most every 2 seconds per
    database: a change made in this process is seen at once (``forget_overrides``), one made by another
    process (``tthc calendar set``) within 2 seconds. Monotonic time, not the legal clock: this only decides
    when to look again."""
    key = str(session.get_bind().url)
    checked = _override_stamps.get(key)
    tick = time.monotonic()
    if checked is not None and tick - checked[0] < OVERRIDES_RECHECK_SECONDS:
        return checked[1]
    stamp = tuple(session.execute(select(func.count(), func.max(CalendarOverride.created_at))).one())
    _override_stamps[key] = (tick, stamp)
    return stamp


def forget_overrides() -> None:
    """Called after the override table is written, so that this process uses the change at once."""
    _override_stamps.clear()


def calendar_for(session: Session | None, settings: Settings, agency_code: str | None) -> WorkingCalendar:
    """The agency's calendar: configuration merged with the administrator's overrides in the database.

    Built calendars are cached by the configuration file's time and the override table's stamp.
    """
    stamp: tuple = () if session is None else _overrides_stamp(session)
    key = (str(settings.calendar_file), settings.calendar_file.stat().st_mtime, agency_code, stamp)
    cal = _calendars.get(key)
    if cal is None:
        extra = []
        if session is not None and stamp[0]:
            extra = [Override(r.day, r.kind, r.name) for r in session.scalars(select(CalendarOverride))]
        cal = calendar_config(settings).calendar(agency_code, extra)
        if len(_calendars) > 64:
            _calendars.clear()
        _calendars[key] = cal
    return cal


def _stamp(dossier: Dossier, cal: WorkingCalendar) -> None:
    dossier.calendar_version = cal.version


def _fmt(t: datetime) -> str:
    return vn_time(t, "at")


# -- deadlines -----------------------------------------------------------------------------------------------
def on_filed(dossier: Dossier, cal: WorkingCalendar, settings: Settings, now: datetime) -> None:
    """D7: the intake check is due one working hour (configurable) after filing, counted in office hours."""
    hours = calendar_config(settings).intake_working_hours
    dossier.intake_due_at = cal.add_working_time(now, timedelta(hours=hours))
    _stamp(dossier, cal)


def on_received(dossier: Dossier, cal: WorkingCalendar, info: dict, now: datetime) -> None:
    """Processing time starts at the valid intake (D13), after the 15:00 cut-off on the next day (D16)."""
    duration = info["duration"]
    dossier.due_at = dossier.original_due_at = cal.due(now, duration["value"], duration["unit"])
    _stamp(dossier, cal)


def check_processing_supplement(dossier: Dossier, cal: WorkingCalendar, now: datetime, data: dict) -> None:
    """D12: the agency raises its supplement request within 3 working days of receiving the dossier."""
    if "second_reason" in data or dossier.received_at is None:
        return
    if cal.working_time_between(dossier.received_at, now) > cal.day_length * SUPPLEMENT_WINDOW_DAYS:
        raise Invalid(f"Đã quá {SUPPLEMENT_WINDOW_DAYS} ngày làm việc kể từ khi tiếp nhận; không còn được yêu "
                      "cầu bổ sung ở giai đoạn xử lý (D12)", code="rule_violation", rule="D12")


def on_supplement_requested(dossier: Dossier, stage: str, now: datetime) -> None:
    """While the applicant completes the dossier, no processing time passes."""
    if stage == "processing":
        dossier.paused_at = now


def on_supplemented(dossier: Dossier, cal: WorkingCalendar, settings: Settings, info: dict, stage: str,
                    now: datetime) -> None:
    if stage == "intake":
        on_filed(dossier, cal, settings, now)
        return
    if info.get("clock_on_supplement", "restart") == "restart" or dossier.paused_at is None:
        on_received(dossier, cal, info, now)  # NĐ 61: the full duration restarts
    else:
        waited = cal.working_time_between(dossier.paused_at, now)
        dossier.due_at = cal.add_working_time(dossier.due_at, waited)
        dossier.original_due_at = cal.add_working_time(dossier.original_due_at, waited)
        _stamp(dossier, cal)
    dossier.paused_at = None
    dossier.warned_at = None


# -- extension (D17–D18) -----------------------------------------------------------------------------------
def extension_cap(cal: WorkingCalendar, info: dict) -> timedelta:
    """At most 1/3 of the processing time, in working time (15 days → 5 days; 1 day → 2 h 40 min)."""
    duration = info["duration"]
    return cal.working_hours(duration["value"], duration["unit"]) / 3


def requested_amount(data: dict, cal: WorkingCalendar) -> timedelta:
    if "working_hours" in data:
        return timedelta(hours=data["working_hours"])
    return cal.day_length * data["working_days"]


def check_extension(session: Session, dossier: Dossier, cal: WorkingCalendar, info: dict, now: datetime,
                    amount: timedelta) -> datetime:
    """Refuse an extension the law does not allow; return the new due instant."""
    pending = session.scalar(select(Extension.id).where(Extension.dossier_id == dossier.id,
                                                        Extension.state.in_(("requested", "department_confirmed"))))
    if dossier.extensions >= 1 or pending is not None:
        raise Invalid("Chỉ được hẹn lại ngày trả kết quả một lần (D18)", code="rule_violation", rule="D18")
    if dossier.due_at is None:
        raise Invalid("Hồ sơ chưa có hạn giải quyết để gia hạn", code="rule_violation", rule="D18")
    cap = extension_cap(cal, info)
    if amount > cap:
        raise Invalid(f"Thời gian gia hạn vượt quá 1/3 thời hạn giải quyết: tối đa {describe_duration(cap)} (D18)",
                      code="rule_violation", rule="D18", fields={"working_hours": "Vượt mức tối đa"})
    check_extension_in_time(dossier, cal, now)
    return cal.add_working_time(dossier.original_due_at or dossier.due_at, amount)


def check_extension_in_time(dossier: Dossier, cal: WorkingCalendar, now: datetime) -> None:
    """D18: a re-appointment is made at least one working day before the due instant."""
    if cal.working_time_between(now, dossier.due_at) < cal.day_length:
        raise Invalid("Phải gia hạn chậm nhất 1 ngày làm việc trước hạn trả kết quả "
                      f"({_fmt(dossier.due_at)}); nay chỉ có thể trả muộn kèm thư xin lỗi (D18)",
                      code="rule_violation", rule="D18")


def apply_extension(dossier: Dossier, extension: Extension, cal: WorkingCalendar) -> None:
    dossier.due_at = extension.new_due_at
    dossier.extensions += 1
    dossier.warned_at = None
    _stamp(dossier, cal)


# -- timers ----------------------------------------------------------------------------------------------------
def warning_at(dossier: Dossier, cal: WorkingCalendar) -> datetime | None:
    """D19: one working day before the due instant."""
    return cal.subtract_working_time(dossier.due_at, cal.day_length) if dossier.due_at else None


def next_due_work(dossier: Dossier, cal: WorkingCalendar) -> datetime | None:
    """The earliest instant at which the timer service has something to do for this dossier."""
    due = [dossier.bpmn_timer_at]
    if dossier.status == SUBMITTED and not dossier.intake_late:
        due.append(dossier.intake_due_at)
    if dossier.status in OPEN_FOR_RESULT and dossier.due_at is not None and not dossier.late:
        due.append(dossier.due_at)
        if dossier.warned_at is None:
            due.append(warning_at(dossier, cal))
    return min((d for d in due if d is not None), default=None)


def remaining(dossier: Dossier, cal: WorkingCalendar, now: datetime) -> str | None:
    """Working time left until the result is due, in words ("còn 3 giờ làm việc")."""
    if dossier.due_at is None or dossier.status not in OPEN_FOR_RESULT:
        return None
    left = cal.working_time_between(now, dossier.due_at)
    return describe_duration(left) if left < timedelta(0) else "còn " + describe_duration(left)
