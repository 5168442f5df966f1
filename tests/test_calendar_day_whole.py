"""D13: a calendar-day duration ends at the same clock time N days later, so N is a whole number: half a calendar
day is no deadline (it gave 21:00 for a 09:00 start). The command line refuses it in one line, and the lint
refuses a procedure declaring it; whole calendar days are counted as before."""
from __future__ import annotations

import pytest
from test_cli import Tthc, tthc  # noqa: F401 (tthc: a fixture)
from test_lint_handover import LLTP, _problems, _so


@pytest.fixture
def backend():
    return "sqlite"  # the calendar and the lint read no dossier


@pytest.mark.parametrize("days", ["0.5", "1.3"])
def test_a_fraction_of_a_calendar_day_is_refused_on_the_command_line_D13(tthc, days):  # noqa: F811
    result = tthc("calendar", "due", "2027-03-05T09:00:00+07:00", "--calendar-days", days)
    assert result.exit_code != 0, result.output
    assert "số nguyên" in result.output and "Traceback" not in result.output, result.output


def test_whole_calendar_days_end_at_the_same_clock_time_D13(tthc):  # noqa: F811
    result = tthc("calendar", "due", "2027-03-05T09:00:00+07:00", "--calendar-days", "3")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().endswith("2027-03-08T09:00:00+07:00"), result.output  # Monday, the same 09:00


def test_a_procedure_of_a_fraction_of_calendar_days_is_refused_D13(settings, tmp_path):
    problems = _problems(settings, tmp_path, "ly-lich-tu-phap.bpmn", _so("5", "working_day", "15.5", "calendar_day"),
                         LLTP)
    assert any("số nguyên với calendar_day" in p for p in problems), problems
    (tmp_path / "whole").mkdir()
    assert _problems(settings, tmp_path / "whole", "ly-lich-tu-phap.bpmn",
                     _so("5", "working_day", "15", "calendar_day"), LLTP) == []
