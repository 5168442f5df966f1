"""Working time between many pairs of instants at once: a running total of working seconds per day.

``WorkingCalendar.working_time_between`` walks the days between two instants; a report needs it for every
resolved dossier and every step of a period. The clock here computes each day's working seconds once, keeps
the running total at each day's start, and answers any pair with two look-ups (the same calendar: office
hours, days off, make-up days).
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from engine.core.calendar import WorkingCalendar
from engine.core.clock import VN_TZ


class WorkClock:
    """Working seconds since a fixed origin day, for any instant (days are added as instants need them)."""

    def __init__(self, cal: WorkingCalendar, origin: date):
        self.cal = cal
        self.origin = origin
        self._before: dict[date, float] = {origin: 0.0}  # working seconds from the origin to the day's start
        self._working: dict[date, bool] = {}
        self._first = self._last = origin
        self._blocks = [(_second_of_day(s), _second_of_day(e)) for s, e in cal.blocks]
        self._length = cal.day_length.total_seconds()

    def _is_working(self, d: date) -> bool:
        working = self._working.get(d)
        if working is None:
            working = self._working[d] = self.cal.is_working_day(d)
        return working

    def _start_of(self, d: date) -> float:
        before = self._before.get(d)
        if before is not None:
            return before
        while d > self._last:
            following = self._last + timedelta(days=1)
            self._before[following] = self._before[self._last] + (self._length if self._is_working(self._last) else 0)
            self._last = following
        while d < self._first:
            previous = self._first - timedelta(days=1)
            self._before[previous] = self._before[self._first] - (self._length if self._is_working(previous) else 0)
            self._first = previous
        return self._before[d]

    def seconds(self, t: datetime) -> float:
        """Working seconds from the origin's midnight to ``t`` (negative before the origin)."""
        t = t.astimezone(VN_TZ)
        d = t.date()
        total = self._start_of(d)
        if self._is_working(d):
            second = t.hour * 3600 + t.minute * 60 + t.second + t.microsecond / 1e6
            for lo, hi in self._blocks:
                if second <= lo:
                    break
                total += min(second, hi) - lo
        return total

    def between(self, a: datetime, b: datetime) -> timedelta:
        """Working time from ``a`` to ``b`` (negative when ``b`` is before ``a``)."""
        return timedelta(seconds=self.seconds(b) - self.seconds(a))


def _second_of_day(t: time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second
