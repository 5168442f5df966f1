"""D18 for a procedure counted in calendar days (domain.md D13, D18): the extension may not exceed 1/3 of the
processing time *measured in working time*, and the processing time of a calendar-day procedure, in working
time, is the working time from the dossier's receipt to the due instant the procedure gives it — not the
number of calendar days read as working days.

The building-permit sample counts 15 calendar days. Received Mon 23/11/2026 09:00 (Tue 24/11/2026 is a public
holiday in the demo calendar) it is due Tue 08/12/2026 09:00: Mon 6 h (09:00–11:30, 13:30–17:00), Wed–Fri
24 h, Mon–Fri 40 h, Mon 8 h, Tue 2 h (07:00–09:00) = 80 h = 10 working days of working time; 1/3 of that is
26 h 40 min = 3 working days 2 hours 40 minutes. Five working days (40 h) were accepted before and moved the
due seven calendar days, to Tue 15/12/2026 09:00.
"""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from conftest import CITIZEN, SAMPLE, iso, vn
from web_support import Web, text_of

from engine.law import extension
from law_support import DAY, H, calendar

RECEIVER, SPECIALIST, DEPT_LEADER, DIRECTOR, ADMIN = ("demo.tiepnhan", "demo.chuyenvien", "demo.lanhdao",
                                                     "demo.giamdoc", "demo.admin")
REASON = "Xác minh thực địa"


@pytest.fixture
def backend():
    return "sqlite"


def deploy(api, duration: str, unit: str) -> None:
    """The sample procedure, counted in ``duration`` ``unit`` (the way the reviewer deployed the variant)."""
    xml = SAMPLE.read_text(encoding="utf-8")
    xml = xml.replace('<spiffworkflow:property name="duration" value="3" />',
                      f'<spiffworkflow:property name="duration" value="{duration}" />', 1)
    xml = xml.replace('<spiffworkflow:property name="durationUnit" value="working_day" />',
                      f'<spiffworkflow:property name="durationUnit" value="{unit}" />', 1)
    r = api.post("/api/v1/procedures", ADMIN, content_type="multipart/form-data",
                 data={"bpmn": (io.BytesIO(xml.encode()), SAMPLE.name)})
    assert r.status_code == 201, r.get_json()


def at(api, clock, *when) -> None:
    clock.set(vn(*when))
    api.tokens.clear()


def show(api, code: str) -> dict:
    r = api.get(f"/api/v1/dossiers/{code}", CITIZEN)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def attempt(api, user: str, code: str, data: dict):
    task = api.task_for(user, code)
    return api.post(f"/api/v1/tasks/{task['id']}/complete", user,
                    json={"action": "request_extension", "data": data})


def refused_d18(response) -> dict:
    assert response.status_code == 422, response.get_json()
    err = response.get_json()["error"]
    assert err["rule"] == "D18", err
    return err


def received_calendar_days(api, clock) -> str:
    deploy(api, "15", "calendar_day")
    at(api, clock, 2026, 11, 23, 9, 0)
    code = api.file(CITIZEN)["code"]
    api.act(RECEIVER, code, "receive")
    assert show(api, code)["due_at"] == iso(2026, 12, 8, 9, 0)
    at(api, clock, 2026, 11, 25, 10, 0)
    return code


def test_five_working_days_are_refused_for_fifteen_calendar_days_naming_the_maximum(api, clock):
    code = received_calendar_days(api, clock)
    for data in ({"working_days": 5, "reason": REASON}, {"working_days": 4, "reason": REASON},
                 {"working_hours": 26.75, "reason": REASON}):
        err = refused_d18(attempt(api, SPECIALIST, code, data))
        assert "1/3 thời hạn giải quyết: tối đa 3 ngày 2 giờ 40 phút làm việc" in err["message"], err
    after = show(api, code)
    assert after["due_at"] == iso(2026, 12, 8, 9, 0) and after["extensions"] == 0


def test_the_maximum_is_accepted_and_counts_from_the_original_due(api, clock):
    code = received_calendar_days(api, clock)
    api.act(SPECIALIST, code, "request_extension", {"working_hours": 26 + 40 / 60, "reason": REASON})
    at(api, clock, 2026, 11, 25, 11, 0)
    api.act(DEPT_LEADER, code, "confirm_extension")
    at(api, clock, 2026, 11, 25, 14, 0)
    done = api.act(DIRECTOR, code, "confirm_extension")
    # 26 h 40 min from Tue 08/12 09:00: Tue 6 h, Wed 8 h, Thu 8 h, Fri 07:00–11:30 and 13:30–13:40
    # → Fri 11/12/2026 13:40, three calendar days after the original due (5 working days reached Tue 15/12).
    assert done["due_at"] == iso(2026, 12, 11, 13, 40) and done["extensions"] == 1


def test_a_working_day_procedure_keeps_its_cap(api, clock):
    # The sample as shipped: 3 working days received Mon 23/11/2026 09:00 → due Fri 27/11/2026 09:00
    # (Tue 24 off); 1/3 is one working day.
    at(api, clock, 2026, 11, 23, 9, 0)
    code = api.file(CITIZEN)["code"]
    api.act(RECEIVER, code, "receive")
    assert show(api, code)["due_at"] == iso(2026, 11, 27, 9, 0)
    at(api, clock, 2026, 11, 25, 10, 0)
    err = refused_d18(attempt(api, SPECIALIST, code, {"working_days": 2, "reason": REASON}))
    assert "tối đa 1 ngày làm việc" in err["message"], err
    api.act(SPECIALIST, code, "request_extension", {"working_days": 1, "reason": REASON})
    api.act(DEPT_LEADER, code, "confirm_extension")
    done = api.act(DIRECTOR, code, "confirm_extension")
    assert done["due_at"] == iso(2026, 11, 30, 9, 0) and done["extensions"] == 1


