"""Dossiers through the real JSON API (api.md) on real SQLite and real PostgreSQL.

Covers the life cycle and its side paths (supplement, refusal, extension, send back), the legal rules
D3, D4, D6, D10 and D11, the error format, concurrency (PostgreSQL), crash safety, atomicity and the audit
chain. Every test uses the ``api`` fixture, so each runs once per backend.
"""
from __future__ import annotations

import copy
import json
import re
import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import event, func, select, update

import engine.process.runtime
import engine.cases.tasks
from conftest import Api, CITIZEN, PASSWORD, SAMPLE_CODE, SAMPLE_FORM, STEP_DATA, drain_after_commit, vn
from identity_support import checked
from engine.data import audit
from engine.core.clock import iso_vn
from engine.data.model import AuditEvent, Dossier, SupplementRequest, WorkItem
from engine.web import create_app

RECEIVER, SPECIALIST, DEPT_LEADER = "demo.tiepnhan", "demo.chuyenvien", "demo.lanhdao"
DIRECTOR, CLERK = "demo.giamdoc", "demo.vanthu"
CODE_RE = re.compile(r"^000\.00\.06\.H56-\d{6}-\d{4}$")
FIRST_ITEM = STEP_DATA["request_supplement"]["items"][0]["component"]


def asked_items(dossier: dict) -> list[dict]:
    """The open request's items as asked: each also carries its component's declared name (component_name)."""
    items = dossier["supplement_request"]["items"]
    assert all(i["component_name"] for i in items), items
    return [{k: v for k, v in i.items() if k != "component_name"} for i in items]
OWNER = {"full_name": "Trần Thị Bình", "birth_date": "1960-05-02", "cccd": "046160000777"}
EXTENSION = {"working_days": 1, "reason": "Cần xác minh thêm địa điểm kinh doanh"}
REFUSAL = {"reasons": ["Ngành nghề kinh doanh thuộc danh mục cấm"]}


# -- helpers ---------------------------------------------------------------------------------------------

def error_of(response, status: int) -> dict:
    """The body is the api.md error format, with no stack trace; returns the inner error object."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:500])
    assert response.is_json, response.get_data(as_text=True)[:500]
    text = response.get_data(as_text=True)
    assert "Traceback" not in text and 'File "' not in text
    body = response.get_json()
    assert set(body) == {"error"}
    err = body["error"]
    assert {"code", "message", "fields"} <= set(err)
    assert isinstance(err["code"], str) and err["code"]
    assert isinstance(err["message"], str) and err["message"]
    assert isinstance(err["fields"], dict)
    return err


def dossier(api: Api, code: str, user: str = CITIZEN) -> dict:
    r = api.get(f"/api/v1/dossiers/{code}", user)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def open_tasks(app, code: str) -> list[tuple[str, str]]:
    """(step, role) of every open work item of the dossier, read from the database."""
    with db_session(app) as session:
        dossier_id = session.scalar(select(Dossier.id).where(Dossier.code == code))
        return sorted((w.step, w.role) for w in
                      session.scalars(select(WorkItem).where(WorkItem.dossier_id == dossier_id)))


def expect_task(api: Api, app, code: str, step: str, role: str, user: str) -> dict:
    """The dossier has exactly one open task, of this step and role, and it is in the user's inbox."""
    assert open_tasks(app, code) == [(step, role)]
    task = api.task_for(user, code)
    assert task["step"] == step and task["role"] == role
    return task


def complete(api: Api, user: str, task_id: int, action: str, data: dict | None = None):
    return api.post(f"/api/v1/tasks/{task_id}/complete", user, json={"action": action, "data": data or {}})


def supplement(api: Api, code: str, user: str = CITIZEN, **form_changes):
    form = {**SAMPLE_FORM, **form_changes}
    r = api.post(f"/api/v1/dossiers/{code}/supplement", user, json={"form": form, "note": "Đã bổ sung"})
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def register(api: Api, cccd: str, full_name: str = "Lê Văn Cường", **changes):
    payload = {"full_name": full_name, "cccd": cccd, "cccd_issued_on": "2021-06-01", "phone": "0905123456",
               "email": "cuong@example.vn", "password": PASSWORD, **changes}
    return api.post("/api/v1/citizens", json=payload)


def received(api: Api) -> str:
    code = api.file(CITIZEN)["code"]
    api.act(RECEIVER, code, "receive")
    return code


def db_session(app):
    return app.extensions["tthc"]["sessions"]()


def snapshot(app, code: str) -> dict:
    """Everything a completion may change, read straight from the database."""
    with db_session(app) as session:
        row = session.scalar(select(Dossier).where(Dossier.code == code))
        return {
            "status": row.status, "version": row.version, "supplement_requests": row.supplement_requests,
            "outcome": row.outcome, "received_at": row.received_at, "workflow_state": row.workflow_state,
            "history": [(e.id, e.action, e.to_status, e.hash) for e in audit.history(session, row.id)],
            "work_items": sorted((w.id, w.task_id, w.step, w.role) for w in
                                 session.scalars(select(WorkItem).where(WorkItem.dossier_id == row.id))),
            "requests": session.scalar(select(func.count()).select_from(SupplementRequest)
                                       .where(SupplementRequest.dossier_id == row.id)),
        }


