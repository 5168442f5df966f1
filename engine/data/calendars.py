"""The working calendar of an agency as configured: config/calendar.toml merged with the administrator's
override table (D15). Reading the file and the table lives here, below the law, which only computes.
"""
from __future__ import annotations

import time
from functools import lru_cache
from pathlib import Path

from sqlalchemy import select
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
_override_rows: dict[str, tuple[float, tuple]] = {}
OVERRIDES_RECHECK_SECONDS = 2.0


def _overrides(session: Session) -> tuple:
    """The administrator's override table itself, (day, kind, name) by day, read at most every 2 seconds per
    database. The table is the stamp: every process (web, worker, command) reads it from the database, so a change
    made by any of them is seen by all within 2 seconds, and by the process that made it at once
    (``forget_overrides``); an edit that keeps the count and the newest time (a day cleared and another set in
    the same instant) is seen like any other. The table holds a few days a year, so reading it whole is the
    cheapest stamp there is. Monotonic time, not the legal clock: this only decides when to look again."""
    key = str(session.get_bind().url)
    checked = _override_rows.get(key)
    tick = time.monotonic()
    if checked is not None and tick - checked[0] < OVERRIDES_RECHECK_SECONDS:
        return checked[1]
    rows = tuple(tuple(row) for row in session.execute(
        select(CalendarOverride.day, CalendarOverride.kind, CalendarOverride.name).order_by(CalendarOverride.day)))
    _override_rows[key] = (tick, rows)
    return rows


def forget_overrides() -> None:
    """Called after the override table is written, so that this process uses the change at once."""
    _override_rows.clear()


def calendar_for(session: Session | None, settings: Settings, agency_code: str | None) -> WorkingCalendar:
    """The agency's calendar: configuration merged with the administrator's overrides in the database.

    Built calendars are cached by the configuration file's time and the override table's content.
    """
    rows: tuple = () if session is None else _overrides(session)
    key = (str(settings.calendar_file), settings.calendar_file.stat().st_mtime, agency_code, rows)
    cal = _calendars.get(key)
    if cal is None:
        cal = calendar_config(settings).calendar(agency_code, [Override(*row) for row in rows])
        if len(_calendars) > 64:
            _calendars.clear()
        _calendars[key] = cal
    return cal
