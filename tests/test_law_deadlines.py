"""The result's due instant (domain.md D13, D16) and the warning (D19), from the law with concrete dates.

Office hours 07:00–11:30 and 13:30–17:00, cut-off 15:00 (config/calendar.toml).
"""
from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from engine.cli import main
from engine.law import deadlines
from engine.law.statuses import Status
from law_support import DAY, Facts, calendar, check_tet_2027, vn

SAME_DAY = {"value": 1, "unit": "same_day"}


@pytest.fixture(scope="module")
def cal():
    result = calendar()
    check_tet_2027(result)
    return result


# -- D16: same-day procedures ("trong ngày") -----------------------------------------------------------
@pytest.mark.parametrize("received, expected, why", [
    (vn(2026, 3, 9, 14, 59), vn(2026, 3, 9, 17, 0), "Mon 14:59, before 15:00: the close of Monday"),
    (vn(2026, 3, 9, 15, 0), vn(2026, 3, 10, 17, 0), "Mon 15:00, at the cut-off: the close of Tuesday"),
    (vn(2026, 3, 9, 15, 1), vn(2026, 3, 10, 17, 0), "Mon 15:01: the close of Tuesday"),
    (vn(2026, 3, 9, 6, 30), vn(2026, 3, 9, 17, 0), "before office hours: the same day"),
    (vn(2026, 3, 9, 12, 0), vn(2026, 3, 9, 17, 0), "in the lunch break, before 15:00: the same day"),
    (vn(2026, 3, 13, 15, 10), vn(2026, 3, 16, 17, 0), "Friday after 15:00: Monday"),
    (vn(2026, 3, 7, 10, 0), vn(2026, 3, 9, 17, 0), "received on a Saturday: the next working day"),
    # Wed 03/02/2027 is the last working day before Tết 2027 (Thu 04 – Wed 10/02 off).
    (vn(2027, 2, 3, 14, 59), vn(2027, 2, 3, 17, 0), "before Tết, before 15:00: that Wednesday"),
    (vn(2027, 2, 3, 15, 1), vn(2027, 2, 11, 17, 0), "before Tết, after 15:00: Thursday after Tết"),
])
def test_a_same_day_procedure_is_due_at_the_close_of_the_day_or_of_the_next_working_day(cal, received,
                                                                                        expected, why):
    assert deadlines.result_due(cal, received, SAME_DAY) == expected, why


def test_working_days_keep_the_clock_time_of_intake(cal):
    # domain.md D16's own example: received Fri 27/10/2023 09:32, 5 working days → Fri 03/11/2023 09:32.
    assert deadlines.result_due(cal, vn(2023, 10, 27, 9, 32), {"value": 5, "unit": "working_day"}) == \
        vn(2023, 11, 3, 9, 32)


def test_received_on_the_friday_before_tet_2027_after_the_cut_off(cal):
    # Fri 29/01/2027 16:00, after 15:00: counting starts Mon 01/02 07:00. 5 working days = 40 working hours:
    # Mon 01, Tue 02, Wed 03 (24 h), then Tết until Wed 10/02, Thu 11 (32 h), Fri 12 (40 h) → Fri 12/02 17:00.
    assert deadlines.result_due(cal, vn(2027, 1, 29, 16, 0), {"value": 5, "unit": "working_day"}) == \
        vn(2027, 2, 12, 17, 0)


def test_on_received_records_the_same_day_due_and_the_calendar_version(cal):
    dossier = SimpleNamespace(due_at=None, original_due_at=None, calendar_version=None)
    deadlines.on_received(dossier, cal, {"duration": SAME_DAY}, vn(2026, 3, 9, 15, 1))
    assert dossier.due_at == dossier.original_due_at == vn(2026, 3, 10, 17, 0)
    assert dossier.calendar_version == cal.version


def test_the_close_of_day_follows_the_agency_office_hours():
    from engine.core.calendar import WorkingCalendar, parse_blocks
    from datetime import time
    agency = WorkingCalendar(parse_blocks(["07:30-12:00", "13:00-17:30"]), [], time(15, 0))
    assert deadlines.result_due(agency, vn(2026, 3, 9, 9, 0), SAME_DAY) == vn(2026, 3, 9, 17, 30)
    assert deadlines.close_of_day(agency, date(2026, 3, 10)) == vn(2026, 3, 10, 17, 30)


def test_the_command_line_computes_a_same_day_due():
    out = CliRunner().invoke(main, ["calendar", "due", "2026-03-09T15:01:00+07:00", "--same-day"])
    assert out.exit_code == 0, out.output
    assert out.output.strip() == "2026-03-10T17:00:00+07:00"


# -- D19: the warning ----------------------------------------------------------------------------------
def test_the_warning_falls_one_working_day_before_the_due_over_tet(cal):
    # Due Thu 11/02/2027 10:00 (first day after Tết): one working day earlier is Wed 03/02/2027 10:00.
    dossier = Facts(status=Status.PROCESSING, due_at=vn(2027, 2, 11, 10, 0))
    assert deadlines.warning_at(dossier, cal) == vn(2027, 2, 3, 10, 0)
    assert not deadlines.warning_due(dossier, cal, vn(2027, 2, 3, 9, 59))
    assert deadlines.warning_due(dossier, cal, vn(2027, 2, 3, 10, 0))
    assert not deadlines.warning_due(Facts(status=Status.SUPPLEMENT, due_at=dossier.due_at), cal,
                                     vn(2027, 2, 3, 10, 0))  # waiting for the applicant: no clock, no warning
    dossier.warned_at = vn(2027, 2, 3, 10, 0)
    assert not deadlines.warning_due(dossier, cal, vn(2027, 2, 4, 10, 0))  # once


@pytest.mark.parametrize("due, warned, why", [
    (vn(2027, 2, 15, 17, 0), vn(2027, 2, 12, 17, 0),
     "received Wed 03/02/2027 16:45 (after the cut-off, Tết next), due Mon 15/02 17:00: warned on Friday 12/02 at "
     "17:00, the working day before, not at 07:00 on the due day (the same instant in working time)"),
    (vn(2027, 2, 11, 17, 0), vn(2027, 2, 3, 17, 0),
     "a same-day procedure received Wed 03/02/2027 15:00, due Thu 11/02 17:00: warned Wed 03/02 17:00, before Tết"),
    (vn(2026, 3, 10, 11, 30), vn(2026, 3, 9, 11, 30), "due Tue 10/03/2026 11:30: Mon 09/03 11:30, not 13:30"),
])
def test_a_warning_one_working_day_before_a_due_at_a_break_falls_on_the_working_day_before(cal, due, warned, why):
    assert deadlines.warning_at(Facts(status=Status.PROCESSING, due_at=due), cal) == warned, why


def test_the_timer_waits_for_the_warning_then_the_due(cal):
    dossier = Facts(status=Status.PROCESSING, due_at=vn(2027, 2, 11, 10, 0))
    assert deadlines.next_due_work(dossier, cal) == vn(2027, 2, 3, 10, 0)
    dossier.warned_at = vn(2027, 2, 3, 10, 0)
    assert deadlines.next_due_work(dossier, cal) == vn(2027, 2, 11, 10, 0)
    dossier.late = True
    assert deadlines.next_due_work(dossier, cal) is None
    assert DAY == cal.day_length
