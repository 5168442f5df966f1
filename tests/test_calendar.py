"""The Vietnamese working calendar, tested from the law (domain.md D7, D13–D16, D18; domain-research.md §7).

Every expected value below was worked out by hand from the rules, not read off the code; the reasoning is in
the comment next to it. Facts used throughout:

* office hours 07:00–11:30 and 13:30–17:00 (8 h = one working day, D14); no time passes outside them;
* 15:00 cut-off: received after 15:00 → counting starts the next working day (D16);
* a working-day deadline keeps the clock time of intake (D16);
* 2026: Tết Mon 16/02 – Fri 20/02; Giỗ Tổ Sun 26/04 → Mon 27/04 nghỉ bù; 30/04 Thu, 01/05 Fri;
  Sat 22/08 làm bù for Mon 31/08; Quốc khánh Tue 01/09 + Wed 02/09; Ngày Văn hóa Việt Nam Tue 24/11 (D15).
"""
from __future__ import annotations

import importlib
from datetime import date, datetime, timedelta
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from engine.data import calendars
from engine.law import deadlines, extension
from engine.core.calendar import Override, describe_duration, load_config
from engine.cli import main
from engine.core.clock import VN_TZ, FixedClock
from engine.core.settings import load_settings

H = timedelta(hours=1)
DAY = 8 * H  # one working day (D14)


def vn(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=VN_TZ)


@pytest.fixture(scope="module")
def config():
    return load_config(load_settings().calendar_file)


@pytest.fixture(scope="module")
def cal(config):
    return config.calendar()


# -- D7, D13, D16: the Tết 2026 filing -------------------------------------------------------------------
def test_intake_due_friday_before_tet_is_monday_after_tet(cal):
    # Filed Fri 13/02/2026 16:30: after office hours, so (D7) counting starts at the next working period.
    # Sat 14, Sun 15 weekend; Mon 16 – Fri 20 Tết; Sat 21, Sun 22 weekend → Mon 23/02 07:00; +1 h → 07:30.
    assert cal.add_working_time(vn(2026, 2, 13, 16, 30), H) == vn(2026, 2, 23, 7, 30)
    assert cal.due(vn(2026, 2, 13, 16, 30), 1, "working_hour") == vn(2026, 2, 23, 7, 30)


def test_intake_due_recorded_by_on_filed_with_calendar_version(cal):
    # Same filing as above, through the legal clock: intake_due_at = Mon 23/02/2026 07:30 (1 working hour,
    # config intake_working_hours = 1), and the dossier records the calendar version used (D15).
    dossier = SimpleNamespace(intake_due_at=None, calendar_version=None)
    deadlines.on_filed(dossier, cal, vn(2026, 2, 13, 16, 30), calendars.intake_working_hours(load_settings()))
    assert dossier.intake_due_at == vn(2026, 2, 23, 7, 30)
    assert dossier.calendar_version == cal.version


def test_result_due_received_after_cutoff_friday_before_tet(cal):
    # Received Fri 13/02/2026 16:30 (after 15:00): counting starts at the next working day, Mon 23/02 07:00.
    # 3 working days = Mon 23, Tue 24, Wed 25 → due at the end of Wednesday 25/02/2026 17:00
    # (24 working hours after Mon 07:00).
    assert cal.start_of_count(vn(2026, 2, 13, 16, 30)) == vn(2026, 2, 23, 7, 0)
    assert cal.due(vn(2026, 2, 13, 16, 30), 3, "working_day") == vn(2026, 2, 25, 17, 0)


def test_result_due_received_monday_after_tet_keeps_clock_time(cal):
    # Received Mon 23/02/2026 08:00 (before the cut-off): 3 working days later at the same clock time (D16):
    # Tue 24 (1), Wed 25 (2), Thu 26 (3) → Thursday 26/02/2026 08:00.
    assert cal.due(vn(2026, 2, 23, 8, 0), 3, "working_day") == vn(2026, 2, 26, 8, 0)


def test_result_due_records_calendar_version(cal):
    dossier = SimpleNamespace(due_at=None, original_due_at=None, calendar_version=None)
    deadlines.on_received(dossier, cal, {"duration": {"value": 3, "unit": "working_day"}}, vn(2026, 2, 23, 8, 0))
    assert dossier.due_at == dossier.original_due_at == vn(2026, 2, 26, 8, 0)
    assert dossier.calendar_version == cal.version


