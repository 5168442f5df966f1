"""The working calendar of an agency as configured: config/calendar.toml merged with the administrator's
override table (D15), whose rows hold for the whole province (agency NULL) or for an agency and every agency below
it (D29): an agency's calendar is the file, then the province's rows, then its ancestors' from the root down, then
its own (the nearer one wins a day). Reading the file and the table lives here, below the law, which only computes.
"""
from __future__ import annotations

import time
from datetime import date
from functools import lru_cache
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.core.calendar import CalendarConfig, Override, WorkingCalendar, load_config
from engine.core.settings import Settings
from engine.data.agency_model import Agency
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
Row = tuple  # (day, kind, name, agency_id or None)


def _overrides(session: Session) -> tuple[tuple[Row, ...], dict[str, str]]:
    """The administrator's override table itself, (day, kind, name, agency id) by day, and the paths of the
    agencies (by code) when any row belongs to an agency, read at most every 2 seconds per database. The table is
    the stamp: every process (web, worker, command) reads it from the database, so a change made by any of them is
    seen by all within 2 seconds, and by the process that made it at once (``forget_overrides``); an edit that
    keeps the count and the newest time (a day cleared and another set in the same instant) is seen like any
    other. The table holds a few days a year per scope, so reading it whole is the cheapest stamp there is; the
    agencies' paths are read only when an agency has days of its own. Monotonic time, not the legal clock: this
    only decides when to look again."""
    key = str(session.get_bind().url)
    checked = _override_rows.get(key)
    tick = time.monotonic()
    if checked is not None and tick - checked[0] < OVERRIDES_RECHECK_SECONDS:
        return checked[1]
    rows = tuple(tuple(row) for row in session.execute(
        select(CalendarOverride.day, CalendarOverride.kind, CalendarOverride.name, CalendarOverride.agency_id)
        .order_by(CalendarOverride.day, CalendarOverride.id)))
    paths = {}
    if any(row[3] for row in rows):
        paths = {code: path for code, path in session.execute(select(Agency.code, Agency.path))}
    _override_rows[key] = (tick, (rows, paths))
    return rows, paths


def forget_overrides() -> None:
    """Called after the override table is written, so that this process uses the change at once."""
    _override_rows.clear()


def lineage(path: str | None) -> list[int]:
    """The agency ids of a path ("/1/4/9/"), from the root down to the agency itself."""
    return [int(part) for part in (path or "").strip("/").split("/") if part.isdigit()]


def applicable(rows, path: str | None) -> tuple[tuple[date, str, str], ...]:
    """The rows that hold for the agency at ``path``, province first, then from the root down to the agency (a
    later row wins its day); ``rows`` are (day, kind, name, agency id)."""
    depth = {agency_id: n for n, agency_id in enumerate(lineage(path), start=1)}
    held = [row for row in rows if row[3] is None or row[3] in depth]
    held.sort(key=lambda row: (depth.get(row[3], 0), row[0]))
    return tuple((row[0], row[1], row[2]) for row in held)


def built(settings: Settings, agency_code: str | None, merged: tuple) -> WorkingCalendar:
    """The agency's calendar with the override rows ``merged`` (in order; a later one wins its day), cached by the
    configuration file's time and the rows themselves: also a calendar that is only proposed (a notice being
    previewed) is built here."""
    key = (str(settings.calendar_file), settings.calendar_file.stat().st_mtime, agency_code, merged)
    cal = _calendars.get(key)
    if cal is None:
        cal = calendar_config(settings).calendar(agency_code, [Override(*row) for row in merged])
        if len(_calendars) > 64:
            _calendars.clear()
        _calendars[key] = cal
    return cal


def calendar_for(session: Session | None, settings: Settings, agency_code: str | None) -> WorkingCalendar:
    """The agency's calendar: configuration merged with the administrator's overrides in the database, the
    province's and those of the agency and its ancestors (``agency_code`` None: the province's alone)."""
    if session is None:
        return built(settings, agency_code, ())
    rows, paths = _overrides(session)
    return built(settings, agency_code, applicable(rows, paths.get(agency_code or "")))


def scope_rows(session: Session, agency_id: int | None, first: date | None = None,
               last: date | None = None) -> list[CalendarOverride]:
    """The override rows of one scope (``agency_id`` None: the province's), by day, between two days if given."""
    query = select(CalendarOverride).where(CalendarOverride.agency_id.is_(None) if agency_id is None
                                           else CalendarOverride.agency_id == agency_id)
    if first is not None:
        query = query.where(CalendarOverride.day >= first)
    if last is not None:
        query = query.where(CalendarOverride.day <= last)
    return list(session.scalars(query.order_by(CalendarOverride.day)))
