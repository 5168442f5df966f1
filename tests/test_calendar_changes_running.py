"""Calendar changes made after dossiers were received (D13–D19): a day already past is not changed; a day
changed today leaves the deadlines already reached (and the dossiers recorded late) as they are and moves the
others no earlier than now; a same-day procedure keeps "the close of the working day" (D16); an extension of a
calendar-day procedure stays working time after its original due (D18). Times are Vietnam time.

The sample procedure takes 3 working days; Tue 24/11/2026 is a day off (D15), Sat 28 and Sun 29/11 are weekend.
"""
from __future__ import annotations

import importlib

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from conftest import CITIZEN, iso, vn
from engine import timers
from engine.cli import main
from engine.data.model import CalendarOverride, Dossier
from test_deadline_words import deploy
from test_overdue_apology import open_tasks
from web_support import Web, text_of

RECEIVER, SPECIALIST, DEPT_LEADER, DIRECTOR = "demo.tiepnhan", "demo.chuyenvien", "demo.lanhdao", "demo.giamdoc"
ADMIN, HEAD, ROOT = "demo.admin", "demo.thutruong", "000.00.06.H56"


@pytest.fixture(autouse=True)
def cli_clock(monkeypatch, clock):
    """`tthc calendar set/clear` at the test's time, not the machine's."""
    monkeypatch.setattr(importlib.import_module("engine.cli.calendar"), "clock", clock, raising=False)


def at(api, clock, *when) -> None:
    clock.set(vn(*when))
    api.tokens.clear()


def received_at(api, clock, *when) -> str:
    at(api, clock, *when)
    code = api.file(CITIZEN)["code"]
    api.act(RECEIVER, code, "receive")
    return code


def shown(api, code: str) -> dict:
    return api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()


def late(app, code: str) -> bool:
    with app.extensions["tthc"]["sessions"]() as session:
        return session.scalar(select(Dossier.late).where(Dossier.code == code))


def overrides(app) -> list:
    with app.extensions["tthc"]["sessions"]() as session:
        return list(session.scalars(select(CalendarOverride.day)))


def sweep(app, settings, *when):
    return timers.sweep(app.extensions["tthc"]["sessions"], settings, vn(*when))


def notice(*days: tuple[str, str, str]) -> dict:
    return {"agency": ROOT, "days": [{"day": d, "kind": k, "name": n} for d, k, n in days]}


# -- 1. a day already past ----------------------------------------------------------------------------------------
def test_a_past_saturday_made_working_is_refused_everywhere_and_the_dossier_stays_in_time(api, app, settings,
                                                                                            clock):
    """Received Wed 25/11/2026 09:00, due Mon 30/11 09:00. On Mon 30/11 08:00 Sat 28/11 as a make-up working
    day would have made it due Sat 28/11 09:00, past and never told: refused by the API, the page and the
    command line; the dossier is not late at 08:01."""
    code = received_at(api, clock, 2026, 11, 25, 9, 0)
    assert shown(api, code)["due_at"] == iso(2026, 11, 30, 9, 0)
    at(api, clock, 2026, 11, 30, 8, 0)
    saturday = notice(("2026-11-28", "working", "Làm bù"))
    for path in ("preview", "apply"):
        r = api.post(f"/api/v1/calendar/{path}", ADMIN, json=saturday)
        assert r.status_code == 422, r.get_json()
        error = r.get_json()["error"]
        assert "2026-11-28" in error["message"] and "đã qua" in error["message"], error
        assert "2026-11-28" in error["fields"]["days"]
    web = Web(app.test_client()).login(ADMIN)
    form = {"year": "2026", "agency": ROOT, "lines": "", "from1": "2026-11-28", "kind1": "working", "name1": "Làm bù"}
    for path in ("/quan-tri/lich/xem-truoc", "/quan-tri/lich/ap-dung"):
        r = web.post(path, form, status=422)
        assert "Không sửa được ngày đã qua (trước hôm nay 30/11/2026): 2026-11-28" in text_of(r)
        assert 'name="from1" value="2026-11-28"' in r.get_data(as_text=True)  # what was typed is kept
    env = {"TTHC_DATA_DIR": str(settings.data_dir), "TTHC_DATABASE_URL": settings.database_url}
    for args in (("set", "2026-11-28", "working", "--name", "Làm bù"), ("clear", "2026-11-28")):
        done = CliRunner().invoke(main, ["calendar", *args], env=env)
        assert done.exit_code == 2 and "DAY" in done.output and "2026-11-28" in done.output, done.output
    assert overrides(app) == []
    sweep(app, settings, 2026, 11, 30, 8, 1)
    assert shown(api, code)["due_at"] == iso(2026, 11, 30, 9, 0) and not late(app, code)
    # today and later days still change (the command line too)
    done = CliRunner().invoke(main, ["calendar", "set", "2026-12-01", "off", "--name", "Nghỉ"], env=env)
    assert done.exit_code == 0, done.output