# -- 1. life cycle ---------------------------------------------------------------------------------------
def test_a_dossier_goes_from_filing_through_every_step_to_returned(api, clock, app):
    filed = api.file(CITIZEN)
    code = filed["code"]
    assert filed["status"] == 1 and filed["channel"] == "online"
    assert filed["received_at"] is None and filed["returned_at"] is None
    assert filed["procedure"] == SAMPLE_CODE and filed["form"] == SAMPLE_FORM
    expect_task(api, app, code, "intake", "receiving_officer", RECEIVER)

    clock.advance(minutes=20)
    receive_time = clock.now()
    after_receive = api.act(RECEIVER, code, "receive")
    assert after_receive["status"] == 4
    assert after_receive["received_at"] == iso_vn(receive_time)
    assert after_receive["due_at"] is not None and after_receive["due_at"] == after_receive["original_due_at"]
    expect_task(api, app, code, "assessment", "specialist", SPECIALIST)

    clock.advance(hours=2)
    assert api.act(SPECIALIST, code, "propose_approval", STEP_DATA["propose_approval"])["status"] == 4
    expect_task(api, app, code, "approval", "department_leader", DEPT_LEADER)
    approved = api.act(DEPT_LEADER, code, "approve", {"y_kien_phe_duyet": "Đồng ý"})
    assert approved["status"] == 4 and approved["outcome"] == "approved"
    expect_task(api, app, code, "signing", "clerk", CLERK)
    assert api.act(CLERK, code, "issue_result", STEP_DATA["issue_result"])["status"] == 9
    expect_task(api, app, code, "return", "receiving_officer", RECEIVER)

    clock.advance(hours=1)
    return_time = clock.now()
    final = api.act(RECEIVER, code, "return_result", STEP_DATA["return_result"])
    assert final["status"] == 10 and final["status_name"] == "Đã trả kết quả"
    assert final["returned_at"] == iso_vn(return_time)
    assert final["received_at"] == iso_vn(receive_time)
    assert open_tasks(app, code) == []
    assert [h["status"] for h in final["history"]] == [1, 2, 4, 4, 4, 4, 9, 10]
    assert [h["action"] for h in final["history"]] == ["file", "receive", "forward", "propose_approval",
                                                       "approve", "sign_result", "issue_result", "return_result"]
    assert all(h["at"].endswith("+07:00") for h in final["history"])
    # the citizen sees the same dossier the officer got back, but for the leader-signed draft (D22)
    issued = [d for d in final["documents"] if d["kind"] != "result_draft"]
    assert [d["kind"] for d in issued] == ["receipt", "result"]
    assert dossier(api, code) == {**final, "documents": issued}


# -- 2. supplement rounds ----------------------------------------------------------------------------------
def test_an_intake_supplement_round_returns_the_dossier_to_intake_and_it_can_then_be_received(api, app):
    code = api.file(CITIZEN)["code"]
    asked = api.act(RECEIVER, code, "request_supplement", STEP_DATA["request_supplement"])
    assert asked["status"] == 5 and asked["supplement_requests"] == 1
    assert open_tasks(app, code) == [("supplement", "citizen")]  # waiting for the citizen

    pending = dossier(api, code)
    assert pending["status"] == 5
    assert pending["supplement_request"]["stage"] == "intake"
    assert asked_items(pending) == STEP_DATA["request_supplement"]["items"]

    back = supplement(api, code, ten_ho_kinh_doanh="Tạp hóa Bình An 2")
    assert back["status"] == 1 and back["supplement_requests"] == 1
    assert "supplement_request" not in back
    assert back["form"]["ten_ho_kinh_doanh"] == "Tạp hóa Bình An 2"
    expect_task(api, app, code, "intake", "receiving_officer", RECEIVER)

    after = api.act(RECEIVER, code, "receive")
    assert after["status"] == 4 and after["received_at"] is not None
    assert [h["status"] for h in after["history"]] == [1, 5, 1, 2, 4]
    assert [h["action"] for h in after["history"]] == ["file", "request_supplement", "supplement", "receive",
                                                       "forward"]


def test_a_processing_supplement_round_returns_the_dossier_to_assessment(api, app):
    code = received(api)
    asked = api.act(SPECIALIST, code, "request_supplement", STEP_DATA["request_supplement"])
    assert asked["status"] == 5 and asked["supplement_requests"] == 1
    assert asked["supplement_request"]["stage"] == "processing"
    assert asked_items(asked) == STEP_DATA["request_supplement"]["items"]
    assert open_tasks(app, code) == [("supplement", "citizen")]

    back = supplement(api, code)
    assert back["status"] == 4 and back["supplement_requests"] == 1
    assert "supplement_request" not in back
    expect_task(api, app, code, "assessment", "specialist", SPECIALIST)
    assert [h["status"] for h in back["history"]] == [1, 2, 4, 5, 4]


def test_a_citizen_cannot_supplement_a_dossier_nobody_asked_to_supplement(api):
    code = api.file(CITIZEN)["code"]
    r = api.post(f"/api/v1/dossiers/{code}/supplement", CITIZEN, json={"form": SAMPLE_FORM})
    err = error_of(r, 409)
    assert err["code"] == "no_supplement_requested"
    assert dossier(api, code)["status"] == 1


# -- 3. refusals -----------------------------------------------------------------------------------------
def test_refusing_at_intake_needs_reasons_and_ends_the_dossier_with_status_3(api, app):
    code = api.file(CITIZEN)["code"]
    task = api.task_for(RECEIVER, code)
    err = error_of(complete(api, RECEIVER, task["id"], "refuse", {}), 422)
    assert "reasons" in err["fields"]

    refused = api.act(RECEIVER, code, "refuse", REFUSAL)
    assert refused["status"] == 3 and refused["status_name"] == "Không được tiếp nhận"
    assert refused["received_at"] is None
    assert open_tasks(app, code) == []  # nothing left for anyone
    assert [t for t in api.get("/api/v1/tasks", RECEIVER).get_json() if t["dossier"] == code] == []
    assert [h["status"] for h in refused["history"]] == [1, 3]
    assert dossier(api, code)["status"] == 3