def test_d16_example_5_working_days(cal):
    # D16: received Fri 27/10/2023 09:32, 5 working days: Mon 30/10 (1), Tue 31 (2), Wed 01/11 (3),
    # Thu 02/11 (4), Fri 03/11 (5) → Friday 03/11/2023 09:32. No holiday in between.
    assert cal.due(vn(2023, 10, 27, 9, 32), 5, "working_day") == vn(2023, 11, 3, 9, 32)


def test_cutoff_applies_to_an_ordinary_working_day_too(cal):
    # Received Mon 09/03/2026 15:30 (after 15:00): counting starts Tue 10/03 07:00; 3 working days = Tue,
    # Wed, Thu → Thursday 12/03/2026 17:00.
    assert cal.start_of_count(vn(2026, 3, 9, 15, 30)) == vn(2026, 3, 10, 7, 0)
    assert cal.due(vn(2026, 3, 9, 15, 30), 3, "working_day") == vn(2026, 3, 12, 17, 0)


def test_received_during_lunch_counts_from_1330(cal):
    # Received Tue 10/03/2026 12:00 (lunch break, no working time passes, D14): counting starts 13:30;
    # 8 working hours: 13:30–17:00 (3.5 h) + Wed 07:00–11:30 (4.5 h) → Wed 11/03 11:30, which is the same
    # working instant as Wed 13:30 (the lunch break passes no time); the law does not pick one of the two.
    due = cal.due(vn(2026, 3, 10, 12, 0), 1, "working_day")
    assert due in (vn(2026, 3, 11, 11, 30), vn(2026, 3, 11, 13, 30))
    assert cal.working_time_between(vn(2026, 3, 10, 12, 0), due) == DAY


def test_received_on_saturday_counts_from_monday(cal):
    # Received (online) Sat 07/03/2026 10:00, a day off: counting starts Mon 09/03 07:00 (research §7.2);
    # 1 working day = all of Monday → Monday 09/03/2026 17:00.
    assert cal.due(vn(2026, 3, 7, 10, 0), 1, "working_day") == vn(2026, 3, 9, 17, 0)


# -- D14 / D15: which days are working days ----------------------------------------------------------------
def test_makeup_saturday_and_substitute_monday_2026(cal):
    # Sat 22/08/2026 is declared a make-up working day for Mon 31/08/2026, which is off.
    info = cal.day(date(2026, 8, 22))
    assert info.working and "làm bù" in info.reason.lower()
    assert not cal.is_working_day(date(2026, 8, 31))
    # Quốc khánh 2026: 02/09 (Wed) plus the adjacent 01/09 (Tue).
    assert not cal.is_working_day(date(2026, 9, 1))
    assert not cal.is_working_day(date(2026, 9, 2))
    assert cal.is_working_day(date(2026, 9, 3))


def test_deadline_counts_makeup_saturday(cal):
    # Fri 21/08/2026 10:00 + 1 working day: the next working day is the make-up Saturday 22/08 → 10:00.
    assert cal.due(vn(2026, 8, 21, 10, 0), 1, "working_day") == vn(2026, 8, 22, 10, 0)


def test_deadline_skips_substitute_day_and_national_day(cal):
    # Fri 28/08/2026 10:00 + 1 working day: Sat 29, Sun 30 weekend; Mon 31/08 nghỉ bù; Tue 01/09 and
    # Wed 02/09 Quốc khánh → Thursday 03/09/2026 10:00.
    assert cal.due(vn(2026, 8, 28, 10, 0), 1, "working_day") == vn(2026, 9, 3, 10, 0)


def test_gio_to_2026_and_april_may_holidays(cal):
    # Giỗ Tổ (10/3 âm lịch) 2026 = Sun 26/04 → nghỉ bù Mon 27/04 (BLLĐ Điều 111 k3).
    assert not cal.is_working_day(date(2026, 4, 26))
    assert not cal.is_working_day(date(2026, 4, 27))
    assert cal.is_working_day(date(2026, 4, 28))
    assert cal.is_working_day(date(2026, 4, 29))
    assert not cal.is_working_day(date(2026, 4, 30))
    assert not cal.is_working_day(date(2026, 5, 1))