def test_the_task_page_shows_the_dossiers_maximum(app, api, clock):
    code = received_calendar_days(api, clock)
    specialist = Web(app.test_client()).login(SPECIALIST)
    page = text_of(specialist.get(f"/can-bo/cong-viec/{specialist.task_id(code)}"))
    # D18's timing rule stays for 15 calendar days: at least one working day before the due.
    assert ("Tối đa 3 ngày 2 giờ 40 phút làm việc (1/3 thời hạn giải quyết), chỉ một lần, "
            "chậm nhất 1 ngày làm việc trước hạn") in page
    r = specialist.act(code, "request_extension", {"amount": "5", "unit": "working_days", "reason": REASON},
                       status=422)
    refusal = text_of(r)
    assert ("Chỉ được gia hạn một lần, tối đa 3 ngày 2 giờ 40 phút làm việc "
            "(1/3 thời hạn giải quyết)") in refusal
    assert "tối đa 5 ngày" not in refusal


# -- the law itself ------------------------------------------------------------------------------------
FIFTEEN = {"value": 15, "unit": "calendar_day"}


def test_the_cap_of_calendar_days_is_a_third_of_the_working_time_they_span():
    cal = calendar()
    received = vn(2026, 11, 23, 9, 0)
    assert cal.due(received, 15, "calendar_day") == vn(2026, 12, 8, 9, 0)
    assert extension.processing_time(cal, FIFTEEN, received) == 10 * DAY
    assert extension.cap(cal, FIFTEEN, received) == 3 * DAY + 2 * H + timedelta(minutes=40)
    assert not extension.is_short(cal, FIFTEEN, received)
    # Never more than the working time 1/3 of the calendar days could hold (5 working days for 15).
    for day in range(1, 29):
        assert extension.cap(cal, FIFTEEN, vn(2026, 2, day, 9, 0)) <= 5 * DAY
    # Without the dossier's receipt (no dossier at hand), the bound stays: 15 calendar days → 5 working days.
    assert extension.cap(cal, FIFTEEN) == 5 * DAY
    # The other units do not depend on the dossier.
    for duration, cap in (({"value": 15, "unit": "working_day"}, 5 * DAY),
                          ({"value": 3, "unit": "working_day"}, DAY),
                          ({"value": 1, "unit": "same_day"}, timedelta(hours=2, minutes=40)),
                          ({"value": 6, "unit": "working_hour"}, 2 * H)):
        assert extension.cap(cal, duration, received) == extension.cap(cal, duration) == cap


def test_two_calendar_days_over_a_weekend_are_one_working_day_so_the_extension_is_made_before_the_due():
    # Received Fri 27/11/2026 09:00, 2 calendar days end on Sunday → due Mon 30/11/2026 09:00: Fri 6 h and Mon
    # 2 h, one working day. D18's "at least one working day before the due" is for a processing time
    # longer than one working day; this one is extended before the due instant, by at most 2 h 40 min.
    cal = calendar()
    two = {"value": 2, "unit": "calendar_day"}
    received, due = vn(2026, 11, 27, 9, 0), vn(2026, 11, 30, 9, 0)
    assert cal.due(received, 2, "calendar_day") == due
    assert extension.is_short(cal, two, received)
    assert extension.cap(cal, two, received) == timedelta(hours=2, minutes=40)
    assert extension.in_time(cal, two, due, due - timedelta(minutes=1), received)
    # Received Wed 25/11/2026 09:00 → due Fri 27/11/2026 09:00: two working days, the one-day rule holds.
    received, due = vn(2026, 11, 25, 9, 0), vn(2026, 11, 27, 9, 0)
    assert not extension.is_short(cal, two, received)
    assert extension.cap(cal, two, received) == timedelta(hours=5, minutes=20)
    assert not extension.in_time(cal, two, due, vn(2026, 11, 26, 9, 1), received)


def test_two_calendar_days_over_a_weekend_extended_and_confirmed_before_the_due(api, clock):
    deploy(api, "2", "calendar_day")
    at(api, clock, 2026, 11, 27, 9, 0)
    code = api.file(CITIZEN)["code"]
    api.act(RECEIVER, code, "receive")
    assert show(api, code)["due_at"] == iso(2026, 11, 30, 9, 0)
    at(api, clock, 2026, 11, 30, 7, 30)
    err = refused_d18(attempt(api, SPECIALIST, code, {"working_hours": 3, "reason": REASON}))
    assert "tối đa 2 giờ 40 phút làm việc" in err["message"], err
    api.act(SPECIALIST, code, "request_extension", {"working_hours": 2, "reason": REASON})
    at(api, clock, 2026, 11, 30, 8, 0)
    api.act(DEPT_LEADER, code, "confirm_extension")
    at(api, clock, 2026, 11, 30, 8, 30)
    done = api.act(DIRECTOR, code, "confirm_extension")
    assert done["due_at"] == iso(2026, 11, 30, 11, 0) and done["extensions"] == 1