def test_a_finished_task_id_is_never_given_to_a_new_task(api):
    """Task ids are public: after the newest task of the agency is finished (and its row removed), the next
    task gets a new id and the old one still answers 'completed'."""
    code = api.file(CITIZEN)["code"]
    task = api.task_for(RECEIVER, code)
    api.act(RECEIVER, code, "refuse", REFUSAL)
    later = api.task_for(RECEIVER, api.file(CITIZEN)["code"])
    assert later["id"] > task["id"]
    assert error_of(api.get(f"/api/v1/tasks/{task['id']}", RECEIVER), 409)["code"] == "task_completed"


def test_refusing_at_approval_still_signs_and_returns_the_refusal(api, app):
    code = received(api)
    api.act(SPECIALIST, code, "propose_refusal", STEP_DATA["propose_refusal"])
    refused = api.act(DEPT_LEADER, code, "refuse", REFUSAL)
    assert refused["outcome"] == "refused" and refused["status"] == 4
    expect_task(api, app, code, "signing", "clerk", CLERK)
    assert api.act(CLERK, code, "issue_result", STEP_DATA["issue_result"])["status"] == 9
    final = api.act(RECEIVER, code, "return_result", STEP_DATA["return_result"])
    assert final["status"] == 10 and final["outcome"] == "refused" and final["returned_at"] is not None
    assert [h["action"] for h in final["history"]] == [
        "file", "receive", "forward", "propose_refusal", "refuse", "sign_result", "issue_result", "return_result"]


# -- 4. extension and send back ----------------------------------------------------------------------------
def test_an_extension_is_reviewed_by_the_department_leader_then_the_centre_director_then_assessment(api, app):
    code = received(api)
    task = api.task_for(SPECIALIST, code)
    no_length = {"reason": "Không nêu số ngày gia hạn"}
    err = error_of(complete(api, SPECIALIST, task["id"], "request_extension", no_length), 422)
    assert err["fields"]

    assert api.act(SPECIALIST, code, "request_extension", EXTENSION)["status"] == 4
    leader_task = expect_task(api, app, code, "extension_review", "department_leader", DEPT_LEADER)
    assert leader_task["actions"] == ["confirm_extension", "reject_extension"]

    halfway = api.act(DEPT_LEADER, code, "confirm_extension")
    assert halfway["status"] == 4
    assert halfway["extensions"] == 0 and halfway["letters"] == []  # D17: not before the centre confirms
    expect_task(api, app, code, "extension_review", "centre_director", DIRECTOR)

    after = api.act(DIRECTOR, code, "confirm_extension")
    assert after["status"] == 4 and after["extensions"] == 1
    assert after["original_due_at"] is not None and after["due_at"] > after["original_due_at"]
    letters = [(letter["kind"], letter["new_due_at"]) for letter in after["letters"]]
    assert letters == [("apology", after["due_at"])]  # Mẫu 04 with the new appointment
    expect_task(api, app, code, "assessment", "specialist", SPECIALIST)
    steps = [h["action"] for h in after["history"] if h["action"].endswith("_extension")]
    assert steps == ["request_extension", "confirm_extension", "confirm_extension"]


def test_a_rejected_extension_at_either_level_goes_back_to_assessment(api, app):
    code = received(api)
    api.act(SPECIALIST, code, "request_extension", EXTENSION)
    api.act(DEPT_LEADER, code, "reject_extension", {"reason": "Còn đủ thời gian giải quyết"})
    expect_task(api, app, code, "assessment", "specialist", SPECIALIST)

    api.act(SPECIALIST, code, "request_extension", EXTENSION)
    api.act(DEPT_LEADER, code, "confirm_extension")
    after = api.act(DIRECTOR, code, "reject_extension", {"reason": "Không đủ căn cứ gia hạn"})
    assert after["status"] == 4
    assert after["extensions"] == 0 and after["due_at"] == after["original_due_at"] and after["letters"] == []
    expect_task(api, app, code, "assessment", "specialist", SPECIALIST)


def test_sending_back_from_approval_returns_the_dossier_to_assessment(api, app):
    code = received(api)
    api.act(SPECIALIST, code, "propose_approval", STEP_DATA["propose_approval"])
    after = api.act(DEPT_LEADER, code, "send_back", {"y_kien_phe_duyet": "Thẩm định lại vốn kinh doanh"})
    assert after["status"] == 4 and after["outcome"] is None
    expect_task(api, app, code, "assessment", "specialist", SPECIALIST)
    api.act(SPECIALIST, code, "propose_approval", STEP_DATA["propose_approval"])
    expect_task(api, app, code, "approval", "department_leader", DEPT_LEADER)


# -- 5. supplement only once (D10, D11) ----------------------------------------------------------------------
def _after_one_intake_supplement_round(api: Api) -> str:
    code = api.file(CITIZEN)["code"]
    api.act(RECEIVER, code, "request_supplement", STEP_DATA["request_supplement"])
    supplement(api, code)
    api.act(RECEIVER, code, "receive")
    return code


def test_a_second_supplement_request_needs_a_recorded_reason_D10_D11(api, app):
    code = _after_one_intake_supplement_round(api)
    task = api.task_for(SPECIALIST, code)
    before_api, before_db = dossier(api, code), snapshot(app, code)
    second_items = [{"component": "Bản sao giấy tờ pháp lý của cá nhân đối với chủ hộ kinh doanh",
                     "problem": "Ảnh chụp mờ", "required": "Tải lên bản rõ nét"}]

    no_reason = {"items": second_items}
    err = error_of(complete(api, SPECIALIST, task["id"], "request_supplement", no_reason), 422)
    assert err["rule"] == "D10" and "Điều 11 Nghị định 118/2025/NĐ-CP" in err["message"]
    assert "second_reason" in err["fields"]
    assert dossier(api, code) == before_api and snapshot(app, code) == before_db  # nothing changed
    assert api.task_for(SPECIALIST, code)["id"] == task["id"]

    not_asked = {"kind": "applicant_not_compliant", "unmet_items": ["Giấy chứng nhận chưa từng yêu cầu"],
                 "explanation": "Người nộp chưa bổ sung"}
    err = error_of(complete(api, SPECIALIST, task["id"], "request_supplement",
                            {"items": second_items, "second_reason": not_asked}), 422)
    assert err["rule"] == "D11"
    assert "second_reason.unmet_items" in err["fields"]
    assert dossier(api, code) == before_api and snapshot(app, code) == before_db

    reason = {"kind": "applicant_not_compliant", "unmet_items": [FIRST_ITEM],
              "explanation": "Người nộp chưa ký giấy đề nghị như đã yêu cầu"}
    r = complete(api, SPECIALIST, task["id"], "request_supplement",
                 {"items": STEP_DATA["request_supplement"]["items"], "second_reason": reason})
    assert r.status_code == 200, r.get_json()
    after = r.get_json()
    assert after["status"] == 5 and after["supplement_requests"] == 2
    assert after["supplement_request"]["stage"] == "processing"
    assert after["letters"] == []  # D11(a): the applicant's fault, no apology