def test_deadline_across_gio_to_and_30_4(cal):
    # Fri 24/04/2026 09:00 + 3 working days: 25, 26 weekend; 27 nghỉ bù; Tue 28 (1), Wed 29 (2);
    # 30/04, 01/05 holidays; 02, 03 weekend; Mon 04/05 (3) → Monday 04/05/2026 09:00.
    assert cal.due(vn(2026, 4, 24, 9, 0), 3, "working_day") == vn(2026, 5, 4, 9, 0)


@pytest.mark.parametrize("day", [date(2026, 2, d) for d in range(16, 21)])
def test_tet_2026_is_off(cal, day):
    # Tết 2026 for public servants: Mon 16/02 (29 Chạp) – Fri 20/02 (mùng 4).
    assert not cal.is_working_day(day)


def test_day_after_tet_2026_is_working(cal):
    assert cal.day(date(2026, 2, 23)).working
    assert cal.day(date(2026, 2, 13)).working


def test_new_year_and_culture_day(cal):
    assert not cal.is_working_day(date(2026, 1, 1))  # Tết Dương lịch, Thursday
    assert cal.is_working_day(date(2026, 1, 2))
    assert not cal.is_working_day(date(2026, 11, 24))  # Ngày Văn hóa Việt Nam, Tuesday, from 2026
    # "from 2026": Mon 24/11/2025 was an ordinary working day.
    assert cal.is_working_day(date(2025, 11, 24))


def test_ordinary_weekend_reasons(cal):
    saturday, sunday = cal.day(date(2026, 3, 7)), cal.day(date(2026, 3, 8))
    assert not saturday.working and saturday.reason == "Thứ Bảy"
    assert not sunday.working and sunday.reason == "Chủ nhật"
    assert cal.day(date(2026, 3, 9)).working  # Monday


def test_tet_uses_vietnamese_not_chinese_lunar_calendar(cal):
    # D15 / research §7.3: Tết 1985 was Mon 21/01/1985 in Vietnam but Wed 20/02/1985 in China.
    assert not cal.is_working_day(date(1985, 1, 21))
    assert cal.is_working_day(date(1985, 2, 20))


def test_past_makeup_days_2024_2025(cal):
    # Research §7.1 [V]: 2025 — Fri 02/05 off, made up Sat 26/04; 2024 — Mon 29/04 off, made up Sat 04/05.
    assert cal.is_working_day(date(2025, 4, 26)) and not cal.is_working_day(date(2025, 5, 2))
    assert cal.is_working_day(date(2024, 5, 4)) and not cal.is_working_day(date(2024, 4, 29))


# -- D14: working hours --------------------------------------------------------------------------------------
@pytest.mark.parametrize("start, expected, why", [
    # 11:00 + 1 h: 30 min until 11:30, lunch passes no time, 30 min from 13:30 → 14:00.
    (vn(2026, 3, 10, 11, 0), vn(2026, 3, 10, 14, 0), "across lunch"),
    # Fri 13/03/2026 16:30 + 1 h: 30 min until 17:00, weekend, 30 min from Mon 16/03 07:00 → 07:30.
    (vn(2026, 3, 13, 16, 30), vn(2026, 3, 16, 7, 30), "across weekend"),
    # 06:00 is before office hours: counting from 07:00 → 08:00.
    (vn(2026, 3, 10, 6, 0), vn(2026, 3, 10, 8, 0), "before office hours"),
    # Sat 14/03/2026 10:00 is a day off: counting from Mon 16/03 07:00 → 08:00.
    (vn(2026, 3, 14, 10, 0), vn(2026, 3, 16, 8, 0), "from Saturday"),
    # 12:15 in the lunch break: counting from 13:30 → 14:30.
    (vn(2026, 3, 10, 12, 15), vn(2026, 3, 10, 14, 30), "in lunch"),
    # 20:00 after office hours: counting from the next day 07:00 → 08:00.
    (vn(2026, 3, 10, 20, 0), vn(2026, 3, 11, 8, 0), "evening"),
])
def test_one_working_hour(cal, start, expected, why):
    assert cal.add_working_time(start, H) == expected, why
    assert cal.due(start, 1, "working_hour") == expected, why


def test_working_hours_longer_than_a_day(cal):
    # Mon 09/03/2026 09:00 + 10 working hours: Mon 09:00–11:30 (2.5) + 13:30–17:00 (3.5) = 6;
    # Tue 07:00 + 4 h → 11:00.
    assert cal.due(vn(2026, 3, 9, 9, 0), 10, "working_hour") == vn(2026, 3, 10, 11, 0)


