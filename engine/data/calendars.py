"""The working calendar of an agency as configured: config/calendar.toml merged with the administrator's
override table (D15), whose rows hold for the whole province (agency NULL) or for an agency and every agency below
it (D29): an agency's calendar is the file, then the province's rows, then its ancestors' from the root down, then
its own (the nearer one wins a day). Reading the file and the table lives here, below the law, which only computes.

Office hours (D14), the nearer one first:
  1. the agency's own hours as its administrator stored them (``Agency.office_hours``, engine.cases.agency_admin);
  2. the agency's entry in the file's ``[agencies]`` table;
  3. the hours stored on its nearest ancestor (the parent, then the parent's parent... up to the root);
  4. the file's ``office_hours`` (07:00-11:30 and 13:30-17:00).
An ancestor's hours hold below it as its override rows do (D29): an administrator who sets the hours of the
province's root or of a centre sets them for the agencies under it that have none of their own, as the province's
People's Committee decides the working hours of the agencies it runs; an agency's own word (stored, or the
operator's entry for it in the file) is nearer and wins. A working day is as long as its hours (one working day =
the day's working hours, 8 with the default; the file's [agencies] hours count the same way). Hours stored apply
to the deadlines computed after the change: the calendar's version changes with them (D15), and a deadline already
computed keeps its value and the version it recorded.
"""
from __future__ import annotations

import time
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import event, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session

from engine.core.calendar import CalendarConfig, Override, WorkingCalendar, load_config, parse_blocks
from engine.core.settings import Settings
from engine.data.agency_model import Agency
from engine.data.calendar_model import CalendarNoticeYear
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
OVERRIDES_RECHECK_SECONDS = 2.0
Row = tuple  # (day, kind, name, agency_id or None)
Blocks = tuple  # ((start, end), ...) of a working day, engine.core.calendar.parse_blocks
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
HOURS_CHANGED = "calendars.hours_changed"  # session.info: an agency's hours or place changed in this transaction


class Stored(NamedTuple):
    """What the database says about the calendars: the override rows, the agencies' paths (by code) when a row
    or stored hours need the tree, and the stored office hours by code, the agency's own and its nearest
    ancestor's."""
    rows: tuple[Row, ...]
    paths: dict[str, str]
    own: dict[str, Blocks]
    inherited: dict[str, Blocks]
    notice_years: frozenset = frozenset()  # the years whose official notice an administrator entered


_stored: dict[str, tuple[float, Stored]] = {}


def stored_blocks(hours: Any) -> Blocks | None:
    """The working day of hours an administrator stored ({"mon": ["07:30-11:30", ...], ...}): the spans of the
    weekdays, Monday to Friday, which D14 makes the working days (a make-up Saturday works them too, as with the
    file's hours; "sat" and "sun" are shown, not counted). The calendar has one working day per agency, as the
    file's [agencies] entry (D16: a working-day deadline keeps the clock time of intake), so a weekday not given
    works the same spans, and when the weekdays given differ the spans most of them have hold (of equals, the
    earliest weekday's). None: no weekday given, or spans the calendar cannot read (older data)."""
    if not isinstance(hours, dict):
        return None
    days = [tuple(hours[day]) for day in WEEKDAYS if isinstance(hours.get(day), list) and hours[day]]
    if not days:
        return None
    try:
        return parse_blocks(list(max(days, key=days.count)))
    except (ValueError, TypeError, AttributeError):
        return None


def _read(session: Session) -> Stored:
    """The override table itself, (day, kind, name, agency id) by day, the agencies' stored office hours, and the
    agencies' paths (by code) when a row belongs to an agency or hours are stored, read at most every 2 seconds
    per database. The database is the stamp: every process (web, worker, command) reads it, so a change made by
    any of them is seen by all within 2 seconds, and by the process that made it at once (``forget_overrides``,
    called after the commit that wrote the table, an agency's hours or its place); an edit that keeps the count
    and the newest time (a day cleared and another set in the same instant) is seen like any other. The table
    holds a few days a year per scope and the province a few hundred agencies, so reading them whole is the
    cheapest stamp there is, and no command pays for it: one read per 2 seconds per process. Monotonic time, not
    the legal clock: this only decides when to look again."""
    key = str(session.get_bind().url)
    checked = _stored.get(key)
    tick = time.monotonic()
    if checked is not None and tick - checked[0] < OVERRIDES_RECHECK_SECONDS:
        return checked[1]
    rows = tuple(tuple(row) for row in session.execute(
        select(CalendarOverride.day, CalendarOverride.kind, CalendarOverride.name, CalendarOverride.agency_id)
        .order_by(CalendarOverride.day, CalendarOverride.id)))
    hours: dict[int, tuple[str, Blocks]] = {}
    for agency_id, code, value in session.execute(
            select(Agency.id, Agency.code, Agency.office_hours).where(Agency.office_hours.is_not(None))):
        blocks = stored_blocks(value)
        if blocks is not None:
            hours[agency_id] = (code, blocks)
    paths = {}
    if hours or any(row[3] for row in rows):
        paths = {code: path for code, path in session.execute(select(Agency.code, Agency.path))}
    inherited = {}
    for code, path in paths.items() if hours else ():
        nearest = next((hours[i][1] for i in reversed(lineage(path)[:-1]) if i in hours), None)
        if nearest is not None:
            inherited[code] = nearest
    years = frozenset(session.scalars(select(CalendarNoticeYear.year)))
    stored = Stored(rows, paths, {code: blocks for code, blocks in hours.values()}, inherited, years)
    _stored[key] = (tick, stored)
    return stored


