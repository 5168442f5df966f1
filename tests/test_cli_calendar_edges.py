"""Edges of the command line: a zero duration in `calendar due` (the engine's own count, D13/D16), a due instant
beyond the calendar's years, the Vietnamese success lines, and the line of an XML syntax error in `validate`."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.cli import main


@pytest.fixture
def backend():
    return "sqlite"


@pytest.fixture
def tthc(tmp_path):
    env = {"TTHC_DATA_DIR": str(tmp_path / "data"), "TTHC_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}"}

    def run(*args: str):
        return CliRunner().invoke(main, list(args), env=env)

    return run


def ok(result) -> str:
    assert result.exit_code == 0, (result.exit_code, result.output)
    return result.stdout.strip()


def one_line_refusal(result, code: int, *needles: str) -> str:
    assert result.exit_code == code, (result.exit_code, result.output)
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output and not result.stdout.strip(), result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


# -- 1. a zero duration: the engine's own count for every unit ---------------------------------------------------
@pytest.mark.parametrize("option", ["--working-days", "--working-hours", "--calendar-days"])
def test_a_zero_duration_is_due_at_the_start_for_every_unit(tthc, option):
    """`--working-days 0` was the close of the day (17:00: the old spelling of a same-day procedure), while
    `--working-hours 0` and `--calendar-days 0` were the start. The engine counts {"value": 0, "unit":
    "working_day"} from the intake's clock time (D16): the start."""
    assert ok(tthc("calendar", "due", "2027-02-03T10:00:00+07:00", option, "0")) == "2027-02-03T10:00:00+07:00"


def test_a_zero_duration_agrees_with_the_engine_after_the_cut_off(tthc):
    from engine.core.clock import VN_TZ
    from engine.core.settings import load_settings
    from engine.data import calendars
    from engine.law import deadlines
    from datetime import datetime

    start = datetime(2026, 3, 9, 16, 0, tzinfo=VN_TZ)  # Monday, after 15:00: counting starts Tuesday (D16)
    printed = ok(tthc("calendar", "due", start.isoformat(), "--working-days", "0"))
    assert printed == "2026-03-10T07:00:00+07:00"
    cal = calendars.calendar_for(None, load_settings(), None)
    assert deadlines.result_due(cal, start, {"value": 0, "unit": "working_day"}).isoformat() == printed
    assert ok(tthc("calendar", "due", "2026-03-09T14:50:00+07:00", "--same-day")) == "2026-03-09T17:00:00+07:00"


# -- 2. a due instant beyond the calendar's years --------------------------------------------------------------
@pytest.mark.parametrize("start, option, value", [
    ("2100-12-31T10:00:00+07:00", "--working-days", "5"),
    ("2100-12-31T16:00:00+07:00", "--working-hours", "8"),
    ("2100-01-04T10:00:00+07:00", "--calendar-days", "3650"),
])
def test_a_due_instant_after_the_last_year_of_the_calendar_is_refused(tthc, start, option, value):
    """It was 2101-01-07T10:00:00+07:00 with exit 0, counted with no holiday table for 2101, while `calendar day
    2101-01-01` refuses the year (exit 2)."""
    one_line_refusal(tthc("calendar", "due", start, option, value), 2, "2101" if value != "3650" else "2110",
                     "1976–2100")
    one_line_refusal(tthc("calendar", "day", "2101-01-03"), 2, "1976–2100")


def test_a_due_instant_inside_the_last_year_is_still_printed(tthc):
    assert ok(tthc("calendar", "due", "2100-12-27T10:00:00+07:00", "--working-days", "1")).startswith("2100-12-")


# -- 3. Vietnamese success lines --------------------------------------------------------------------------------
def test_db_upgrade_and_the_counts_speak_vietnamese(tthc):
    done = tthc("db", "upgrade")
    assert ok(done) == "đã nâng cấp cơ sở dữ liệu" and "database" not in done.output, done.output
    done = tthc("agency", "list")
    assert done.exit_code == 0 and done.stderr.strip().endswith("cơ quan"), done.stderr
    assert "agencies" not in done.stderr
    done = tthc("officer", "list")
    assert done.exit_code == 0 and done.stderr.strip().endswith("cán bộ"), done.stderr
    assert "officers" not in done.stderr
    done = tthc("notifications", "dead")
    assert done.exit_code == 0 and done.stderr.strip() == "0 thông báo không gửi được", done.stderr


# -- 4. the line of an XML syntax error ---------------------------------------------------------------------------
@pytest.mark.parametrize("content", [b"<definitions>\n", b"<definitions>", b"not xml\n", b"hello"])
def test_validate_names_the_line_of_a_one_line_file_that_is_not_xml(tthc, tmp_path, content):
    """`<definitions>` and a newline was `:2:`, lxml's end of input after the last line."""
    path = tmp_path / "mot-dong.bpmn"
    path.write_bytes(content)
    done = tthc("validate", str(path))
    assert done.exit_code == 1, done.output
    line = done.stderr.strip()
    assert line.startswith(f"{path}:1: -: XML không đúng cú pháp: "), line
    assert "line 2" not in line, line


def test_validate_keeps_the_line_of_an_error_inside_the_file(tthc, tmp_path):
    path = tmp_path / "ba-dong.bpmn"
    path.write_bytes(b"<definitions>\n<process></task>\n</definitions>\n")
    done = tthc("validate", str(path))
    assert done.exit_code == 1 and done.stderr.startswith(f"{path}:2: -: XML không đúng cú pháp: "), done.stderr