def test_a_second_supplement_request_for_another_reason_is_allowed_with_an_explanation(api):
    code = _after_one_intake_supplement_round(api)
    reason = {"kind": "other", "explanation": "Hướng dẫn lần trước chưa nêu yêu cầu về hợp đồng thuê"}
    items = [{"component": "Hợp đồng thuê hoặc giấy tờ chứng minh quyền sử dụng chỗ ở làm trụ sở hộ kinh doanh",
              "problem": "Chưa có", "required": "Tải lên hợp đồng thuê"}]
    after = api.act(SPECIALIST, code, "request_supplement", {"items": items, "second_reason": reason})
    assert after["status"] == 5 and after["supplement_requests"] == 2
    assert asked_items(after) == items
    assert [letter["kind"] for letter in after["letters"]] == ["apology"]  # D11(b): the agency apologises


def test_a_first_supplement_request_may_not_carry_a_second_reason(api, app):
    code = api.file(CITIZEN)["code"]
    task = api.task_for(RECEIVER, code)
    before = snapshot(app, code)
    data = {**STEP_DATA["request_supplement"], "second_reason": {"kind": "other", "explanation": "x"}}
    err = error_of(complete(api, RECEIVER, task["id"], "request_supplement", data), 422)
    assert err["rule"] == "D10"
    assert snapshot(app, code) == before


# -- 6. filing for another person (D4) and at the desk -----------------------------------------------------
def test_a_dossier_filed_for_another_person_belongs_to_them_and_is_visible_to_both_only(api, app):
    filed = api.file(CITIZEN, owner=OWNER)
    code = filed["code"]
    assert filed["owner"] == OWNER

    assert register(api, OWNER["cccd"], full_name=OWNER["full_name"]).status_code == 201
    owner_user = OWNER["cccd"]
    # registered with her CCCD, she sees only what she filed until her card is checked (the e-ID or the desk)
    assert error_of(api.get(f"/api/v1/dossiers/{code}", owner_user), 404)["code"] == "dossier_not_found"
    checked(app, owner_user)
    assert dossier(api, code, owner_user)["owner"]["cccd"] == OWNER["cccd"]
    assert code in [d["code"] for d in api.get("/api/v1/dossiers", owner_user).get_json()]
    by_cccd = api.get(f"/api/v1/dossiers?cccd={OWNER['cccd']}", owner_user).get_json()
    assert code in [d["code"] for d in by_cccd]
    assert dossier(api, code, CITIZEN)["code"] == code  # the filer still sees it
    assert code in [d["code"] for d in api.get("/api/v1/dossiers", CITIZEN).get_json()]

    assert register(api, "079090000555", full_name="Phạm Thị Dung").status_code == 201
    err = error_of(api.get(f"/api/v1/dossiers/{code}", "079090000555"), 404)
    assert err["code"] == "dossier_not_found"
    assert api.get("/api/v1/dossiers", "079090000555").get_json() == []


def test_a_receiving_officer_filing_at_the_desk_must_name_the_owner(api, app):
    r = api.post("/api/v1/dossiers", RECEIVER, json={"procedure": SAMPLE_CODE, "form": SAMPLE_FORM})
    err = error_of(r, 422)
    assert "owner" in err["fields"]
    assert api.get("/api/v1/dossiers", RECEIVER).get_json() == []

    r = api.post("/api/v1/dossiers", RECEIVER, json={"procedure": SAMPLE_CODE, "form": SAMPLE_FORM,
                                                      "owner": {**OWNER, "cccd": "12345"}})
    assert "owner.cccd" in error_of(r, 422)["fields"]

    filed = api.file(RECEIVER, owner=OWNER)
    assert filed["channel"] == "desk" and filed["owner"] == OWNER and filed["status"] == 1
    expect_task(api, app, filed["code"], "intake", "receiving_officer", RECEIVER)
    assert register(api, OWNER["cccd"], full_name=OWNER["full_name"]).status_code == 201
    checked(app, OWNER["cccd"])
    assert dossier(api, filed["code"], OWNER["cccd"])["channel"] == "desk"


# -- 7. citizen registration (D3) ----------------------------------------------------------------------------
def test_registering_a_citizen_standardises_the_account_and_a_cccd_is_taken_only_once(api):
    r = register(api, "038095001234")
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["username"] == "038095001234" and r.get_json()["standardised"] is True
    token = api.post("/api/v1/auth/token", json={"username": "038095001234", "password": PASSWORD})
    assert token.status_code == 200 and token.get_json()["roles"] == ["citizen"]

    err = error_of(register(api, "038095001234", full_name="Người Khác"), 409)
    assert err["code"] == "cccd_taken" and err.get("rule") == "D3"
    error_of(register(api, CITIZEN, full_name="Nguyễn Văn An"), 409)