def provisional(session: Session, settings: Settings, day: date) -> bool:
    """Whether ``day`` lies in a year without an official notice, neither in the calendar file nor entered by an
    administrator: its days off are the package's guess, and a deadline on it may move when the notice comes."""
    return calendar_config(settings).provisional(day) and day.year not in _read(session).notice_years


def forget_overrides() -> None:
    """Called after the override table, an agency's office hours or its place in the tree are written, so that
    this process uses the change at once."""
    _stored.clear()


def hours_changed(session: Session) -> None:
    """An agency's office hours or place change in ``session``'s transaction: forgotten once it commits."""
    session.info[HOURS_CHANGED] = True


@event.listens_for(Session, "after_commit")
def _forget_committed_hours(session: Session) -> None:
    if session.info.pop(HOURS_CHANGED, None):
        forget_overrides()


@event.listens_for(Session, "after_rollback")
def _drop_hours_mark(session: Session) -> None:
    session.info.pop(HOURS_CHANGED, None)


def office_blocks(settings: Settings, agency_code: str | None, stored: Stored | None) -> Blocks | None:
    """The agency's office hours from the database, in the order of the module's docstring; None: the file's
    (its [agencies] entry or its default)."""
    if not agency_code or stored is None:
        return None
    own = stored.own.get(agency_code)
    if own is not None or agency_code in calendar_config(settings).agency_blocks:
        return own
    return stored.inherited.get(agency_code)


def _last_read(settings: Settings) -> Stored | None:
    """What this process read last from the settings' database (a calendar built without a session)."""
    try:
        found = _stored.get(str(make_url(settings.resolved_database_url)))
    except ArgumentError:
        return None
    return found[1] if found is not None else None


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


def built(settings: Settings, agency_code: str | None, merged: tuple,
          blocks: Blocks | None = None) -> WorkingCalendar:
    """The agency's calendar with the override rows ``merged`` (in order; a later one wins its day) and its office
    hours ``blocks`` (None: as last read from the database, else the file's; (): the file's), cached by the
    configuration file's time, the rows and the hours themselves: also a calendar that is only proposed (a notice
    being previewed) is built here."""
    if blocks is None:
        blocks = office_blocks(settings, agency_code, _last_read(settings))
    key = (str(settings.calendar_file), settings.calendar_file.stat().st_mtime, agency_code, merged, blocks)
    cal = _calendars.get(key)
    if cal is None:
        cal = calendar_config(settings).calendar(agency_code, [Override(*row) for row in merged], blocks or None)
        if len(_calendars) > 64:
            _calendars.clear()
        _calendars[key] = cal
    return cal


def calendar_for(session: Session | None, settings: Settings, agency_code: str | None) -> WorkingCalendar:
    """The agency's calendar: configuration merged with the administrator's overrides in the database, the
    province's and those of the agency and its ancestors, and the office hours stored for it or above it
    (``agency_code`` None: the province's alone; ``session`` None: the file alone)."""
    if session is None:
        return built(settings, agency_code, (), ())
    stored = _read(session)
    return built(settings, agency_code, applicable(stored.rows, stored.paths.get(agency_code or "")),
                 office_blocks(settings, agency_code, stored) or ())


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


# -- the merged year --------------------------------------------------------------------------------------
def year_days(session: Session, settings: Settings, agency: Agency | None, year: int) -> list[dict]:
    """The days of ``year`` that are not an ordinary weekday or weekend for ``agency`` (None: the province), each
    with where it comes from: the configuration file's notice, the province's or an agency's table, the package."""
    code = agency.code if agency is not None else None
    cal = calendar_for(session, settings, code)
    config = calendar_config(settings)
    source = {o.day: "file" for o in config.overrides if o.day.year == year}
    rows = session.execute(select(CalendarOverride.day, CalendarOverride.agency_id, Agency.code)
                           .outerjoin(Agency, Agency.id == CalendarOverride.agency_id)
                           .where(CalendarOverride.day >= date(year, 1, 1), CalendarOverride.day <= date(year, 12, 31)))
    depth = {agency_id: n for n, agency_id in enumerate(lineage(agency.path if agency else None), 1)}
    held = sorted((r for r in rows if r[1] is None or r[1] in depth), key=lambda r: depth.get(r[1], 0))
    source.update({r[0]: r[2] or "province" for r in held})
    days = []
    first = date(year, 1, 1)
    for day in (first + timedelta(days=n) for n in range((date(year, 12, 31) - first).days + 1)):
        info, override = cal.day(day), cal.overrides.get(day)
        ordinary = info.working == (day.weekday() < 5) and override is None
        if not ordinary:
            kind = override.kind if override is not None else ("working" if info.working else "off")
            days.append({"day": day.isoformat(), "kind": kind, "working": info.working, "name": info.reason,
                         "source": source.get(day, "package")})
    return days
