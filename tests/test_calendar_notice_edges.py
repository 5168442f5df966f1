"""The administrator's calendar notice while dossiers are open, at its edges (D15, D16, D19).

- A deadline counted again after a day was declared off kept the working time left but ended a working period
  (Thu 17:00) where the count itself gives the start of the next one (Fri 07:00, D16's clock time of intake):
  the overdue sweep at Thu 18:00 then judged late a dossier in time, and opened an apology letter.
- The province's notice for a year left its dossiers, the calendar API and the citizen's page marked
  "provisional" (counted on the package's guess), as if no notice had come.
- A notice of many overlapping ranges, or one long line pasted on the page, took seconds (quadratic work) to be
  refused; the page's refusals stayed Vietnamese on the English page.
"""
from __future__ import annotations

import time
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from conftest import CITIZEN, vn
from engine import timers
from engine.core.calendar import Override, load_config, moved
from engine.core.settings import load_settings
from engine.data import calendars
from engine.data.model import WorkItem
from test_calendar_notices import ADMIN, RECEIVER, province, row  # noqa: F401  (province: the fixture)
from web_support import Web, text_of

CASES = [  # (received, working days, the day changed, its new kind)
    (vn(2027, 3, 1, 7, 0), 3, date(2027, 3, 3), "off"),  # received at 07:00 sharp
    (vn(2027, 3, 1, 13, 30), 3, date(2027, 3, 3), "off"),  # at 13:30 sharp
    (vn(2027, 3, 1, 12, 0), 3, date(2027, 3, 3), "off"),  # over lunch
    (vn(2027, 3, 1, 7, 0), 3, date(2027, 3, 3), "not_off"),  # nothing changes
    (vn(2027, 3, 5, 16, 0), 1, date(2027, 3, 6), "working"),  # Friday after the cut-off, a make-up Saturday
    (vn(2027, 3, 5, 10, 0), 1, date(2027, 3, 6), "working"),
    (vn(2027, 2, 1, 7, 0), 3, date(2027, 2, 2), "off"),
    (vn(2027, 1, 29, 13, 30), 3, date(2027, 2, 3), "off"),  # the Friday before Tết
]


@pytest.mark.parametrize("received, days, changed, kind", CASES)
def test_a_deadline_counted_again_is_the_count_the_new_calendar_gives(received, days, changed, kind):
    config = load_config(load_settings().calendar_file)
    old, new = config.calendar(), config.calendar(extra=[Override(changed, kind, "Thông báo")])
    due = old.due(received, days, "working_day")
    before = vn(changed.year, changed.month, changed.day, 9, 0) - timedelta(days=1)  # the notice, the day before
    assert moved(old, new, due, received, changed, "working_day", days, before) == new.due(received, days, "working_day")


def test_received_at_seven_a_day_declared_off_keeps_it_due_at_seven_and_in_time(api, app, clock, province):  # noqa: F811
    clock.set(vn(2027, 3, 1, 6, 50))  # Mon 01/03/2027
    code = api.file(CITIZEN)["code"]
    clock.set(vn(2027, 3, 1, 7, 0))
    api.act(RECEIVER, code, "receive")
    assert row(app, code).due_at == vn(2027, 3, 4, 7, 0)  # 3 working days: Thu 07:00
    clock.set(vn(2027, 3, 2, 9, 0))  # Tuesday: Wednesday is declared a day off (a storm)
    r = api.post("/api/v1/calendar/apply", ADMIN, json={"days": [{"day": "2027-03-03", "kind": "off", "name": "bão"}]})
    assert r.status_code == 200, r.get_json()
    calendars.forget_overrides()
    assert row(app, code).due_at == vn(2027, 3, 5, 7, 0)  # Fri 07:00, as a receipt on Monday 07:00 would count
    timers.sweep(app.extensions["tthc"]["sessions"], app.extensions["tthc"]["settings"], vn(2027, 3, 4, 18, 0))
    assert not row(app, code).late  # Thursday evening: in time
    with app.extensions["tthc"]["sessions"]() as session:
        assert not session.scalars(select(WorkItem).where(WorkItem.step == "apology")).all()


