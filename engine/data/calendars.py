"""The working calendar of an agency as configured: config/calendar.toml merged with the administrator's
override table (D15). Reading the file and the table lives here, below the law, which only computes.
"""
from __future__ import annotations

import time
from functools import lru_cache
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.core.calendar import CalendarConfig, Override, WorkingCalendar, load_config
from engine.core.settings import Settings
from engine.data.model import CalendarOverride


@lru_cache(maxsize=8)
def _config(path: Path, mtime: float) -> CalendarConfig:
    return load_config(path)


def calendar_config(settings: Settings) -> CalendarConfig:
    path = settings.calendar_file
    return _config(path, path.stat().st_mtime)


def intake_working_hours(settings: Settings) -> float:
    """D7's figure for this province (``intake_working_hours`` in the calendar file)."""
    return calendar_config(settings).intake_working_hours


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
