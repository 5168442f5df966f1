"""Legal defects of issue #10, end to end through the JSON API on real SQLite and PostgreSQL: a third
supplement request (D10, D11), same-day procedures (D16), extensions of short procedures (D18). Each of these
tests failed before its fix. Expected instants are worked out by hand in the comments (office hours 07:00–11:30
and 13:30–17:00, cut-off 15:00). The engine's own answers are tested in tests/test_law_*.py.
"""
from __future__ import annotations

import io
import re
from datetime import datetime

import pytest

from conftest import Api, CITIZEN, SAMPLE, SAMPLE_FORM, STEP_DATA, iso, settings_with_keys, vn
from engine.core.clock import VN_TZ

RECEIVER, SPECIALIST, DEPT_LEADER, DIRECTOR = "demo.tiepnhan", "demo.chuyenvien", "demo.lanhdao", "demo.giamdoc"
ADMIN = "demo.admin"
KEYS_ISSUED = datetime(2027, 1, 2, 8, 0, tzinfo=VN_TZ)


@pytest.fixture(scope="module")
def pki_2027(tmp_path_factory):
    """Signing keys valid on this file's virtual dates (2027)."""
    return tmp_path_factory.mktemp("pki-2027")


@pytest.fixture
def settings(database_url, tmp_path, pki_2027):
    return settings_with_keys(tmp_path / "data", database_url, pki_2027, KEYS_ISSUED)


def refused(response, status: int, rule: str) -> dict:
    text = response.get_data(as_text=True)
    assert response.status_code == status, (response.status_code, text[:500])
    err = response.get_json()["error"]
    assert err.get("rule") == rule, err
    return err


def attempt(api: Api, user: str, code: str, action: str, data: dict | None = None):
    task = api.task_for(user, code)
    return api.post(f"/api/v1/tasks/{task['id']}/complete", user, json={"action": action, "data": data or {}})


def show(api: Api, code: str) -> dict:
    r = api.get(f"/api/v1/dossiers/{code}", CITIZEN)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def variant(code: str, duration: str | None, unit: str) -> bytes:
    """The sample procedure under another code with another processing time."""
    xml = SAMPLE.read_text(encoding="utf-8").replace('value="1.001612"', f'value="{code}"')
    xml = re.sub(r'\s*<spiffworkflow:property name="duration" value="3" />', "", xml)
    xml = xml.replace('<spiffworkflow:property name="durationUnit" value="working_day" />',
                      (f'<spiffworkflow:property name="duration" value="{duration}" />' if duration else "") +
                      f'<spiffworkflow:property name="durationUnit" value="{unit}" />')
    return xml.encode()


def deploy(api: Api, code: str, duration: str | None, unit: str) -> dict:
    r = api.post("/api/v1/procedures", ADMIN, content_type="multipart/form-data",
                 data={"bpmn": (io.BytesIO(variant(code, duration, unit)), f"{code}.bpmn")})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def file_and_receive(api: Api, clock, procedure: str, filed: datetime, received: datetime) -> dict:
    clock.set(filed)
    r = api.post("/api/v1/dossiers", CITIZEN, json={"procedure": procedure, "form": SAMPLE_FORM})
    assert r.status_code == 201, r.get_json()
    clock.set(received)
    return api.act(RECEIVER, r.get_json()["code"], "receive")


def supplement(api: Api, clock, code: str, at: datetime) -> None:
    clock.set(at)
    r = api.post(f"/api/v1/dossiers/{code}/supplement", CITIZEN, json={"form": SAMPLE_FORM, "note": "Đã bổ sung"})
    assert r.status_code == 200, r.get_json()


