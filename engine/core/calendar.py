"""The Vietnamese working calendar (D13–D16): working days, office hours, holidays, make-up days.

Holidays come from the ``holidays`` package (country VN: lunar dates on the Vietnamese calendar, Vietnamese
names), overridden by the official notices in config/calendar.toml and then by the administrator's table.
All arithmetic is in Vietnam time, which has no daylight saving.
"""
from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path

import holidays as holidays_pkg

from engine.core.clock import VN_TZ

UNITS = ("working_day", "working_hour", "calendar_day")
# The years the working calendar counts right: Vietnam keeps UTC+07:00 since 13/06/1975 (Asia/Ho_Chi_Minh had
# +08:00 in 1959-1975 and local mean time before 1906, which leaked into the printed offset), and the holidays
# package knows Vietnam's holidays up to 2100 (New Year's Day of 2200 came out a working day).
FIRST_YEAR, LAST_YEAR = 1976, 2100


def year_problem(year: int) -> str | None:
    """Why a day of ``year`` is outside the calendar (None: inside)."""
    if FIRST_YEAR <= year <= LAST_YEAR:
        return None
    return f"lịch làm việc chỉ tính các năm {FIRST_YEAR}–{LAST_YEAR}, không tính năm {year}"
WEEKDAY_NAMES = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật"]


@dataclass(frozen=True)
class DayInfo:
    day: date
    working: bool
    reason: str


@dataclass(frozen=True)
class Override:
    day: date
    kind: str  # off / working / not_off
    name: str