def test_utc_input_is_read_in_vietnam_time(cal):
    # 09:30 UTC = 16:30 +07:00 on Fri 13/02/2026 → same as the first test: Mon 23/02 07:30 +07:00.
    from datetime import timezone
    result = cal.add_working_time(datetime(2026, 2, 13, 9, 30, tzinfo=timezone.utc), H)
    assert result == vn(2026, 2, 23, 7, 30)
    assert result.utcoffset() == timedelta(hours=7)


def test_agency_office_hours(tmp_path):
    # D14: office hours are configurable per agency. An agency working 07:30–11:30 and 13:30–17:30 (8 h):
    # 1 h from 11:00 → 30 min until 11:30 + 30 min from 13:30 = 14:00; 1 h from 07:00 → counting from 07:30
    # → 08:30; 1 working day from Mon 09/03/2026 17:15 (after the cut-off) → Tue 10/03 07:30 + 8 h = 17:30.
    path = tmp_path / "calendar.toml"
    path.write_text('office_hours = ["07:00-11:30", "13:30-17:00"]\ncutoff = "15:00"\n'
                    '[agencies]\n"000.00.06.H56" = ["07:30-11:30", "13:30-17:30"]\n', encoding="utf-8")
    config = load_config(path)
    agency = config.calendar("000.00.06.H56")
    assert agency.day_length == DAY
    assert agency.add_working_time(vn(2026, 3, 10, 11, 0), H) == vn(2026, 3, 10, 14, 0)
    assert agency.add_working_time(vn(2026, 3, 10, 7, 0), H) == vn(2026, 3, 10, 8, 30)
    assert agency.due(vn(2026, 3, 9, 17, 15), 1, "working_day") == vn(2026, 3, 10, 17, 30)
    # Another agency falls back to the default hours.
    assert config.calendar("other").add_working_time(vn(2026, 3, 10, 7, 0), H) == vn(2026, 3, 10, 8, 0)


def test_bad_office_hours_are_refused(tmp_path):
    path = tmp_path / "calendar.toml"
    path.write_text('office_hours = ["13:30-17:00", "07:00-11:30"]\n', encoding="utf-8")
    with pytest.raises(ValueError):
        load_config(path)


# -- D18: extension cap in working time -----------------------------------------------------------------------
@pytest.mark.parametrize("value, unit, cap", [
    (1, "working_day", timedelta(hours=2, minutes=40)),  # 8 h / 3 = 160 min
    (3, "working_day", DAY),                              # 24 h / 3 = 8 h = 1 working day
    (15, "working_day", 5 * DAY),                         # 120 h / 3 = 40 h = 5 working days
    (6, "working_hour", 2 * H),                           # 6 h / 3
])
def test_extension_cap(cal, value, unit, cap):
    assert extension.cap(cal, {"value": value, "unit": unit}) == cap


# -- D13: calendar days ---------------------------------------------------------------------------------------
def test_calendar_days_rolled_to_next_working_day(cal):
    # Thu 10/12/2026 10:00 + 10 calendar days = Sun 20/12 10:00, a day off → Monday 21/12/2026 10:00.
    assert cal.due(vn(2026, 12, 10, 10, 0), 10, "calendar_day") == vn(2026, 12, 21, 10, 0)


def test_calendar_days_landing_on_a_working_day(cal):
    # Mon 09/03/2026 10:00 + 10 calendar days = Thu 19/03/2026 10:00, a working day: unchanged.
    assert cal.due(vn(2026, 3, 9, 10, 0), 10, "calendar_day") == vn(2026, 3, 19, 10, 0)


def test_calendar_days_landing_in_tet(cal):
    # Wed 11/02/2026 10:00 + 5 calendar days = Mon 16/02 (Tết); 16–20 Tết, 21–22 weekend → Mon 23/02 10:00.
    assert cal.due(vn(2026, 2, 11, 10, 0), 5, "calendar_day") == vn(2026, 2, 23, 10, 0)


def test_unknown_unit_is_refused(cal):
    with pytest.raises(ValueError):
        cal.due(vn(2026, 3, 9, 10, 0), 1, "tuần")