def test_registering_a_citizen_with_bad_fields_names_each_field(api):
    r = register(api, "123", full_name=" ", cccd_issued_on="31/12/2020", phone="12ab", email="not-an-email",
                 password="short")
    err = error_of(r, 422)
    assert set(err["fields"]) == {"full_name", "cccd", "cccd_issued_on", "phone", "email", "password"}
    err = error_of(register(api, "038095001235", cccd_issued_on="2027-01-01"), 422)
    assert set(err["fields"]) == {"cccd_issued_on"}  # issued after today (the test clock: 23/11/2026)
    err = error_of(api.post("/api/v1/citizens", json={}), 422)
    assert {"full_name", "cccd", "cccd_issued_on", "phone", "password"} <= set(err["fields"])
    err = error_of(register(api, "038095001235", password="mat-khau\x01-dai"), 422)  # no login could type it
    assert err["fields"] == {"password": "Mật khẩu không được chứa ký tự điều khiển"}


# -- 8. the error format -------------------------------------------------------------------------------------
def test_malformed_json_and_non_object_bodies_answer_400(api):
    headers = api.headers(CITIZEN)
    for raw in ('{"procedure": "1.001612", ', "[1, 2, 3]", '"text"', "null"):
        r = api.client.post("/api/v1/dossiers", data=raw, content_type="application/json", headers=headers)
        assert error_of(r, 400)["code"] == "malformed_json", raw
    r = api.client.post("/api/v1/dossiers", json=[{"procedure": SAMPLE_CODE}], headers=headers)
    error_of(r, 400)
    error_of(api.client.post("/api/v1/auth/token", data="{oops", content_type="application/json"), 400)
    assert api.get("/api/v1/dossiers", CITIZEN).get_json() == []


@pytest.fixture
def small_app(settings, clock):
    application = create_app(settings.replace(max_request_bytes=2000), clock=clock)
    application.testing = True
    yield application
    application.extensions["tthc"]["engine"].dispose()


def test_a_body_announced_too_large_is_refused_before_login_or_reading(small_app):
    """Issue 11 item 7: Content-Length alone decides, before authentication (which used to answer 401 after the
    server had taken the body) and before any view reads the body; pages get the Vietnamese page."""
    client = small_app.test_client()
    announced = {"CONTENT_LENGTH": str(300 * 1024 * 1024)}  # what the client announced, not what it sent
    for path in ("/api/v1/dossiers", "/api/v1/auth/token", "/api/v1/nowhere"):
        r = client.post(path, data=b"{}", environ_overrides=announced, content_type="application/json")
        assert error_of(r, 413)["code"] == "too_large", path
    for path in ("/dang-nhap", "/khong-co-trang-nay"):
        r = client.post(path, data=b"a=1", environ_overrides=announced, content_type="application/x-www-form-urlencoded")
        assert r.status_code == 413 and not r.is_json, path
        assert "quá lớn" in r.get_data(as_text=True)
    r = client.post("/api/v1/auth/token", data=b"{}", content_type="application/json",
                    environ_overrides={"CONTENT_LENGTH": "2000"})  # exactly the limit is allowed
    assert r.status_code != 413


def test_a_body_larger_than_max_request_bytes_answers_413(small_app):
    api = Api(small_app.test_client())
    big_form = {**SAMPLE_FORM, "nganh_nghe_kinh_doanh": "Bán lẻ " * 600}
    r = api.post("/api/v1/dossiers", CITIZEN, json={"procedure": SAMPLE_CODE, "form": big_form})
    assert error_of(r, 413)["code"] == "too_large"
    r = api.client.post("/api/v1/citizens", data=json.dumps({"full_name": "x" * 5000}),
                        content_type="application/json")
    error_of(r, 413)
    assert api.get("/api/v1/dossiers", CITIZEN).get_json() == []
    assert api.file(CITIZEN)["status"] == 1  # a normal request still fits


def test_an_unknown_procedure_answers_404(api):
    r = api.post("/api/v1/dossiers", CITIZEN, json={"procedure": "9.999999", "form": SAMPLE_FORM})
    assert error_of(r, 404)["code"] == "procedure_not_found"
    error_of(api.get("/api/v1/procedures/9.999999"), 404)


def test_an_invalid_form_answers_422_with_the_field_paths(api):
    form = copy.deepcopy(SAMPLE_FORM)
    form["dien_thoai"] = "12345"
    del form["chu_ho"]["cccd"]
    del form["ten_ho_kinh_doanh"]
    r = api.post("/api/v1/dossiers", CITIZEN, json={"procedure": SAMPLE_CODE, "form": form})
    err = error_of(r, 422)
    assert {"dien_thoai", "chu_ho.cccd", "ten_ho_kinh_doanh"} <= set(err["fields"])
    form = {**SAMPLE_FORM, "chu_ho": {**SAMPLE_FORM["chu_ho"], "cccd": "0010990000"},
            "von_kinh_doanh": "nhiều"}
    err = error_of(api.post("/api/v1/dossiers", CITIZEN, json={"procedure": SAMPLE_CODE, "form": form}), 422)
    assert {"chu_ho.cccd", "von_kinh_doanh"} <= set(err["fields"])
    err = error_of(api.post("/api/v1/dossiers", CITIZEN, json={"procedure": SAMPLE_CODE}), 422)
    assert err["fields"]
    assert api.get("/api/v1/dossiers", CITIZEN).get_json() == []