# -- D10, D11: never a third supplement request -----------------------------------------------------------
def test_a_third_supplement_request_is_refused_whatever_its_reason(api, clock):
    clock.set(vn(2027, 3, 1, 9, 0))
    code = api.file(CITIZEN)["code"]
    clock.set(vn(2027, 3, 1, 9, 30))
    api.act(RECEIVER, code, "request_supplement", STEP_DATA["request_supplement"])
    supplement(api, clock, code, vn(2027, 3, 1, 10, 0))
    clock.set(vn(2027, 3, 1, 10, 30))
    unmet = [STEP_DATA["request_supplement"]["items"][0]["component"]]
    second = api.act(RECEIVER, code, "request_supplement", {
        **STEP_DATA["request_supplement"],
        "second_reason": {"kind": "applicant_not_compliant", "unmet_items": unmet, "explanation": "Vẫn thiếu"}})
    assert second["supplement_requests"] == 2
    supplement(api, clock, code, vn(2027, 3, 1, 11, 0))
    clock.set(vn(2027, 3, 1, 13, 30))
    for reason in ({"kind": "other", "explanation": "Lần trước hướng dẫn chưa rõ"},
                   {"kind": "applicant_not_compliant", "unmet_items": unmet, "explanation": "Vẫn thiếu"}):
        err = refused(attempt(api, RECEIVER, code, "request_supplement",
                              {**STEP_DATA["request_supplement"], "second_reason": reason}), 422, "D10")
        assert "thứ ba" in err["message"]
    after = show(api, code)
    assert after["supplement_requests"] == 2 and after["status"] == 1 and after["letters"] == []
    assert [d["kind"] for d in after["documents"]].count("supplement_request") == 2  # no third Mẫu 02


# -- D16: same-day procedures --------------------------------------------------------------------------------
def test_a_same_day_procedure_deploys_and_is_due_at_the_close_of_the_day_or_of_the_next(api, clock):
    assert deploy(api, "1.001193", None, "same_day")["code"] == "1.001193"
    listed = api.get("/api/v1/procedures/1.001193").get_json()
    assert listed["duration"] == {"value": 1, "unit": "same_day"}
    # Received Mon 01/03/2027 14:59, before 15:00 → due at the close of that day, 17:00.
    before = file_and_receive(api, clock, "1.001193", vn(2027, 3, 1, 14, 0), vn(2027, 3, 1, 14, 59))
    assert before["due_at"] == before["original_due_at"] == iso(2027, 3, 1, 17, 0)
    # Received Mon 01/03/2027 15:01 → due at the close of the next working day, Tue 02/03 17:00.
    after = file_and_receive(api, clock, "1.001193", vn(2027, 3, 1, 14, 30), vn(2027, 3, 1, 15, 1))
    assert after["due_at"] == iso(2027, 3, 2, 17, 0)


def test_a_same_day_procedure_with_another_figure_does_not_validate(api):
    r = api.post("/api/v1/procedures", ADMIN, content_type="multipart/form-data",
                 data={"bpmn": (io.BytesIO(variant("1.001194", "2", "same_day")), "x.bpmn")})
    assert r.status_code == 422 and "same_day" in r.get_data(as_text=True)


# -- D18: extensions of procedures of at most one working day -------------------------------------------------
def test_a_one_working_day_procedure_extends_before_the_due_instant(api, clock):
    deploy(api, "1.001195", "1", "working_day")
    # Received Mon 01/03/2027 09:00 → due Tue 02/03/2027 09:00; cap 2 h 40 min.
    code = file_and_receive(api, clock, "1.001195", vn(2027, 3, 1, 8, 30), vn(2027, 3, 1, 9, 0))["code"]
    # Mon 10:00 is 7 working hours before the due: less than a working day, still before the due instant.
    clock.set(vn(2027, 3, 1, 10, 0))
    api.act(SPECIALIST, code, "request_extension", {"working_hours": 2, "reason": "Cần xác minh thêm"})
    clock.set(vn(2027, 3, 1, 10, 30))
    api.act(DEPT_LEADER, code, "confirm_extension")
    clock.set(vn(2027, 3, 2, 8, 59))
    extended = api.act(DIRECTOR, code, "confirm_extension")
    # 2 working hours from the original due, Tue 09:00 → 11:00.
    assert extended["extensions"] == 1 and extended["due_at"] == iso(2027, 3, 2, 11, 0)


def test_a_one_working_day_procedure_cannot_extend_at_its_due_instant(api, clock):
    deploy(api, "1.001196", "1", "working_day")
    code = file_and_receive(api, clock, "1.001196", vn(2027, 3, 1, 8, 30), vn(2027, 3, 1, 9, 0))["code"]
    clock.set(vn(2027, 3, 2, 9, 0))
    err = refused(attempt(api, SPECIALIST, code, "request_extension",
                          {"working_hours": 2, "reason": "Cần xác minh thêm"}), 422, "D18")
    assert "trước hạn trả kết quả" in err["message"]
    assert show(api, code)["extensions"] == 0