def test_the_provinces_notice_for_a_year_ends_its_provisional_mark(api, app, clock, province):  # noqa: F811
    clock.set(vn(2027, 1, 4, 9, 0))  # Mon 04/01/2027: 2027 has no notice in the calendar file
    code = api.file(CITIZEN)["code"]
    api.act(RECEIVER, code, "receive")
    assert api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()["due_provisional"] is True
    assert api.get("/api/v1/calendar?year=2027", ADMIN).get_json()["provisional"] is True
    # a ward's own notice for the year is not the province's official one
    ward = {"agency": "000.00.31.H56", "year": 2027, "days": [{"day": "2027-03-06", "kind": "working", "name": "Bù"}]}
    assert api.post("/api/v1/calendar/apply", "admin.a", json=ward).status_code == 200
    calendars.forget_overrides()
    assert api.get("/api/v1/calendar?year=2027", ADMIN).get_json()["provisional"] is True
    notice = {"year": 2027, "days": [{"from": "2027-02-05", "to": "2027-02-09", "kind": "off", "name": "Tết"}]}
    r = api.post("/api/v1/calendar/apply", ADMIN, json=notice)
    assert r.status_code == 200, r.get_json()
    calendars.forget_overrides()
    assert api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()["due_provisional"] is False
    assert api.get("/api/v1/calendar?year=2027", ADMIN).get_json()["provisional"] is False
    assert api.get("/api/v1/calendar?year=2028", ADMIN).get_json()["provisional"] is True
    # the same notice again changes no day and stays recorded
    assert api.post("/api/v1/calendar/apply", ADMIN, json=notice).get_json()["already_applied"] is True
    assert api.get("/api/v1/calendar?year=2027", ADMIN).get_json()["provisional"] is False


def test_a_notice_of_more_days_than_a_year_is_refused_as_it_is_read(api, app, clock, province):  # noqa: F811
    clock.set(vn(2027, 1, 4, 9, 0))
    month = {"from": "2027-03-01", "to": "2027-03-31", "kind": "off", "name": "Lặp"}
    r = api.post("/api/v1/calendar/apply", ADMIN, json={"days": [month] * 600})  # 18,600 days, one month 600 times
    assert r.status_code == 422, r.get_json()
    assert r.get_json()["error"]["message"] == "Tối đa 366 ngày một lần"  # not read whole, then compared
    web = Web(app.test_client()).login(ADMIN)
    lines = "\n".join("2027-03-01..2027-03-31 nghỉ Lặp" for _ in range(600))
    page = text_of(web.post("/quan-tri/lich/xem-truoc", {"year": "", "agency": "", "lines": lines}, status=422))
    assert "Tối đa 366 ngày một lần" in page


def test_a_line_with_long_runs_of_spaces_reads_as_one_space(app):
    from engine.cases import calendar_notices

    [line] = calendar_notices.parse("06/03/2027" + " " * 6000 + "làm bù" + "\t" * 50 + "Làm  bù   thứ Bảy")
    assert (line.day, line.kind, line.name) == (date(2027, 3, 6), "working", "Làm bù thứ Bảy")
    with pytest.raises(calendar_notices.Invalid):
        calendar_notices.parse("2027-02-02" + " " * 6000 + "x")


def test_the_english_calendar_page_says_its_refusals_in_english(app, clock, province):  # noqa: F811
    clock.set(vn(2027, 1, 4, 9, 0))
    web = Web(app.test_client()).login(ADMIN)
    web.post("/ngon-ngu", {"lang": "en"})
    cases = [("2027-02-31 nghỉ Tết", "Line 1: no such day: 2027-02-31"),
             ("hôm nay nghỉ", "Line 1: expected 'day [to day] kind name'"),
             ("2027-03-01 nghỉ A\n2027-03-01 nghỉ B", "A day is on two lines")]
    for lines, english in cases:
        page = text_of(web.post("/quan-tri/lich/xem-truoc", {"year": "", "agency": "", "lines": lines}, status=422))
        assert english in page, page
        assert "Dòng 1" not in page and "Một ngày có hai dòng" not in page
    page = text_of(web.post("/quan-tri/lich/xem-truoc", {"year": "2027", "agency": "", "lines": "2026-12-31 nghỉ A"},
                            status=422))
    assert "Every day must be in 2027" in page
    for form, english in (({"year": "abc", "agency": ""}, "Invalid parameter"),
                          ({"year": "", "agency": "KHONG.CO"}, "No such agency")):
        page = text_of(web.post("/quan-tri/lich/xem-truoc", {**form, "lines": "2027-03-01 nghỉ A"}, status=None))
        assert english in page and "Tham số không hợp lệ" not in page and "Không tìm thấy cơ quan" not in page


def test_the_calendar_api_answers_only_the_years_the_working_calendar_holds(api, app, clock, province):  # noqa: F811
    """GET /api/v1/calendar?year=2500 said 200 with no day off (read as "no holiday that year"), where `tthc
    calendar day 2500-01-01` refuses: the working calendar holds 1976 to 2100 (engine.core.calendar)."""
    for year in ("1975", "1900", "2101", "2500"):
        r = api.get(f"/api/v1/calendar?year={year}", ADMIN)
        assert r.status_code == 422 and "year" in r.get_json()["error"]["fields"], (year, r.get_json())
    for year in ("1976", "2100"):
        r = api.get(f"/api/v1/calendar?year={year}", ADMIN)
        assert r.status_code == 200 and r.get_json()["year"] == int(year)
        assert any(d["day"] == f"{year}-01-01" for d in r.get_json()["days"])  # New Year's Day, off