def test_a_supplement_request_of_blank_items_is_refused_and_issues_no_form(api, app):
    """D8: the request names what is missing and why. An item of spaces passed minLength and a Mẫu 02 with
    nothing in it was issued; a filing's required text of spaces is refused the same way."""
    code = api.file(CITIZEN)["code"]
    task = api.task_for(RECEIVER, code)
    before = snapshot(app, code)
    blank = {"items": [{**STEP_DATA["request_supplement"]["items"][0], "component": " ", "problem": "\t\n"}]}
    err = error_of(complete(api, RECEIVER, task["id"], "request_supplement", blank), 422)
    assert err["fields"] == {"items.0.component": "Không được để trống", "items.0.problem": "Không được để trống"}
    assert snapshot(app, code) == before
    form = {**SAMPLE_FORM, "ten_ho_kinh_doanh": "  \t"}
    err = error_of(api.post("/api/v1/dossiers", CITIZEN, json={"procedure": SAMPLE_CODE, "form": form}), 422)
    assert err["fields"] == {"ten_ho_kinh_doanh": "Không được để trống"}


def test_an_action_the_step_does_not_offer_answers_422(api, app):
    code = api.file(CITIZEN)["code"]
    task = api.task_for(RECEIVER, code)
    before = snapshot(app, code)
    for action in ("approve", "fly_to_the_moon", None):
        err = error_of(complete(api, RECEIVER, task["id"], action), 422)
        assert err["code"] == "action_not_offered" and "action" in err["fields"]
    assert snapshot(app, code) == before


def test_completing_a_task_that_was_already_completed_answers_409_naming_who_did_it(api):
    """api.md: 409 when someone else completed it first; the message says who and when. Another agency's
    officer still learns nothing (404)."""
    code = api.file(CITIZEN)["code"]
    task = api.task_for(RECEIVER, code)
    assert complete(api, RECEIVER, task["id"], "receive").status_code == 200
    err = error_of(complete(api, RECEIVER, task["id"], "receive"), 409)
    assert err["code"] == "task_completed" and "Trần Thị Tiếp Nhận" in err["message"]
    assert re.search(r"hoàn thành lúc \d\d:\d\d ngày \d\d/\d\d/\d{4}$", err["message"]), err["message"]  # not ISO
    assert error_of(complete(api, "demo.chuyenvien", task["id"], "propose_approval"), 409)["code"] == "task_completed"
    history = dossier(api, code)["history"]
    assert [h["action"] for h in history].count("receive") == 1


def test_missing_or_bad_tokens_answer_401_and_unknown_api_paths_answer_404_json(api):
    assert error_of(api.client.get("/api/v1/dossiers"), 401)["code"] == "unauthorized"
    error_of(api.client.post("/api/v1/dossiers", json={"procedure": SAMPLE_CODE, "form": SAMPLE_FORM}), 401)
    error_of(api.client.get("/api/v1/tasks"), 401)
    bad = {"Authorization": "Bearer not-a-real-token"}
    assert error_of(api.client.get("/api/v1/dossiers", headers=bad), 401)["code"] == "invalid_token"
    error_of(api.client.get("/api/v1/dossiers", headers={"Authorization": "Basic abc"}), 401)
    wrong = api.client.post("/api/v1/auth/token", json={"username": CITIZEN, "password": "wrong-password"})
    error_of(wrong, 401)
    assert error_of(api.client.get("/api/v1/xyz"), 404)["code"] == "no_such_endpoint"
    error_of(api.client.post("/api/v1/xyz/abc", json={}), 404)
    error_of(api.get("/api/v1/dossiers/000.00.06.H56-261123-9999", CITIZEN), 404)
    error_of(api.get("/api/v1/tasks/999999", RECEIVER), 404)


def test_a_deeply_nested_json_body_answers_400_not_500(api):
    r = api.post("/api/v1/dossiers", CITIZEN, data="[" * 100_000, content_type="application/json")
    error_of(r, 400)


def test_a_task_id_too_large_for_the_database_answers_404_not_500(api):
    huge = 10**20
    error_of(api.get(f"/api/v1/tasks/{huge}", RECEIVER), 404)
    error_of(api.post(f"/api/v1/tasks/{huge}/complete", RECEIVER, json={"action": "receive"}), 404)


def test_registering_with_values_of_the_wrong_type_or_size_answers_422_naming_the_field(api):
    err = error_of(register(api, "012345678902", full_name=["Lê", "Văn"]), 422)
    assert "full_name" in err["fields"]
    err = error_of(register(api, "012345678903", email="a@b." + "c" * 300), 422)
    assert "email" in err["fields"]
    err = error_of(register(api, "012345678904", full_name="Lê\u0000Văn Cường"), 422)
    assert "full_name" in err["fields"]


def test_an_owner_name_with_a_nul_character_answers_422_not_500(api):
    owner = {**OWNER, "full_name": "Trần\u0000Thị Bình"}
    r = api.post("/api/v1/dossiers", CITIZEN,
                 json={"procedure": SAMPLE_CODE, "form": SAMPLE_FORM, "owner": owner})
    assert "owner.full_name" in error_of(r, 422)["fields"]


def test_text_no_database_can_store_is_refused_naming_the_field(api):
    """A lone UTF-16 surrogate (a JSON escape; UTF-8 cannot encode it) or NUL anywhere in a body: 422 naming the
    field, before anything is stored. NaN and Infinity are not JSON: 400."""
    body = '{"procedure": "%s", "form": %s}' % (SAMPLE_CODE, json.dumps({**SAMPLE_FORM, "ten_ho_kinh_doanh": "\ud800"}))
    r = api.post("/api/v1/dossiers", CITIZEN, data=body, content_type="application/json")
    err = error_of(r, 422)
    assert err["code"] == "invalid_characters" and list(err["fields"]) == ["form.ten_ho_kinh_doanh"]
    r = api.post("/api/v1/auth/token", None, json={"username": "a\u0000b", "password": "x"})
    assert list(error_of(r, 422)["fields"]) == ["username"]
    r = api.post("/api/v1/tasks/1/complete", "demo.chuyenvien", content_type="application/json",
                 data='{"action": "request_extension", "data": {"working_days": NaN, "reason": "Xác minh"}}')
    assert error_of(r, 400)["code"] == "malformed_json"
    assert error_of(api.get("/api/v1/dossiers/a%00b", CITIZEN), 400)["code"] == "invalid_characters"
    assert api.get("/api/v1/dossiers", CITIZEN).get_json() == []  # nothing was filed