# -- Consistency: between / subtract / add ----------------------------------------------------------------------
@pytest.mark.parametrize("start, amount, end", [
    # Fri 13/02/2026 10:00 + 1 working day → across Tết → Mon 23/02 10:00.
    (vn(2026, 2, 13, 10, 0), DAY, vn(2026, 2, 23, 10, 0)),
    # Wed 11/02/2026 14:00 + 3 working days: Thu 12 (1), Fri 13 (2), [Tết + weekends], Mon 23 (3) → 14:00.
    (vn(2026, 2, 11, 14, 0), 3 * DAY, vn(2026, 2, 23, 14, 0)),
    # Fri 24/04/2026 09:00 + 3 working days → Mon 04/05 09:00 (see above).
    (vn(2026, 4, 24, 9, 0), 3 * DAY, vn(2026, 5, 4, 9, 0)),
    # Fri 21/08/2026 10:00 + 1 working day → make-up Sat 22/08 10:00.
    (vn(2026, 8, 21, 10, 0), DAY, vn(2026, 8, 22, 10, 0)),
    # 11:00 + 1 h → 14:00 (lunch).
    (vn(2026, 3, 10, 11, 0), H, vn(2026, 3, 10, 14, 0)),
    # Mon 09/03/2026 08:15 + 2 h 40 min → 10:55.
    (vn(2026, 3, 9, 8, 15), timedelta(hours=2, minutes=40), vn(2026, 3, 9, 10, 55)),
])
def test_round_trips(cal, start, amount, end):
    assert cal.add_working_time(start, amount) == end
    assert cal.working_time_between(start, end) == amount
    assert cal.working_time_between(end, start) == -amount
    assert cal.subtract_working_time(end, amount) == start


def test_working_time_between_out_of_hours(cal):
    # Fri 13/02/2026 16:30 → Mon 23/02/2026 07:30: 30 min on Friday + 30 min on Monday = 1 h.
    assert cal.working_time_between(vn(2026, 2, 13, 16, 30), vn(2026, 2, 23, 7, 30)) == H
    # Midnight Fri 13/02 → midnight Mon 23/02: only Friday 13/02 is a working day → 8 h.
    assert cal.working_time_between(vn(2026, 2, 13), vn(2026, 2, 23)) == DAY
    # A whole weekend: nothing.
    assert cal.working_time_between(vn(2026, 3, 7), vn(2026, 3, 9)) == timedelta(0)


def test_subtract_across_weekend_and_lunch(cal):
    # 1 h before Mon 16/03/2026 07:00 is Fri 13/03 16:00; 1 h before 14:00 is 11:00.
    assert cal.subtract_working_time(vn(2026, 3, 16, 7, 0), H) == vn(2026, 3, 13, 16, 0)
    assert cal.subtract_working_time(vn(2026, 3, 10, 14, 0), H) == vn(2026, 3, 10, 11, 0)
    # 1 working day before Mon 23/02/2026 10:00 (after Tết) is Fri 13/02/2026 10:00.
    assert cal.subtract_working_time(vn(2026, 2, 23, 10, 0), DAY) == vn(2026, 2, 13, 10, 0)


# -- describe_duration -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("amount, text", [
    (DAY, "1 ngày làm việc"),
    (timedelta(hours=2, minutes=40), "2 giờ 40 phút làm việc"),
    (5 * DAY, "5 ngày làm việc"),
    (DAY + timedelta(hours=2, minutes=30), "1 ngày 2 giờ 30 phút làm việc"),
])
def test_describe_duration(amount, text):
    assert describe_duration(amount) == text


def test_describe_negative_duration():
    text = describe_duration(-timedelta(hours=3))
    assert text.startswith("quá")
    assert "3 giờ" in text


# -- Calendar version (D15) ------------------------------------------------------------------------------------
def test_version_changes_with_an_override(config):
    base = config.calendar()
    assert config.calendar().version == base.version  # same inputs, same version
    extra = config.calendar(extra=[Override(date(2026, 12, 31), "off", "Nghỉ thêm")])
    assert extra.version != base.version
    renamed = config.calendar(extra=[Override(date(2026, 12, 31), "off", "Nghỉ thêm (sửa)")])
    assert renamed.version not in (base.version, extra.version)


