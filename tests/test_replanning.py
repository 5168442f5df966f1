"""Calendar changes (issue #10): an override re-plans the open dossiers it affects and says how many; a year
without an official notice in config/calendar.toml is shown as provisional.

The sample procedure takes 3 working days. Received Monday 23/11/2026 09:00 → due Friday 27/11/2026 09:00
(Tuesday 24/11 is a day off, D15). Making Thursday 26/11 a day off moves it to Monday 30/11 09:00 (Saturday
and Sunday are not working days); clearing the override moves it back.
"""
from __future__ import annotations

import importlib
from datetime import date

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from conftest import CITIZEN, iso, vn
from engine.cases import replanning
from engine.cli import main
from engine.core.calendar import Override, load_config, moved
from engine.core.settings import load_settings
from engine.data.model import CalendarOverride, Dossier, WorkItem
from engine.data import calendars
from web_support import Web, text_of

RECEIVER = "demo.tiepnhan"


# -- the arithmetic: counted again, it is what the new calendar gives from the start -----------------------------
@pytest.fixture(scope="module")
def config():
    return load_config(load_settings().calendar_file)


CASES = [  # (anchor, value, unit, changed day, kind of override)
    (vn(2026, 12, 30, 10, 0), 1, "working_day", date(2026, 12, 31), "off"),
    (vn(2026, 11, 23, 9, 0), 3, "working_day", date(2026, 11, 26), "off"),
    (vn(2026, 11, 23, 9, 0), 3, "working_day", date(2026, 11, 24), "not_off"),  # the holiday cancelled
    (vn(2026, 11, 20, 16, 0), 2, "working_day", date(2026, 11, 28), "working"),  # a Saturday made working
    (vn(2026, 11, 26, 9, 30), 2, "working_day", date(2026, 11, 26), "off"),  # received on the day itself
    (vn(2026, 11, 26, 15, 30), 1, "working_day", date(2026, 11, 27), "off"),  # after the cut-off (D16)
    (vn(2026, 11, 25, 16, 30), 3, "working_hour", date(2026, 11, 26), "off"),
    (vn(2026, 11, 26, 10, 0), 4, "working_hour", date(2026, 11, 26), "off"),
    (vn(2026, 11, 23, 9, 0), 5, "working_day", date(2026, 11, 20), "off"),  # a day before: nothing moves
    (vn(2026, 11, 20, 10, 0), 7, "calendar_day", date(2026, 11, 27), "off"),
]


@pytest.mark.parametrize("anchor,value,unit,changed,kind", CASES)
def test_a_deadline_counted_again_is_the_one_the_new_calendar_gives(config, anchor, value, unit, changed, kind):
    old = config.calendar()
    new = config.calendar(extra=[Override(changed, kind, "Thông báo mới")])
    assert moved(old, new, old.due(anchor, value, unit), anchor, changed, unit) == new.due(anchor, value, unit)


def test_the_last_working_day_of_2026_made_a_day_off(config):
    old = config.calendar()
    new = config.calendar(extra=[Override(date(2026, 12, 31), "off", "Nghỉ thêm")])
    # received Wed 30/12 10:00, 1 working day → Thu 31/12 10:00; 31/12 off, 01/01 Tết, 02–03 weekend → Mon 04/01
    assert old.due(vn(2026, 12, 30, 10, 0), 1, "working_day") == vn(2026, 12, 31, 10, 0)
    assert moved(old, new, vn(2026, 12, 31, 10, 0), vn(2026, 12, 30, 10, 0), date(2026, 12, 31),
                 "working_day") == vn(2027, 1, 4, 10, 0)


# -- the command: re-plans, says how many, and the dossier shows it ------------------------------------------------
@pytest.fixture(autouse=True)
def cli_clock(monkeypatch, clock):
    """`tthc calendar set/clear` at the test's time, not the machine's: a day before today is refused."""
    monkeypatch.setattr(importlib.import_module("engine.cli.calendar"), "clock", clock)


def tthc(settings, *args):
    env = {"TTHC_DATA_DIR": str(settings.data_dir), "TTHC_DATABASE_URL": settings.database_url}
    result = CliRunner().invoke(main, ["calendar", *args], env=env)
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output.strip().splitlines()


def shown(api, code: str) -> dict:
    return api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()


def rows(app, code: str) -> tuple:
    with app.extensions["tthc"]["sessions"]() as session:
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        items = session.scalars(select(WorkItem.due_at).where(WorkItem.dossier_id == dossier.id)).all()
        return dossier.due_at, dossier.next_timer_at, dossier.calendar_version, items


@pytest.fixture
def received(api, clock):
    code = api.file(CITIZEN)["code"]
    api.act(RECEIVER, code, "receive")
    waiting = api.file(CITIZEN)["code"]  # its intake check is due at 10:00 on 23/11: the override is later
    return code, waiting


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_day_off_re_plans_the_dossiers_running_over_it_and_says_how_many(api, app, settings, received):
    code, waiting = received
    assert shown(api, code)["due_at"] == iso(2026, 11, 27, 9, 0)
    due, timer, version, items = rows(app, code)
    assert timer == vn(2026, 11, 26, 9, 0)  # the D19 warning, one working day before
    before_waiting = shown(api, waiting)

    out = tthc(settings, "set", "2026-11-26", "off", "--name", "Nghỉ đột xuất")
    assert out == ["2026-11-26\toff\tNghỉ đột xuất", "1 hồ sơ đang giải quyết được tính lại hạn"]
    after = shown(api, code)
    assert after["due_at"] == iso(2026, 11, 30, 9, 0)
    assert after["original_due_at"] == iso(2026, 11, 30, 9, 0)
    due, timer, new_version, items = rows(app, code)
    assert timer == vn(2026, 11, 27, 9, 0)  # the warning moved too (Thu 26 off: one working day before Mon 30)
    assert items == [vn(2026, 11, 30, 9, 0)]  # the open work item's due time
    assert new_version != version
    assert after["history"][-1]["action"] == "replanned"
    assert shown(api, waiting)["intake_due_at"] == before_waiting["intake_due_at"]
    page = text_of(Web(app.test_client()).login(CITIZEN).get(f"/ca-nhan/ho-so/{code}"))
    assert "Tính lại hạn theo lịch làm việc mới" in page and "30/11/2026" in page

    out = tthc(settings, "clear", "2026-11-26")
    assert out == ["2026-11-26\tcleared", "1 hồ sơ đang giải quyết được tính lại hạn"]
    assert shown(api, code)["due_at"] == iso(2026, 11, 27, 9, 0)
    assert rows(app, code)[1] == vn(2026, 11, 26, 9, 0)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_day_no_deadline_runs_over_moves_nothing(api, app, settings, received):
    out = tthc(settings, "set", "2026-12-15", "off", "--name", "Nghỉ")
    assert out[-1] == "0 hồ sơ đang giải quyết được tính lại hạn"