def test_a_number_no_json_reader_holds_exactly_is_refused_whatever_the_form_allows(api):
    """The sample form's capital has a minimum and no maximum: 1e308 (an integer to JSON Schema) and 2^53 were
    stored and printed with 309 digits. Beyond 2^53 - 1 a number is refused, naming the field; the bound itself
    is taken."""
    for capital in (1e308, 2 ** 53):
        r = api.post("/api/v1/dossiers", CITIZEN, json={"procedure": SAMPLE_CODE,
                                                        "form": {**SAMPLE_FORM, "von_kinh_doanh": capital}})
        assert error_of(r, 422)["fields"]["von_kinh_doanh"].startswith("Số quá lớn"), capital
    assert api.get("/api/v1/dossiers", CITIZEN).get_json() == []
    r = api.post("/api/v1/dossiers", CITIZEN, json={"procedure": SAMPLE_CODE,
                                                    "form": {**SAMPLE_FORM, "von_kinh_doanh": 2 ** 53 - 1}})
    assert r.status_code == 201, r.get_json()


# -- 9. dossier code (D6) ------------------------------------------------------------------------------------
def test_the_dossier_code_uses_the_vietnam_date_of_filing_and_a_daily_sequence(api, clock):
    clock.set(vn(2026, 11, 23, 23, 30))
    codes = [api.file(CITIZEN)["code"] for _ in range(3)]
    assert all(CODE_RE.match(c) for c in codes), codes
    assert codes == ["000.00.06.H56-261123-0001", "000.00.06.H56-261123-0002", "000.00.06.H56-261123-0003"]

    clock.set(vn(2026, 11, 24, 5, 30))  # still 23/11 in UTC, already 24/11 in Vietnam
    assert api.file(CITIZEN)["code"] == "000.00.06.H56-261124-0001"
    clock.set(vn(2026, 11, 24, 6, 0))
    assert api.file(CITIZEN)["code"] == "000.00.06.H56-261124-0002"


# -- 10. concurrency (PostgreSQL) ----------------------------------------------------------------------------
def _token(client, user: str) -> str:
    r = client.post("/api/v1/auth/token", json={"username": user, "password": PASSWORD})
    assert r.status_code == 200, r.get_json()
    return r.get_json()["token"]


def _race(app, tokens: list[str], request) -> list:
    """Run ``request(client, headers)`` in one thread per token, each thread with its own test client,
    released together by a barrier; returns the responses in order."""
    clients = [app.test_client() for _ in tokens]
    headers = [{"Authorization": f"Bearer {token}"} for token in tokens]
    barrier = threading.Barrier(len(tokens))
    results: list = [None] * len(tokens)

    def run(i: int) -> None:
        barrier.wait(timeout=30)
        try:
            results[i] = request(clients[i], headers[i])
        except BaseException as exc:  # pragma: no cover - reported below
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(tokens))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    assert not any(isinstance(r, BaseException) for r in results), results
    return results


def test_two_officers_completing_the_same_intake_task_at_once_one_wins_and_the_other_gets_409(
        api, app, backend):
    if backend == "sqlite":
        pytest.skip("row-level concurrency is checked on PostgreSQL")
    code = api.file(CITIZEN)["code"]
    task = api.task_for(RECEIVER, code)
    tokens = [_token(app.test_client(), RECEIVER) for _ in range(2)]  # two sessions, two tokens
    responses = _race(app, tokens, lambda client, headers: client.post(
        f"/api/v1/tasks/{task['id']}/complete", headers=headers, json={"action": "receive", "data": {}}))

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 409], [r.get_json() for r in responses]
    error_of(next(r for r in responses if r.status_code == 409), 409)
    after = dossier(api, code)
    assert after["status"] == 4
    assert [h["action"] for h in after["history"]].count("receive") == 1
    assert [h["status"] for h in after["history"]] == [1, 2, 4]
    expect_task(api, app, code, "assessment", "specialist", SPECIALIST)


def test_eight_citizens_filing_at_once_get_eight_distinct_codes(api, app, backend):
    if backend == "sqlite":
        pytest.skip("concurrent allocation of codes is checked on PostgreSQL")
    responses = _race(app, [_token(app.test_client(), CITIZEN)] * 8, lambda client, headers: client.post(
        "/api/v1/dossiers", headers=headers, json={"procedure": SAMPLE_CODE, "form": SAMPLE_FORM}))
    assert [r.status_code for r in responses] == [201] * 8, [r.get_json() for r in responses]
    codes = sorted(r.get_json()["code"] for r in responses)
    assert len(set(codes)) == 8 and all(CODE_RE.match(c) for c in codes)
    assert [int(c[-4:]) for c in codes] == list(range(1, 9))
    assert api.file(CITIZEN)["code"].endswith("-0009")


# -- 11. crash safety and atomicity -----------------------------------------------------------------------
def test_a_crash_between_steps_loses_nothing(api, app, settings, clock):
    code = received(api)
    before = dossier(api, code)
    app.extensions["tthc"]["engine"].dispose()
    engine.process.runtime._specs.clear()

    restarted = create_app(settings, clock=clock)
    restarted.testing = True
    drain_after_commit(restarted)
    try:
        api2 = Api(restarted.test_client())
        api2.tokens = dict(api.tokens)  # tokens live in the database: they survive the restart
        assert dossier(api2, code) == before
        expect_task(api2, restarted, code, "assessment", "specialist", SPECIALIST)
        api2.act(SPECIALIST, code, "propose_approval", STEP_DATA["propose_approval"])
        api2.act(DEPT_LEADER, code, "approve")
        api2.act(CLERK, code, "issue_result", STEP_DATA["issue_result"])
        final = api2.act(RECEIVER, code, "return_result", STEP_DATA["return_result"])
        assert final["status"] == 10
        assert [h["status"] for h in final["history"]] == [1, 2, 4, 4, 4, 4, 9, 10]
    finally:
        restarted.extensions["tthc"]["engine"].dispose()


