"""D14: an agency's office hours are configurable; the legal clock counts one working day for the agency, Monday to
Friday (D16: a working-day deadline keeps the clock time of intake). An administrator who closed the ward on Friday
afternoon (Fri 07:00-11:30 only) was answered 200 and shown the hours, while every deadline went on counting Friday
afternoon: filed Fri 27/11/2026 11:00, the intake was due that afternoon at 14:00, when the ward was closed. Hours
that differ between weekdays are now refused (422) and nothing changes; Saturday and Sunday hours stay accepted
(shown to citizens, never counted: only a declared make-up Saturday works, with the weekdays' hours)."""
from __future__ import annotations

import pytest

from conftest import CITIZEN, SAMPLE_CODE, SAMPLE_FORM, iso, vn
from engine.data import calendars

ADMIN, WARD = "demo.admin", "000.00.06.H56"
DAY = ["07:00-11:30", "13:30-17:00"]


@pytest.fixture(autouse=True)
def fresh_cache(monkeypatch):
    monkeypatch.setattr(calendars.time, "monotonic", lambda: 1000.0)
    calendars.forget_overrides()
    yield
    calendars.forget_overrides()


def patch_hours(api, hours):
    return api.client.patch(f"/api/v1/agencies/{WARD}", headers=api.headers(ADMIN), json={"office_hours": hours})


def test_a_friday_with_other_hours_is_refused_and_the_deadlines_keep_the_ward_s_hours(api, clock):
    clock.set(vn(2026, 11, 26, 9, 0))
    before = api.client.get(f"/api/v1/agencies/{WARD}", headers=api.headers(ADMIN)).get_json()["office_hours"]
    short_friday = {**{day: DAY for day in ("mon", "tue", "wed", "thu")}, "fri": ["07:00-11:30"]}
    r = patch_hours(api, short_friday)
    assert r.status_code == 422, r.get_json()
    error = r.get_json()["error"]
    assert list(error["fields"]) == ["office_hours"]
    assert "giống nhau từ thứ Hai đến thứ Sáu" in error["fields"]["office_hours"]
    assert api.client.get(f"/api/v1/agencies/{WARD}", headers=api.headers(ADMIN)).get_json()["office_hours"] == before
    # a weekday left empty (closed) is other hours too
    assert patch_hours(api, {"mon": DAY, "tue": []}).status_code == 422

    # Fri 27/11/2026 11:00 filed online: 30 minutes to 11:30, the other 30 from 13:30 (D7, the hours it keeps)
    clock.set(vn(2026, 11, 27, 11, 0))
    api.tokens.clear()
    filed = api.post("/api/v1/dossiers", CITIZEN, json={"procedure": SAMPLE_CODE, "form": SAMPLE_FORM}).get_json()
    assert filed["intake_due_at"] == iso(2026, 11, 27, 14, 0)


def test_the_same_weekday_hours_with_a_saturday_desk_are_taken(api, clock):
    clock.set(vn(2026, 11, 26, 9, 0))
    hours = {**{day: ["07:30-11:30", "13:30-17:30"] for day in ("mon", "tue", "wed", "thu", "fri")},
             "sat": ["07:30-11:30"]}
    r = patch_hours(api, hours)
    assert r.status_code == 200 and r.get_json()["office_hours"] == hours, r.get_json()
    # Fri 27/11/2026 17:15: 15 minutes to 17:30, then Saturday counts nothing, Mon 30/11 07:30 + 45 min (D7, D14)
    clock.set(vn(2026, 11, 27, 17, 15))
    api.tokens.clear()
    filed = api.post("/api/v1/dossiers", CITIZEN, json={"procedure": SAMPLE_CODE, "form": SAMPLE_FORM}).get_json()
    assert filed["intake_due_at"] == iso(2026, 11, 30, 8, 15)


@pytest.mark.parametrize("hours, said", [
    ({"sun": ["07:00-11:00"]}, "phải ghi giờ của các ngày thứ Hai đến thứ Sáu"),  # the weekdays kept the default
    ({"sat": ["07:30-11:30"], "sun": ["07:30-11:30"]}, "phải ghi giờ của các ngày thứ Hai đến thứ Sáu"),
    ({day: ["07:00-07:01"] for day in ("mon", "tue", "wed", "thu", "fri")}, "phải từ 4 giờ trở lên"),
    ({"mon": ["07:00-08:00", "13:00-15:59"]}, "phải từ 4 giờ trở lên"),  # 3 h 59 min
])
def test_hours_without_the_weekdays_or_shorter_than_half_a_day_are_refused(api, clock, hours, said):
    """A Sunday alone was saved and shown as the ward's hours while the weekdays kept the default ones; a one-minute
    day was saved, and counting 29,200 working hours on it then took 32 s of CPU."""
    before = api.client.get(f"/api/v1/agencies/{WARD}", headers=api.headers(ADMIN)).get_json()["office_hours"]
    r = patch_hours(api, hours)
    assert r.status_code == 422 and said in r.get_json()["error"]["fields"]["office_hours"], r.get_json()
    assert api.client.get(f"/api/v1/agencies/{WARD}", headers=api.headers(ADMIN)).get_json()["office_hours"] == before


def test_a_half_day_on_the_weekdays_is_taken(api, clock):
    hours = {day: ["07:30-11:30"] for day in ("mon", "tue", "wed", "thu", "fri")}
    r = patch_hours(api, hours)
    assert r.status_code == 200 and r.get_json()["office_hours"] == hours, r.get_json()