def test_python_override_wins_over_config(config):
    # The administrator's table overrides the official-notice config: making 22/08/2026 off again.
    cal = config.calendar(extra=[Override(date(2026, 8, 22), "off", "Hủy làm bù")])
    assert cal.day(date(2026, 8, 22)).working is False
    assert cal.day(date(2026, 8, 22)).reason == "Hủy làm bù"


# -- CLI -------------------------------------------------------------------------------------------------------
@pytest.fixture
def tthc(tmp_path, monkeypatch):
    # `set` and `clear` refuse a day before today: the commands run on 02/01/2026, before every day set below
    monkeypatch.setattr(importlib.import_module("engine.cli.calendar"), "clock",
                        FixedClock(datetime(2026, 1, 2, 9, 0, tzinfo=VN_TZ)))
    runner = CliRunner()
    env = {"TTHC_DATA_DIR": str(tmp_path), "TTHC_DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"}

    def run(*args, env_extra: dict | None = None):
        return runner.invoke(main, ["calendar", *args], env={**env, **(env_extra or {})})

    return run


def ok(result) -> str:
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output.strip()


def fails_cleanly(result, *fragments: str) -> None:
    """Non-zero exit, a message, and no traceback (an unhandled exception shows as result.exception)."""
    assert result.exit_code != 0, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in result.output, result.output


def test_cli_due_working_hours_across_tet(tthc):
    assert ok(tthc("due", "2026-02-13T16:30:00+07:00", "--working-hours", "1")) == "2026-02-23T07:30:00+07:00"


def test_cli_due_units(tthc):
    # See the Python tests above for the reasoning.
    assert ok(tthc("due", "2023-10-27T09:32:00+07:00", "--working-days", "5")) == "2023-11-03T09:32:00+07:00"
    assert ok(tthc("due", "2026-12-10T10:00:00+07:00", "--calendar-days", "10")) == "2026-12-21T10:00:00+07:00"
    # 0 working days is counted as the engine counts it (D16): from the intake, or from the next working day
    # after 15:00; a same-day procedure is --same-day (tests/test_law_deadlines.py).
    assert ok(tthc("due", "2026-03-09T14:50:00+07:00", "--working-days", "0")) == "2026-03-09T14:50:00+07:00"
    assert ok(tthc("due", "2026-03-13T15:10:00+07:00", "--working-days", "0")) == "2026-03-16T07:00:00+07:00"
    assert ok(tthc("due", "2026-03-13T15:10:00+07:00", "--same-day")) == "2026-03-16T17:00:00+07:00"
    # A time without offset is Vietnam time; a UTC time is converted (09:30Z = 16:30 +07:00).
    assert ok(tthc("due", "2026-02-13T16:30:00", "--working-hours", "1")) == "2026-02-23T07:30:00+07:00"
    assert ok(tthc("due", "2026-02-13T09:30:00+00:00", "--working-hours", "1")) == "2026-02-23T07:30:00+07:00"


def test_cli_day(tthc):
    assert ok(tthc("day", "2026-08-22")).startswith("working\t")
    assert "làm bù" in ok(tthc("day", "2026-08-22")).lower()
    assert ok(tthc("day", "2026-08-31")).startswith("off\t")
    assert ok(tthc("day", "2026-03-07")) == "off\tThứ Bảy"
    assert ok(tthc("day", "2026-03-08")) == "off\tChủ nhật"
    assert ok(tthc("day", "2026-11-24")).startswith("off\t")
    assert ok(tthc("day", "2026-03-09")).startswith("working\t")


def test_cli_override_off_then_clear(tthc):
    # Without override: Wed 30/12/2026 10:00 + 1 working day → Thu 31/12/2026 10:00.
    assert ok(tthc("day", "2026-12-31")).startswith("working\t")
    assert ok(tthc("due", "2026-12-30T10:00:00+07:00", "--working-days", "1")) == "2026-12-31T10:00:00+07:00"
    ok(tthc("set", "2026-12-31", "off", "--name", "Nghỉ thêm"))
    assert ok(tthc("day", "2026-12-31")) == "off\tNghỉ thêm"
    # With 31/12 off: Fri 01/01/2027 Tết Dương lịch, Sat 02 and Sun 03 weekend → Mon 04/01/2027 10:00.
    assert ok(tthc("due", "2026-12-30T10:00:00+07:00", "--working-days", "1")) == "2027-01-04T10:00:00+07:00"
    ok(tthc("clear", "2026-12-31"))
    assert ok(tthc("day", "2026-12-31")).startswith("working\t")
    assert ok(tthc("due", "2026-12-30T10:00:00+07:00", "--working-days", "1")) == "2026-12-31T10:00:00+07:00"