def _boom(*args, **kwargs):
    raise RuntimeError("disk on fire")


def test_a_failure_while_completing_a_task_leaves_nothing_half_written(api, app, monkeypatch):
    code = received(api)
    task = api.task_for(SPECIALIST, code)
    before_api, before_db = dossier(api, code), snapshot(app, code)

    monkeypatch.setattr(engine.cases.tasks.audit, "record", _boom)
    r = complete(api, SPECIALIST, task["id"], "request_supplement", STEP_DATA["request_supplement"])
    err = error_of(r, 500)
    assert err["code"] == "internal_error"
    assert "disk on fire" not in r.get_data(as_text=True) and "RuntimeError" not in r.get_data(as_text=True)
    monkeypatch.undo()

    assert snapshot(app, code) == before_db
    assert dossier(api, code) == before_api
    assert api.task_for(SPECIALIST, code)["id"] == task["id"]
    after = api.act(SPECIALIST, code, "request_supplement", STEP_DATA["request_supplement"])
    assert after["status"] == 5 and after["supplement_requests"] == 1


def test_a_failure_while_filing_stores_no_dossier_and_uses_no_code(api, app, monkeypatch, clock):
    clock.set(vn(2026, 11, 25, 8, 0))
    monkeypatch.setattr(engine.cases.tasks.audit, "record", _boom)
    r = api.post("/api/v1/dossiers", CITIZEN, json={"procedure": SAMPLE_CODE, "form": SAMPLE_FORM})
    error_of(r, 500)
    monkeypatch.undo()
    with db_session(app) as session:
        assert session.scalar(select(func.count()).select_from(Dossier)) == 0
        assert session.scalar(select(func.count()).select_from(WorkItem)) == 0
    assert api.get("/api/v1/dossiers", CITIZEN).get_json() == []
    assert api.file(CITIZEN)["code"].startswith("000.00.06.H56-261125-")


# -- 12. the audit chain ------------------------------------------------------------------------------------
def test_the_audit_chain_verifies_and_detects_a_changed_event(api, app):
    code = received(api)
    api.act(SPECIALIST, code, "propose_approval", STEP_DATA["propose_approval"])
    api.act(DEPT_LEADER, code, "approve")
    api.act(CLERK, code, "issue_result", STEP_DATA["issue_result"])
    api.act(RECEIVER, code, "return_result", STEP_DATA["return_result"])

    with db_session(app) as session:
        dossier_id = session.scalar(select(Dossier.id).where(Dossier.code == code))
        events = audit.history(session, dossier_id)
        head = session.get(Dossier, dossier_id).audit_head
        assert len(events) == 8 and audit.verify_chain(events, head) and head == events[-1].hash
        assert audit.verify_chain(events[:-1]) and not audit.verify_chain(events[:-1], head)  # a cut tail shows
        target = next(e for e in events if e.action == "propose_approval")
        assert target.data == STEP_DATA["propose_approval"]
        session.execute(update(AuditEvent).where(AuditEvent.id == target.id)
                        .values(data={"y_kien_tham_dinh": "Đã sửa sau khi ký"}))
        session.commit()

    with db_session(app) as session:
        events = audit.history(session, dossier_id)
        assert events[3].data == {"y_kien_tham_dinh": "Đã sửa sau khi ký"}
        assert audit.verify_chain(events) is False
        assert audit.verify_chain(events[:3]) is True  # the events before the change still verify
        assert audit.verify_chain(events[:2] + events[3:]) is False  # a removed event is detected too


def test_listing_dossiers_costs_the_same_statements_for_one_or_many(api, app):
    """GET /api/v1/dossiers reads letters, documents, signatures, history and open requests for the whole list
    at once: the number of SQL statements does not grow with the number of dossiers."""
    statements = []
    engine_ = app.extensions["tthc"]["engine"]

    def count(*_args):
        statements.append(1)

    def list_and_count() -> tuple[int, int]:
        statements.clear()
        event.listen(engine_, "before_cursor_execute", count)
        try:
            body = api.get("/api/v1/dossiers", CITIZEN).get_json()
        finally:
            event.remove(engine_, "before_cursor_execute", count)
        return len(body), len(statements)

    first = received(api)
    api.act(SPECIALIST, first, "propose_approval", STEP_DATA["propose_approval"])
    api.act(DEPT_LEADER, first, "approve")  # a signed draft: documents with signatures
    one = list_and_count()
    for _ in range(3):
        received(api)
    many = list_and_count()
    assert one[0] == 1 and many[0] == 4
    assert many[1] == one[1], (one, many)
    listed = {d["code"]: d for d in api.get("/api/v1/dossiers", CITIZEN).get_json()}
    assert listed[first] == {k: v for k, v in api.get(f"/api/v1/dossiers/{first}", CITIZEN).get_json().items()
                             if k != "form"}  # the time left and lateness of this moment too


def test_a_token_states_its_expiry_in_vietnam_time(api, clock):
    """api.md: times are ISO 8601 with their offset; the engine speaks +07:00."""
    r = api.client.post("/api/v1/auth/token", json={"username": CITIZEN, "password": "demo12345"})
    assert r.status_code == 200
    body = r.get_json()
    assert body["expires_at"].endswith("+07:00") and body["roles"] == ["citizen"]
    assert datetime.fromisoformat(body["expires_at"]) == clock.now() + timedelta(hours=8)