def test_re_planning_goes_page_by_page(api, app, settings, clock):
    codes = [api.file(CITIZEN)["code"] for _ in range(3)]
    for code in codes:
        api.act(RECEIVER, code, "receive")
    sessions = app.extensions["tthc"]["sessions"]
    with sessions() as session:
        before = replanning.agency_calendars(session, settings)
    with sessions.begin() as session:
        session.add(CalendarOverride(day=date(2026, 11, 26), kind="off", name="Nghỉ", created_at=clock.now()))
    calendars.forget_overrides()
    assert replanning.replan(sessions, settings, date(2026, 11, 26), before, clock.now(), page=1) == 3
    assert {shown(api, c)["due_at"] for c in codes} == {iso(2026, 11, 30, 9, 0)}


# -- provisional years ------------------------------------------------------------------------------------------
def test_a_day_of_a_year_without_an_official_notice_is_provisional(tmp_path):
    env = {"TTHC_DATA_DIR": str(tmp_path), "TTHC_DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"}
    run = CliRunner().invoke
    noticed = run(main, ["calendar", "day", "2026-11-24"], env=env).output.strip()
    assert noticed.count("\t") == 1  # 2026 has its notice: as before
    guessed = run(main, ["calendar", "day", "2027-02-08"], env=env).output.strip().split("\t")
    assert guessed[0] == "off" and len(guessed) == 3
    assert "tạm tính" in guessed[2] and "2027" in guessed[2]
    assert run(main, ["calendar", "day", "2027-03-09"], env=env).output.startswith("working\t")


def test_a_due_date_in_a_provisional_year_says_so_in_the_api_and_on_the_page(api, app, clock):
    now_code = api.file(CITIZEN)["code"]
    api.act(RECEIVER, now_code, "receive")
    assert shown(api, now_code)["due_provisional"] is False  # due 27/11/2026: the 2026 notice is in the file

    clock.set(vn(2026, 12, 30, 9, 0))
    api.tokens.clear()
    code = api.file(CITIZEN)["code"]
    assert shown(api, code)["due_provisional"] is False  # the intake check is due on 30/12/2026
    api.act(RECEIVER, code, "receive")
    d = shown(api, code)
    assert d["due_at"] == iso(2027, 1, 5, 9, 0)  # 31/12, (01/01 Tết Dương lịch, weekend), 04/01, 05/01
    assert d["due_provisional"] is True
    listed = {x["code"]: x for x in api.get("/api/v1/dossiers", CITIZEN).get_json()}
    assert listed[code]["due_provisional"] is True and listed[now_code]["due_provisional"] is False

    citizen = Web(app.test_client()).login(CITIZEN)
    assert text_of(citizen.get("/ca-nhan/ho-so")).count("(tạm tính)") == 1  # the list marks the one in 2027
    page = text_of(citizen.get(f"/ca-nhan/ho-so/{code}"))
    assert "Hạn tạm tính" in page and "Năm 2027 chưa có thông báo chính thức" in page
    assert "Hạn tạm tính" not in text_of(Web(app.test_client()).login(CITIZEN).get(f"/ca-nhan/ho-so/{now_code}"))


@pytest.mark.parametrize("backend", ["sqlite"])
def test_an_intake_check_restarted_on_the_changed_day_is_counted_from_the_restart(api, app, settings, clock):
    """Filed Mon 23/11 09:00; asked to supplement at the desk; completed Wed 25/11 10:00 → the intake check is
    due 11:00 (1 working hour, D7). Wed 25/11 made a day off: counted again from 10:00, the next working instant
    is Thu 26/11 07:00, so 08:00 — not 11:00, as the working time since Wednesday's midnight would give."""
    from conftest import SAMPLE_FORM, STEP_DATA

    code = api.file(CITIZEN)["code"]
    clock.set(vn(2026, 11, 23, 9, 30))
    api.act(RECEIVER, code, "request_supplement", STEP_DATA["request_supplement"])
    clock.set(vn(2026, 11, 25, 10, 0))
    api.tokens.clear()
    r = api.post(f"/api/v1/dossiers/{code}/supplement", CITIZEN, json={"form": SAMPLE_FORM})
    assert r.status_code == 200, r.get_json()
    assert shown(api, code)["intake_due_at"] == iso(2026, 11, 25, 11, 0)
    out = tthc(settings, "set", "2026-11-25", "off", "--name", "Nghỉ đột xuất")
    assert out[-1] == "1 hồ sơ đang giải quyết được tính lại hạn"
    assert shown(api, code)["intake_due_at"] == iso(2026, 11, 26, 8, 0)
