"""What the law asks to be said, said with something visible: a refusal's reasons (D8, Mẫu 03), a supplement
request's items (D10, Mẫu 02), a withdrawal's or a stop's reason and a holiday's name made of zero-width spaces
(U+200B) passed as "not blank" and printed nothing. An extension asked in a number too small for a timedelta
(1e-300 hours) became one of no time that used up the dossier's only re-appointment (D18). A filing's email made
of "@@@" passed the form's ``format: email`` while the citizen's account refused it."""
from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import CITIZEN, OFFICERS, SAMPLE_FORM, iso, vn

from engine.law import extension
from law_support import calendar

ZW = "\u200b\u200b\u200b\u200b"
SPECIALIST, DEPT_LEADER, ADMIN = "demo.chuyenvien", "demo.lanhdao", "demo.admin"


def _complete(api, user, code, action, data):
    task = api.task_for(user, code)
    return api.post(f"/api/v1/tasks/{task['id']}/complete", user, json={"action": action, "data": data})


def _blank(response, field: str) -> None:
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["fields"].get(field) == "Không được để trống", response.get_json()


def test_reasons_of_zero_width_spaces_are_blank(api):
    code = api.file()["code"]
    _blank(_complete(api, OFFICERS["intake"], code, "refuse", {"reasons": [ZW]}), "reasons.0")
    _blank(_complete(api, OFFICERS["intake"], code, "refuse", {"reasons": ["\u200b \ufeff\u2060"]}), "reasons.0")
    item = {"component": "Giấy đề nghị", "problem": ZW, "required": "Ký lại"}
    _blank(_complete(api, OFFICERS["intake"], code, "request_supplement", {"items": [item]}), "items.0.problem")
    _blank(api.post(f"/api/v1/dossiers/{code}/withdraw", CITIZEN, json={"reason": ZW}), "reason")
    _blank(api.post(f"/api/v1/dossiers/{code}/stop", OFFICERS["intake"], json={"reason": ZW}), "reason")
    # three characters a person sees are still a reason; hidden ones do not count towards them
    short = _complete(api, OFFICERS["intake"], code, "refuse", {"reasons": ["ab\u200b\u200b"]})
    assert short.status_code == 422 and short.get_json()["error"]["fields"]["reasons.0"].startswith("Quá ngắn")
    assert api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()["status"] == 1  # nothing happened
    done = _complete(api, OFFICERS["intake"], code, "refuse", {"reasons": ["Ngành nghề cấm kinh doanh"]})
    assert done.status_code == 200, done.get_json()


def test_a_holiday_needs_a_name_a_day_that_exists_and_one_way_of_giving_its_days(api):
    def preview(row):
        return api.post("/api/v1/calendar/preview", ADMIN, json={"agency": "000.00.06.H56", "days": [row]})

    r = preview({"day": "2026-12-10", "kind": "off", "name": "\u200b\u200b"})
    assert r.status_code == 422 and "cần tên theo thông báo" in r.get_json()["error"]["message"], r.get_json()
    r = preview({"day": "2026-02-30", "kind": "off", "name": "Nghỉ bù"})
    assert r.status_code == 422 and "ngày không có thật: 2026-02-30" in r.get_json()["error"]["message"], r.get_json()
    r = preview({"day": "20261210", "kind": "off", "name": "Nghỉ bù"})
    assert r.status_code == 422 and "YYYY-MM-DD" in r.get_json()["error"]["message"], r.get_json()
    r = preview({"day": "2026-12-10", "from": "2026-12-11", "to": "2026-12-12", "kind": "off", "name": "Nghỉ bù"})
    assert r.status_code == 422 and "cần day (hoặc from, to" in r.get_json()["error"]["message"], r.get_json()
    ok = preview({"day": "2026-12-10", "kind": "off", "name": "Nghỉ bù"})
    assert ok.status_code == 200, ok.get_json()


def test_an_extension_asked_in_a_vanishing_number_is_one_minute_not_none():
    cal = calendar()
    assert extension.requested_amount({"working_hours": 1e-300}, cal) == timedelta(minutes=1)
    assert extension.requested_amount({"working_days": 1e-300}, cal) == timedelta(minutes=1)
    assert extension.requested_amount({"working_hours": 26 + 40 / 60}, cal) == timedelta(hours=26, minutes=40)
    assert extension.requested_amount({"working_days": 1}, cal) == timedelta(hours=8)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_leader_is_asked_to_confirm_a_minute_not_nothing(api, clock):
    # Received Mon 23/11/2026 09:00, the sample's 3 working days (Tue 24 off) → due Fri 27/11/2026 09:00.
    clock.set(vn(2026, 11, 23, 9, 0))
    code = api.file()["code"]
    api.act(OFFICERS["intake"], code, "receive")
    clock.set(vn(2026, 11, 25, 10, 0))
    api.act(SPECIALIST, code, "request_extension", {"working_hours": 1e-300, "reason": "Xác minh thêm"})
    api.act(DEPT_LEADER, code, "confirm_extension")
    done = api.act("demo.giamdoc", code, "confirm_extension")
    assert done["extensions"] == 1 and done["due_at"] == iso(2026, 11, 27, 9, 1), done["due_at"]


@pytest.mark.parametrize("email", ["@@@", "abc@", "a@b", "khong phai email"])
@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_filings_email_is_an_address(api, email):
    r = api.post("/api/v1/dossiers", CITIZEN, json={"procedure": "1.001612", "form": {**SAMPLE_FORM, "email": email}})
    assert r.status_code == 422, r.get_json()
    assert r.get_json()["error"]["fields"] == {"email": "Địa chỉ email không hợp lệ"}, r.get_json()


def test_the_calendar_refusals_read_in_english(app):
    from engine.web import calendar_words

    message = ("Thông báo lịch có dòng không hợp lệ: days.0: ngày không có thật: 2026-02-30; days.1: ngày phải theo "
               "dạng YYYY-MM-DD; days.2: cần day (hoặc from, to: YYYY-MM-DD), kind và name")
    with app.test_request_context("/"):
        from flask import session
        session["lang"] = "en"
        said = calendar_words.refusal(message)
    assert said == ("The calendar notice has lines that cannot be read: days.0: no such day: 2026-02-30; days.1: a day "
                    "is written YYYY-MM-DD; days.2: day (or from, to: YYYY-MM-DD), kind and name are needed"), said