# -- 2. today: a storm day off declared in the morning ------------------------------------------------------------
def test_a_storm_day_off_declared_that_morning_keeps_a_late_dossier_late_and_moves_the_others_from_now(
        api, app, settings, clock):
    """A received Mon 23/11 09:00, due Fri 27/11 09:00, recorded late by the timer at 09:30. B received Wed 25/11
    09:00, due Mon 30/11 09:00. At 09:30 Fri 27/11 is declared off: A keeps its due, stays late, its apology task
    open; B's 7 h 30 of working time left at 09:30 (Fri 09:30–17:00 less lunch: 5 h 30; Mon 07:00–09:00: 2 h) are
    counted from Mon 30/11 07:00 → Mon 30/11 16:30, not before now."""
    a = received_at(api, clock, 2026, 11, 23, 9, 0)
    b = received_at(api, clock, 2026, 11, 25, 9, 0)
    assert shown(api, a)["due_at"] == iso(2026, 11, 27, 9, 0)
    at(api, clock, 2026, 11, 27, 9, 30)
    sweep(app, settings, 2026, 11, 27, 9, 30)
    assert late(app, a) and open_tasks(api, HEAD, a)
    storm = notice(("2026-11-27", "off", "Nghỉ tránh bão"))
    preview = api.post("/api/v1/calendar/preview", ADMIN, json=storm).get_json()
    assert [d["code"] for d in preview["dossiers"]] == [b]  # A is left alone, not listed as moved
    r = api.post("/api/v1/calendar/apply", ADMIN, json=storm)
    assert r.status_code == 200 and r.get_json()["moved"] == 1, r.get_json()
    d = shown(api, a)
    assert d["due_at"] == iso(2026, 11, 27, 9, 0) and late(app, a)
    assert open_tasks(api, HEAD, a)  # the head's apology letter is still to write
    assert shown(api, b)["due_at"] == iso(2026, 11, 30, 16, 30)
    sweep(app, settings, 2026, 11, 27, 9, 31)
    assert not late(app, b)


# -- 3. a same-day procedure whose day is declared off -------------------------------------------------------------
def test_a_same_day_dossier_whose_day_is_declared_off_that_morning_is_due_at_the_close_of_the_next_day(api, clock):
    """Same-day procedure received Thu 26/11/2026 10:00: due Thu 17:00 (D16). At 11:00 Thu 26/11 is declared
    off: received on a day off, due at the close of the next working day, Fri 27/11/2026 17:00."""
    deploy(api, duration="1", unit="same_day")
    code = received_at(api, clock, 2026, 11, 26, 10, 0)
    assert shown(api, code)["due_at"] == iso(2026, 11, 26, 17, 0)
    at(api, clock, 2026, 11, 26, 11, 0)
    r = api.post("/api/v1/calendar/apply", ADMIN, json=notice(("2026-11-26", "off", "Nghỉ tránh bão")))
    assert r.status_code == 200, r.get_json()
    assert shown(api, code)["due_at"] == iso(2026, 11, 27, 17, 0)


# -- 4. a day inside the extension of a calendar-day procedure ----------------------------------------------------
def test_a_day_off_inside_the_extension_of_a_calendar_day_procedure_moves_the_extended_due(api, clock):
    """15 calendar days received Mon 23/11/2026 09:00: due Tue 08/12 09:00; extended by 26 h 40 min of working
    time (the most, 1/3 of 15 days, D18) → Fri 11/12 13:40. Thu 10/12 made off: the same working time after the
    original due → Mon 14/12/2026 13:40."""
    deploy(api, duration="15", unit="calendar_day")
    code = received_at(api, clock, 2026, 11, 23, 9, 0)
    assert shown(api, code)["due_at"] == iso(2026, 12, 8, 9, 0)
    at(api, clock, 2026, 11, 25, 10, 0)
    api.act(SPECIALIST, code, "request_extension", {"working_hours": 26 + 40 / 60, "reason": "Xác minh thực địa"})
    api.act(DEPT_LEADER, code, "confirm_extension")
    assert api.act(DIRECTOR, code, "confirm_extension")["due_at"] == iso(2026, 12, 11, 13, 40)
    r = api.post("/api/v1/calendar/apply", ADMIN, json=notice(("2026-12-10", "off", "Nghỉ đột xuất")))
    assert r.status_code == 200 and r.get_json()["moved"] == 1, r.get_json()
    d = shown(api, code)
    assert d["due_at"] == iso(2026, 12, 14, 13, 40) and d["original_due_at"] == iso(2026, 12, 8, 9, 0)


# -- 5. the page's words ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_page_names_a_day_that_does_not_exist_the_row_typed_and_an_unknown_agency(app, clock):
    web = Web(app.test_client()).login(ADMIN)
    r = web.post("/quan-tri/lich/xem-truoc", {"year": "2027", "agency": ROOT, "lines": "31/02/2027 nghỉ Tết"},
                 status=422)
    assert "Dòng 1: ngày không có thật: 31/02/2027" in text_of(r)
    r = web.post("/quan-tri/lich/xem-truoc", {"year": "2027", "agency": ROOT, "lines": "", "from1": "2027-02-05",
                                              "to1": "2027-02-31", "kind1": "off", "name1": "Tết"}, status=422)
    assert "Dòng 1 của bảng: ngày không có thật: 2027-02-31" in text_of(r)
    typed = {"year": "2027", "agency": "nope", "lines": "2027-01-09 làm bù Làm bù thứ Bảy"}
    for path in ("/quan-tri/lich/xem-truoc", "/quan-tri/lich/ap-dung"):
        r = web.post(path, typed, status=422)
        assert "Không tìm thấy cơ quan" in text_of(r)
        assert "2027-01-09 làm bù Làm bù thứ Bảy</textarea>" in r.get_data(as_text=True)
