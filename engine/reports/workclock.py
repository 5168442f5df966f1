"""Working time between many pairs of instants at once: a running total of working seconds per day.

``WorkingCalendar.working_time_between`` walks the days between two instants; a report needs it for every
resolved dossier and every step of a period. The clock here computes each day's working seconds once, keeps
the running total at each day's start, and answers any pair with two look-ups (the same calendar: office
hours, days off, make-up days).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from engine.core.calendar import WorkingCalendar
from engine.core.clock import VN_TZ


class WorkClock:
    """Working seconds since a fixed origin day, for any instant (days are added as instants need them)."""

    def __init__(self, cal: WorkingCalendar, origin: date):
        self.cal = cal
        self.origin = origin
        self._before: dict[date, float] = {origin: 0.0}  # working seconds from the origin to the day's start
        self._first = self._last = origin

    def _day_seconds(self, d: date) -> float:
        if not self.cal.is_working_day(d):
            return 0.0
        return self.cal.day_length.total_seconds()

    def _start_of(self, d: date) -> float:
        while d > self._last:
            self._before[self._last + timedelta(days=1)] = self._before[self._last] + self._day_seconds(self._last)
            self._last += timedelta(days=1)
        while d < self._first:
            previous = self._first - timedelta(days=1)
            self._before[previous] = self._before[self._first] - self._day_seconds(previous)
            self._first = previous
        return self._before[d]

    def seconds(self, t: datetime) -> float:
        """Working seconds from the origin's midnight to ``t`` (negative before the origin)."""
        t = t.astimezone(VN_TZ)
        d = t.date()
        total = self._start_of(d)
        if self.cal.is_working_day(d):
            for start, end in self.cal.blocks:
                lo = datetime.combine(d, start, VN_TZ)
                hi = datetime.combine(d, end, VN_TZ)
                if t <= lo:
                    break
                total += (min(t, hi) - lo).total_seconds()
        return total

    def between(self, a: datetime, b: datetime) -> timedelta:
        """Working time from ``a`` to ``b`` (negative when ``b`` is before ``a``)."""
        return timedelta(seconds=self.seconds(b) - self.seconds(a))