def test_cli_not_off_cancels_package_holiday(tthc):
    # Cancelling 24/11/2026: Mon 23/11 10:00 + 1 working day → Tue 24/11 10:00 (else Wed 25/11 10:00).
    assert ok(tthc("due", "2026-11-23T10:00:00+07:00", "--working-days", "1")) == "2026-11-25T10:00:00+07:00"
    ok(tthc("set", "2026-11-24", "not_off", "--name", "Không nghỉ"))
    assert ok(tthc("day", "2026-11-24")).startswith("working\t")
    assert ok(tthc("due", "2026-11-23T10:00:00+07:00", "--working-days", "1")) == "2026-11-24T10:00:00+07:00"


def test_cli_override_wins_over_config_and_working_saturday(tthc):
    # The config declares Sat 22/08/2026 a make-up day; the administrator makes it off again.
    ok(tthc("set", "2026-08-22", "off", "--name", "Hủy làm bù"))
    assert ok(tthc("day", "2026-08-22")) == "off\tHủy làm bù"
    # Fri 21/08 10:00 + 1 working day: 22 off, 23 Sunday → Mon 24/08/2026 10:00.
    assert ok(tthc("due", "2026-08-21T10:00:00+07:00", "--working-days", "1")) == "2026-08-24T10:00:00+07:00"
    # A new make-up Saturday: Sat 26/12/2026.
    ok(tthc("set", "2026-12-26", "working", "--name", "Làm bù"))
    line = ok(tthc("day", "2026-12-26"))
    assert line.startswith("working\t") and "làm bù" in line.lower()
    # Fri 25/12 10:00 + 1 working day → Sat 26/12/2026 10:00.
    assert ok(tthc("due", "2026-12-25T10:00:00+07:00", "--working-days", "1")) == "2026-12-26T10:00:00+07:00"


def test_cli_agency_office_hours(tthc, tmp_path):
    path = tmp_path / "calendar.toml"
    path.write_text('[agencies]\n"000.00.06.H56" = ["07:30-11:30", "13:30-17:30"]\n', encoding="utf-8")
    env = {"TTHC_CALENDAR_FILE": str(path)}
    # From 07:00 with 1 working hour: the agency opens at 07:30 → 08:30; the default hours give 08:00.
    assert ok(tthc("due", "2026-03-10T07:00:00+07:00", "--working-hours", "1", "--agency", "000.00.06.H56",
                   env_extra=env)) == "2026-03-10T08:30:00+07:00"
    assert ok(tthc("due", "2026-03-10T07:00:00+07:00", "--working-hours", "1",
                   env_extra=env)) == "2026-03-10T08:00:00+07:00"


def test_cli_due_bad_input(tthc):
    fails_cleanly(tthc("due", "2026-02-13T16:30:00+07:00", "--working-hours", "1", "--working-days", "1"),
                  "--working-days")
    fails_cleanly(tthc("due", "2026-02-13T16:30:00+07:00"), "--working-days")
    fails_cleanly(tthc("due", "2026-02-30T16:30:00+07:00", "--working-hours", "1"), "2026-02-30")
    fails_cleanly(tthc("due", "hôm nay", "--working-days", "1"), "hôm nay")
    fails_cleanly(tthc("due", "2026-02-13T16:30:00+07:00", "--working-days", "-1"))
    fails_cleanly(tthc("due", "2026-02-13T16:30:00+07:00", "--working-days", "ba"))


def test_cli_day_bad_input(tthc):
    fails_cleanly(tthc("day", "2026-13-01"), "2026-13-01")


def test_cli_set_bad_kind(tthc):
    fails_cleanly(tthc("set", "2026-12-31", "holiday", "--name", "X"))


def test_cli_set_bad_date(tthc):
    fails_cleanly(tthc("set", "2026-02-30", "off", "--name", "X"), "2026-02-30")


def test_cli_clear_bad_date(tthc):
    ok(tthc("set", "2026-12-31", "off", "--name", "Nghỉ thêm"))  # the table exists
    fails_cleanly(tthc("clear", "31/12/2026"), "31/12/2026")