def _hhmm(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def spans_in_order(spans: list[str]) -> bool:
    """Spans "HH:MM-HH:MM" of one day (already well formed), each ending after it starts and starting no earlier
    than the one before it ends: the order parse_blocks asks of the working day."""
    return all(s[:5] < s[6:] for s in spans) and all(a[6:] <= b[:5] for a, b in zip(spans, spans[1:]))


def parse_blocks(spec: list[str]) -> tuple[tuple[time, time], ...]:
    blocks = []
    for item in spec:
        start, end = (_hhmm(part.strip()) for part in item.split("-"))
        if end <= start or (blocks and start < blocks[-1][1]):
            raise ValueError(f"khung giờ làm việc không hợp lệ: {item}")
        blocks.append((start, end))
    if not blocks:
        raise ValueError("cần ít nhất một khung giờ làm việc")
    return tuple(blocks)


@lru_cache(maxsize=64)
def _package_year(year: int) -> tuple[dict[date, str], frozenset[date]]:
    table = holidays_pkg.country_holidays("VN", years=[year], language="vi")
    makeup = frozenset(d for d in getattr(table, "weekend_workdays", set()) if d.year == year)
    return {d: name for d, name in table.items() if d.year == year}, makeup


class WorkingCalendar:
    """Working days and hours of one agency, with a version that changes when any input changes."""

    def __init__(self, blocks: tuple[tuple[time, time], ...], overrides: list[Override], cutoff: time):
        self.blocks, self.cutoff = blocks, cutoff
        self.overrides = {o.day: o for o in overrides}
        self.day_length = sum((datetime.combine(date.min, e) - datetime.combine(date.min, s)
                               for s, e in blocks), timedelta())
        body = json.dumps({"pkg": holidays_pkg.__version__, "blocks": [(s.isoformat(), e.isoformat())
                                                                        for s, e in blocks],
                           "cutoff": cutoff.isoformat(),
                           "overrides": sorted((o.day.isoformat(), o.kind, o.name) for o in overrides)})
        self.version = hashlib.sha256(body.encode()).hexdigest()[:12]

    # -- days ------------------------------------------------------------------------------------------
    def day(self, d: date) -> DayInfo:
        override = self.overrides.get(d)
        if override is not None and override.kind == "off":
            return DayInfo(d, False, override.name)
        if override is not None and override.kind == "working":
            return DayInfo(d, True, f"Ngày làm bù: {override.name}")
        table, makeup = _package_year(d.year)
        if d in table and not (override is not None and override.kind == "not_off"):
            return DayInfo(d, False, table[d])
        if d in makeup:
            return DayInfo(d, True, "Ngày làm bù")
        if d.weekday() >= 5:
            return DayInfo(d, False, WEEKDAY_NAMES[d.weekday()])
        return DayInfo(d, True, "Ngày làm việc")

    def is_working_day(self, d: date) -> bool:
        return self.day(d).working

    def _blocks(self, d: date) -> list[tuple[datetime, datetime]]:
        if not self.is_working_day(d):
            return []
        return [(datetime.combine(d, s, VN_TZ), datetime.combine(d, e, VN_TZ)) for s, e in self.blocks]

    def in_working_time(self, t: datetime) -> bool:
        """Whether ``t`` falls within a working period of a working day, its end included (an appointment)."""
        t = t.astimezone(VN_TZ)
        return any(start <= t <= end for start, end in self._blocks(t.date()))

    def next_working_day(self, d: date) -> date:
        d += timedelta(days=1)
        for _ in range(366):
            if self.is_working_day(d):
                return d
            d += timedelta(days=1)
        raise ValueError("không có ngày làm việc nào trong một năm")

    # -- instants ----------------------------------------------------------------------------------------
    def next_working_instant(self, t: datetime) -> datetime:
        """``t`` if working time passes at ``t``, else the start of the next working period."""
        t = t.astimezone(VN_TZ)
        for start, end in self._blocks(t.date()):
            if t < end:
                return max(t, start)
        return self._blocks(self.next_working_day(t.date()))[0][0]

    def add_working_time(self, t: datetime, amount: timedelta) -> datetime:
        """The instant when ``amount`` of working time has passed since ``t``."""
        if amount < timedelta(0):
            raise ValueError("thời gian âm")
        t = self.next_working_instant(t)
        remaining = amount
        while True:
            end = next(e for s, e in self._blocks(t.date()) if s <= t < e or t == e)
            step = min(remaining, end - t)
            t, remaining = t + step, remaining - step
            if remaining <= timedelta(0):
                return t
            t = self.next_working_instant(end)

    def subtract_working_time(self, t: datetime, amount: timedelta) -> datetime:
        """The instant from which ``amount`` of working time passes until ``t``; of the instants that are the same
        in working time (the end of a block and the start of the next), the earlier: one working day before Monday
        17:00 is Friday 17:00, not Monday 07:00, and before Tuesday 11:30 is Monday 11:30, not 13:30."""
        t, remaining, d = t.astimezone(VN_TZ), amount, t.astimezone(VN_TZ).date()
        for _ in range(3660):
            for start, end in reversed(self._blocks(d)):
                if start >= t:
                    continue
                hi = min(end, t)
                if hi - start > remaining:
                    return hi - remaining
                remaining -= hi - start
            d -= timedelta(days=1)
        raise ValueError("khoảng thời gian quá dài")

    def working_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Working time that passes from ``a`` to ``b`` (negative when b is before a)."""
        if b < a:
            return -self.working_time_between(b, a)
        a, b = a.astimezone(VN_TZ), b.astimezone(VN_TZ)
        total, d = timedelta(0), a.date()
        while d <= b.date():
            for start, end in self._blocks(d):
                lo, hi = max(start, a), min(end, b)
                if hi > lo:
                    total += hi - lo
            d += timedelta(days=1)
        return total

    def start_of_count(self, t: datetime) -> datetime:
        """D16: received after the cut-off (or out of hours), counting starts at the next working day."""
        t = t.astimezone(VN_TZ)
        if self.is_working_day(t.date()) and t.time() > self.cutoff:
            return self._blocks(self.next_working_day(t.date()))[0][0]
        return self.next_working_instant(t)

    def due(self, start: datetime, value: float, unit: str) -> datetime:
        """The due instant of ``value`` ``unit`` counted from ``start`` (D13, D16's cut-off). Same-day procedures
        are the law's (engine.law.deadlines.result_due)."""
        if unit == "working_hour":
            return self.add_working_time(start, timedelta(hours=value))
        if unit == "working_day":
            begin = self.start_of_count(start)
            due = self.add_working_time(begin, self.day_length * value)
            if begin == start.astimezone(VN_TZ) and any(begin == s for s, _ in self._blocks(begin.date())):
                # D16: the due keeps the clock time of intake; received at the start of a period (07:00, 13:30),
                # the count ends at the end of a period (17:00, 11:30), the same instant in working time: the
                # start of the next period is the one with the receipt's clock time
                return self.next_working_instant(due)
            return due
        if unit == "calendar_day":
            t = start.astimezone(VN_TZ) + timedelta(days=value)
            while not self.is_working_day(t.date()):
                t += timedelta(days=1)
            return t
        raise ValueError(f"đơn vị thời hạn không hợp lệ: {unit}")

    def working_hours(self, value: float, unit: str) -> timedelta:
        """A duration expressed in working time (calendar days count as working days)."""
        if unit == "working_hour":
            return timedelta(hours=value)
        return self.day_length * value


def moved(old: WorkingCalendar, new: WorkingCalendar, due: datetime, anchor: datetime, changed: date,
          unit: str, value: float | None = None, now: datetime | None = None) -> datetime:
    """``due``, counted under ``old`` from ``anchor`` in ``unit``, counted again under ``new``, which differs from
    ``old`` on the day ``changed`` only.

    The days before ``changed`` are the same in both calendars, so the working time left at the start of that
    day is kept: the new due instant is that much working time after it under ``new``. When the count began on
    that day or later (``anchor``), it is counted again from its start under ``new``, with the same amount of
    counted time. A calendar-day deadline of ``value`` days that is the one ``old`` gives from ``anchor`` is
    counted again from ``anchor`` under ``new`` (D13): later when its day became a day off, earlier when a day
    off between its nominal end and it became a working day. One that is not (extended, D17; moved by a wait,
    D12, D26), or without ``value``, only moves off a day that is no longer a working day.

    A deadline that is the count itself (``value`` given, ``old`` giving ``due`` from ``anchor``) is counted again
    from ``anchor`` under ``new`` when the changed day has not begun: the working time left, counted on, would
    end a period (Thu 17:00) where the count gives the start of the next (Fri 07:00, D16's clock time of intake),
    and the clock would judge late that evening a dossier in time (D19).

    ``now``: when the day changed is today, the working time that has passed until ``now`` was counted under
    ``old`` and stays counted (the morning of a storm day declared at 09:30 is not given back, a Saturday made
    working at 10:00 counts from 10:00): the time left at ``now`` is counted again from ``now``, so that the new
    due instant never lands before it.
    """
    if unit == "calendar_day" and value is not None and old.due(anchor, value, unit) == due:
        return new.due(anchor, value, unit)
    if unit == "calendar_day":
        t = due.astimezone(VN_TZ)
        while not new.is_working_day(t.date()):
            t += timedelta(days=1)
        return t
    midnight = datetime.combine(changed, time(0), VN_TZ)
    if due < midnight:
        return due
    if value is not None and (now is None or now < midnight) and old.due(anchor, value, unit) == due:
        return new.due(anchor, value, unit)  # the legal count itself, counted again: D16's clock time of intake
    if anchor < midnight:
        since = max(midnight, now) if now is not None else midnight
        return new.add_working_time(since, old.working_time_between(since, due))

    def start(cal: WorkingCalendar) -> datetime:
        begun = cal.start_of_count(anchor) if unit == "working_day" else cal.next_working_instant(anchor)
        return max(begun, now) if now is not None else begun

    return new.add_working_time(start(new), old.working_time_between(start(old), due))


# -- configuration ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CalendarConfig:
    default_blocks: tuple[tuple[time, time], ...]
    agency_blocks: dict[str, tuple[tuple[time, time], ...]]
    cutoff: time
    intake_working_hours: float
    overrides: tuple[Override, ...]
    notice_years: frozenset[int] = frozenset()  # years with an official notice in the file

    def provisional(self, day: date) -> bool:
        """A day of a year with no official notice yet: its days off are the package's guess (lunar holidays,
        no make-up days), so a deadline in that year may move when the notice comes."""
        return day.year not in self.notice_years

    def calendar(self, agency: str | None = None, extra: list[Override] | None = None,
                 blocks: tuple[tuple[time, time], ...] | None = None) -> WorkingCalendar:
        """``blocks``: the agency's office hours when they come from elsewhere than this file (its administrator)."""
        blocks = blocks or self.agency_blocks.get(agency or "", self.default_blocks)
        merged = {o.day: o for o in self.overrides}
        merged.update({o.day: o for o in extra or []})
        return WorkingCalendar(blocks, list(merged.values()), self.cutoff)


def load_config(path: Path) -> CalendarConfig:
    with open(path, "rb") as fh:
        raw = tomllib.load(fh)
    overrides = []
    for year, kinds in raw.get("year", {}).items():
        for kind in ("off", "working", "not_off"):
            for entry in kinds.get(kind, []):
                day = date.fromisoformat(entry["date"])
                if str(day.year) != str(year):
                    raise ValueError(f"{path}: {day} nằm trong mục năm {year}")
                overrides.append(Override(day, kind, entry.get("name", "")))
    return CalendarConfig(
        default_blocks=parse_blocks(raw.get("office_hours", ["07:00-11:30", "13:30-17:00"])),
        agency_blocks={k: parse_blocks(v) for k, v in raw.get("agencies", {}).items()},
        cutoff=_hhmm(raw.get("cutoff", "15:00")), intake_working_hours=float(raw.get("intake_working_hours", 1)),
        overrides=tuple(overrides), notice_years=frozenset(int(year) for year in raw.get("year", {})))


def working_time_parts(amount: timedelta, day_length: timedelta = timedelta(hours=8)) -> tuple[int, int, int]:
    """The size of a working time as (working days, hours, minutes), whatever its sign: what
    describe_duration() puts in words, and the web pages in the page's language."""
    minutes = int(abs(amount).total_seconds() // 60)
    days, rest = divmod(minutes, int(day_length.total_seconds() // 60))
    hours, mins = divmod(rest, 60)
    return days, hours, mins


def describe_duration(amount: timedelta, day_length: timedelta = timedelta(hours=8)) -> str:
    """Working time in Vietnamese words: '2 ngày 3 giờ 20 phút làm việc'."""
    negative = amount < timedelta(0)
    days, hours, mins = working_time_parts(amount, day_length)
    parts = [f"{days} ngày" if days else "", f"{hours} giờ" if hours else "", f"{mins} phút" if mins else ""]
    text = " ".join(p for p in parts if p) or "0 phút"
    return f"quá {text} làm việc" if negative else f"{text} làm việc"
