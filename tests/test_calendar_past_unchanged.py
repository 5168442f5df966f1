"""D15: "the administrator can override each year from the official notice". A notice entered after some of its days
have passed is taken when those days stay as they were (worked or off): only a change to whether a past day is
worked is refused (the deadlines over it were told and judged).

- Tue 10/03/2026 09:00 the ward enters the year's notice: 01/01/2026 off "Tết Dương lịch" (a holiday the
  calendar has already) and 27/04/2026 off "Nghỉ bù Giỗ Tổ": taken (preview and apply, API and page).
- Sat 20/12/2025 it made 02/01/2026 off "Nghi bu"; Tue 10/03/2026 it corrects the name only: taken.
- Tue 10/03/2026 making Mon 02/03/2026 a day off is still refused: that day was worked.
"""
from __future__ import annotations

from test_calendar_changes_running import ADMIN, ROOT, at, cli_clock  # noqa: F401 (cli_clock: a fixture)
from web_support import Web, text_of


def days(*rows):
    return [{"day": d, "kind": k, "name": n} for d, k, n in rows]


NOTICE = {"agency": ROOT, "year": 2026, "days": days(("2026-01-01", "off", "Tết Dương lịch"),
                                                      ("2026-04-27", "off", "Nghỉ bù Giỗ Tổ"))}


def test_the_years_notice_entered_in_march_with_new_years_day_is_taken(api, clock):
    at(api, clock, 2026, 3, 10, 9, 0)
    for step in ("preview", "apply"):
        r = api.post(f"/api/v1/calendar/{step}", ADMIN, json=NOTICE)
        assert r.status_code == 200, r.get_json()
    assert api.get("/api/v1/calendar?year=2026&agency=" + ROOT, ADMIN).status_code == 200


def test_a_past_days_name_is_corrected_but_a_worked_day_is_not_made_off(api, clock):
    at(api, clock, 2025, 12, 20, 9, 0)
    r = api.post("/api/v1/calendar/apply", ADMIN, json={"agency": ROOT, "days": days(("2026-01-02", "off", "Nghi bu"))})
    assert r.status_code == 200, r.get_json()
    at(api, clock, 2026, 3, 10, 9, 0)
    r = api.post("/api/v1/calendar/apply", ADMIN,
                 json={"agency": ROOT, "days": days(("2026-01-02", "off", "Nghỉ bù Tết Dương lịch"))})
    assert r.status_code == 200, r.get_json()
    r = api.post("/api/v1/calendar/preview", ADMIN, json={"agency": ROOT, "days": days(("2026-03-02", "off", "Bão"))})
    assert r.status_code == 422 and "2026-03-02" in r.get_json()["error"]["message"], r.get_json()


def test_the_page_takes_the_notice_pasted_in_march(app, api, clock):
    at(api, clock, 2026, 3, 10, 9, 0)
    web = Web(app.test_client()).login(ADMIN)
    form = {"year": "2026", "agency": ROOT,
            "lines": "2026-01-01 nghỉ Tết Dương lịch\n2026-04-27 nghỉ Nghỉ bù Giỗ Tổ Hùng Vương"}
    page = text_of(web.post("/quan-tri/lich/xem-truoc", form, status=200))
    assert "Không sửa được ngày đã qua" not in page
