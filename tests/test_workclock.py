"""The reports' working clock gives the working calendar's own measure (office hours, days off, Tết, make-up
days), for instants on either side of its origin, in any order."""
from __future__ import annotations

import random
from datetime import date, timedelta

from conftest import vn
from engine.core.settings import load_settings
from engine.data.calendars import calendar_for
from engine.reports.workclock import WorkClock


def test_the_working_clock_agrees_with_the_calendar_over_two_years():
    cal = calendar_for(None, load_settings(), None)
    clock = WorkClock(cal, date(2027, 1, 1))
    pick = random.Random(15)
    start = vn(2026, 1, 1, 0, 0)
    for _ in range(3000):
        a = start + timedelta(minutes=pick.randint(0, 60 * 24 * 730))
        b = a + timedelta(minutes=pick.randint(-60 * 24 * 40, 60 * 24 * 40))
        assert clock.between(a, b) == cal.working_time_between(a, b), (a, b)


def test_known_spans():
    cal = calendar_for(None, load_settings(), None)
    clock = WorkClock(cal, date(2027, 3, 1))
    assert clock.between(vn(2027, 3, 1, 8, 30), vn(2027, 3, 2, 9, 30)) == timedelta(hours=9)   # Mon → Tue
    assert clock.between(vn(2027, 3, 5, 16, 0), vn(2027, 3, 8, 8, 0)) == timedelta(hours=2)    # over a weekend
    assert clock.between(vn(2027, 3, 1, 11, 30), vn(2027, 3, 1, 13, 30)) == timedelta(0)       # the lunch break
