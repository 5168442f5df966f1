"""Shared by the tests of engine/law: the configured working calendar, Vietnam instants and dossier facts.

The law's functions read plain facts; ``Facts`` carries the ones a dossier row has, so these tests need no
database. Tết 2027 is taken from the configured calendar (the `holidays` package while config/calendar.toml
has no notice for 2027): off from Thursday 04/02/2027 to Wednesday 10/02/2027; ``tet_2027`` checks it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from engine.core.calendar import WorkingCalendar, load_config
from engine.core.clock import VN_TZ
from engine.core.settings import load_settings

H = timedelta(hours=1)
MIN = timedelta(minutes=1)
DAY = 8 * H  # one working day (D14)


def vn(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=VN_TZ)


def calendar() -> WorkingCalendar:
    return load_config(load_settings().calendar_file).calendar()


def check_tet_2027(cal: WorkingCalendar) -> None:
    """The days these tests assume; if an official notice changes them, the expected instants must be redone."""
    assert cal.is_working_day(date(2027, 2, 3)), "Wed 03/02/2027: last working day before Tết"
    assert not any(cal.is_working_day(date(2027, 2, d)) for d in range(4, 11)), "Tết: Thu 04/02 – Wed 10/02/2027"
    assert cal.is_working_day(date(2027, 2, 11)), "Thu 11/02/2027: first working day after Tết"


@dataclass
class Facts:
    """The facts of a dossier that the law reads (the columns of ``Dossier`` with the same names)."""

    status: int
    due_at: datetime | None = None
    resolved_at: datetime | None = None
    late: bool = False
    intake_due_at: datetime | None = None
    intake_late: bool = False
    warned_at: datetime | None = None
    bpmn_timer_at: datetime | None = None
