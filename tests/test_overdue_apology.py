"""The overdue apology is work (D19, api.md's ``apology`` step and ``issue_apology`` action), and a refusal to
resolve is signed by the head of agency (D21): end to end through the API, on SQLite and PostgreSQL.

Timeline (the default clock): filed and received Monday 23/11/2026 09:00; 24/11 is a day off, so the result is
due Friday 27/11/2026 09:00; the apology item is due one working day after the dossier became overdue.
"""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from conftest import Api, CITIZEN, STEP_DATA, iso, sign_requested, vn
from engine import timers
from engine.cases import replanning
from engine.core.settings import load_settings
from engine.data import calendars
from engine.data.model import CalendarOverride
from engine.simulate import run as simulate
from web_support import Web, text_of

RECEIVER, SPECIALIST, LEADER = "demo.tiepnhan", "demo.chuyenvien", "demo.lanhdao"
HEAD, CLERK = "demo.thutruong", "demo.vanthu"
HEAD_NAME, LEADER_NAME = "Hoàng Văn Trưởng", "Phạm Minh Lãnh"
REASON = "Chậm xác minh địa điểm kinh doanh"
SCENARIOS = Path(__file__).resolve().parent / "scenarios"


def at(api: Api, clock, *when) -> None:
    """Move the clock; sign in again (tokens expire with time)."""
    clock.set(vn(*when))
    api.tokens.clear()


def sweep(app, settings, *when) -> timers.SweepResult:
    return timers.sweep(app.extensions["tthc"]["sessions"], settings, vn(*when))


def received(api: Api) -> str:
    code = api.file(CITIZEN)["code"]
    api.act(RECEIVER, code, "receive")
    return code


def open_tasks(api: Api, user: str, code: str) -> list[dict]:
    r = api.get("/api/v1/tasks", user)
    assert r.status_code == 200, r.get_json()
    return [t for t in r.get_json() if t["dossier"] == code]


def complete(api: Api, user: str, task_id: int, action: str, data: dict):
    return api.post(f"/api/v1/tasks/{task_id}/complete", user, json={"action": action, "data": data})


def decided_and_issued(api: Api, clock, code: str, status: int = 200):
    """Decided at 27/11 10:00, an hour past the due, then the clerk's issue: the response when ``status`` is
    not 200."""
    at(api, clock, 2026, 11, 27, 10, 0)
    api.act(SPECIALIST, code, "propose_approval", STEP_DATA["propose_approval"])
    api.act(LEADER, code, "approve", {"y_kien_phe_duyet": "Đồng ý"})
    if status != 200:
        return issue(api, code)
    return api.act(CLERK, code, "issue_result", STEP_DATA["issue_result"])


def issue(api: Api, code: str):
    """The clerk's issue of the result, as the API answers it."""
    return api.post(f"/api/v1/tasks/{api.task_for(CLERK, code)['id']}/complete", CLERK,
                    json={"action": "issue_result", "data": STEP_DATA["issue_result"]})


def error(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:400])
    return response.get_json()["error"]


def test_overdue_opens_the_heads_apology_item_which_issues_the_letter_and_unblocks_the_return(
        api, app, settings, clock):
    code = received(api)
    assert open_tasks(api, HEAD, code) == []
    assert sweep(app, settings, 2026, 11, 27, 8, 59).effects.get("overdue") is None
    assert open_tasks(api, HEAD, code) == []

    assert sweep(app, settings, 2026, 11, 27, 9, 0).effects["overdue"] == 1
    (task,) = open_tasks(api, HEAD, code)
    assert task["step"] == "apology" and task["role"] == "head_of_agency"
    assert task["actions"] == ["issue_apology"]
    assert task["due_at"] == iso(2026, 11, 30, 9, 0)  # its own deadline: one working day (28–29/11 weekend)
    detail = api.get(f"/api/v1/tasks/{task['id']}", HEAD).get_json()
    assert detail["actions"] == ["issue_apology"] and detail["dossier_summary"]["code"] == code
    assert sweep(app, settings, 2026, 11, 28, 9, 0).effects == {}  # never a second item
    assert len(open_tasks(api, HEAD, code)) == 1

    # The result is decided late; its issue, which releases it to the citizen, waits for the letter (D19, D23).
    assert error(decided_and_issued(api, clock, code, status=422), 422)["rule"] == "D19"
    assert len(open_tasks(api, HEAD, code)) == 1

    # Only the head's role takes the item; the data is checked like any action's.
    assert error(complete(api, LEADER, task["id"], "issue_apology", {"reason": REASON}), 403)["code"] == "wrong_role"
    assert "reason" in error(complete(api, HEAD, task["id"], "issue_apology", {}), 422)["fields"]
    assert error(complete(api, HEAD, task["id"], "return_result", {}), 422)["code"] == "action_not_offered"

    at(api, clock, 2026, 11, 27, 11, 0)
    r = complete(api, HEAD, task["id"], "issue_apology", {"reason": REASON, "new_due_at": iso(2026, 11, 30, 9, 0)})
    assert r.status_code == 200, r.get_json()
    (letter,) = r.get_json()["letters"]
    assert letter["faults"] == ["overdue"] and letter["signer_role"] == "head_of_agency"
    assert letter["signer"] == HEAD_NAME and letter["new_due_at"] == iso(2026, 11, 30, 9, 0)
    assert letter["document"] is None  # it waits for the head's own signature (D35) ...
    assert error(issue(api, code), 422)["rule"] == "D19"
    assert sign_requested(app, code) == 1  # ... signed and sealed, it goes with the result
    shown = api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()
    assert shown["letters"][0]["document"] in [d["id"] for d in shown["documents"] if d["kind"] == "apology"]
    assert open_tasks(api, HEAD, code) == []
    assert error(complete(api, HEAD, task["id"], "issue_apology", {"reason": REASON}), 409)["code"] == "task_completed"
    history = [h["action"] for h in r.get_json()["history"]]
    assert history[-2:] == ["issue_apology", "letter_issued"]

    assert api.act(CLERK, code, "issue_result", STEP_DATA["issue_result"])["status"] == 9
    returned = api.act(RECEIVER, code, "return_result", STEP_DATA["return_result"])
    assert returned["status"] == 10 and returned["late"] is True and len(returned["letters"]) == 1


def test_the_letters_endpoint_is_another_way_to_the_same_action_and_closes_the_item(api, app, settings, clock):
    code = received(api)
    sweep(app, settings, 2026, 11, 27, 9, 0)
    assert len(open_tasks(api, HEAD, code)) == 1
    at(api, clock, 2026, 11, 27, 10, 0)
    r = api.post(f"/api/v1/dossiers/{code}/letters", HEAD, json={"kind": "overdue", "reason": REASON})
    assert r.status_code == 201, r.get_json()
    assert [letter["faults"] for letter in r.get_json()["letters"]] == [["overdue"]]
    assert open_tasks(api, HEAD, code) == []
    again = api.post(f"/api/v1/dossiers/{code}/letters", HEAD, json={"kind": "overdue", "reason": REASON})
    assert error(again, 409)["code"] == "letter_exists"
    assert sweep(app, settings, 2026, 11, 30, 9, 0).effects == {}
    assert open_tasks(api, HEAD, code) == []


def test_a_result_decided_late_before_any_sweep_is_issued_after_the_heads_letter(api, app, clock):
    code = received(api)
    # 27/11 10:00, an hour past the due; no timer ran: late all the same, the issue waits for the letter (D19)
    assert error(decided_and_issued(api, clock, code, status=422), 422)["rule"] == "D19"
    r = api.post(f"/api/v1/dossiers/{code}/letters", HEAD, json={"kind": "overdue", "reason": REASON})
    assert r.status_code == 201, r.get_json()  # the item is opened at once and completed
    assert sign_requested(app, code) == 1
    issued = api.act(CLERK, code, "issue_result", STEP_DATA["issue_result"])
    assert issued["status"] == 9 and issued["late"] is True and open_tasks(api, HEAD, code) == []


def test_stopping_a_late_dossier_closes_its_apology_item(api, app, settings, clock):
    code = received(api)
    sweep(app, settings, 2026, 11, 27, 9, 0)
    assert len(open_tasks(api, HEAD, code)) == 1
    at(api, clock, 2026, 11, 27, 10, 0)
    r = api.post(f"/api/v1/dossiers/{code}/stop", RECEIVER, json={"reason": "Người nộp đề nghị dừng"})
    assert r.status_code == 200, r.get_json()
    assert open_tasks(api, HEAD, code) == []


def test_no_apology_item_for_a_dossier_resolved_in_time(api, app, settings, clock):
    code = received(api)
    at(api, clock, 2026, 11, 26, 9, 0)
    api.act(SPECIALIST, code, "propose_approval", STEP_DATA["propose_approval"])
    api.act(LEADER, code, "approve", {"y_kien_phe_duyet": "Đồng ý"})
    assert api.act(CLERK, code, "issue_result", STEP_DATA["issue_result"])["late"] is False
    sweep(app, settings, 2026, 11, 30, 9, 0)
    assert open_tasks(api, HEAD, code) == []


def test_a_refusal_to_resolve_is_signed_by_the_head_of_agency_whoever_holds_the_approval_step_D21(api, clock):
    code = received(api)
    api.act(SPECIALIST, code, "propose_refusal", STEP_DATA["propose_refusal"])
    refused = api.act(LEADER, code, "refuse", {"reasons": ["Ngành nghề thuộc danh mục cấm kinh doanh"]})
    (draft,) = [d for d in refused["documents"] if d["kind"] == "result_draft"]
    assert [s["signer"] for s in draft["signatures"]] == [HEAD_NAME]
    issued = api.act(CLERK, code, "issue_result", STEP_DATA["issue_result"])
    (result,) = [d for d in issued["documents"] if d["kind"] == "result"]
    assert HEAD_NAME in [s["signer"] for s in result["signatures"]]
    assert LEADER_NAME not in [s["signer"] for s in result["signatures"]]


def test_an_approval_is_still_signed_by_the_approver(api):
    code = received(api)
    api.act(SPECIALIST, code, "propose_approval", STEP_DATA["propose_approval"])
    approved = api.act(LEADER, code, "approve", {"y_kien_phe_duyet": "Đồng ý"})
    (draft,) = [d for d in approved["documents"] if d["kind"] == "result_draft"]
    assert [s["signer"] for s in draft["signatures"]] == [LEADER_NAME]


def test_the_simulator_applies_issue_apology_like_any_action(tmp_path):
    scenario = json.loads((SCENARIOS / "overdue-apology.json").read_text(encoding="utf-8"))
    settings = load_settings(data_dir=str(tmp_path))
    out = simulate(scenario, settings, Path(__file__).resolve().parent.parent)
    events = [(e["type"], e["at"]) for e in out["events"]]
    refusals = [e for e in out["events"] if e["type"] == "rule_refused"]
    # D19: the late result is issued (released to the citizen) only once the head's letter is signed
    assert [(e["rule"], e["at"], e["do"]) for e in refusals] == [("D19", iso(2026, 11, 30, 9, 0), "issue_result")]
    expected = [("overdue", iso(2026, 11, 27, 8, 30)), ("apology_issued", iso(2026, 11, 30, 11, 0)),
                ("letter_issued", iso(2026, 11, 30, 11, 0)), ("resolved", iso(2026, 11, 30, 11, 30)),
                ("returned", iso(2026, 11, 30, 14, 0))]
    positions = [events.index(item) for item in expected]
    assert positions == sorted(positions)
    (letter,) = [e for e in out["events"] if e["type"] == "letter_issued"]
    assert letter["faults"] == ["overdue"] and letter["signer_role"] == "head_of_agency"
    assert out["dossier"]["status"] == 10 and out["dossier"]["late"] is True


def test_the_head_finds_the_apology_in_the_inbox_and_signs_it_from_the_task_page(api, app, settings, clock):
    code = received(api)
    sweep(app, settings, 2026, 11, 27, 9, 0)
    at(api, clock, 2026, 11, 27, 10, 0)
    head = Web(app.test_client()).login(HEAD)
    task = head.task_id(code)
    assert "Thư xin lỗi" in text_of(head.get("/can-bo/cong-viec"))
    page = text_of(head.get(f"/can-bo/cong-viec/{task}"))
    assert "Ký thư xin lỗi" in page
    head.post(f"/can-bo/cong-viec/{task}/issue_apology", {"reason": ""}, status=422)
    head.post(f"/can-bo/cong-viec/{task}/receive", {}, status=404)  # not an action of this step
    head.post(f"/can-bo/cong-viec/{task}/issue_apology", {"reason": REASON}, status=302)
    (letter,) = api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()["letters"]
    assert letter["signer"] == HEAD_NAME and letter["faults"] == ["overdue"]
    assert "Không có công việc nào" in text_of(head.get("/can-bo/cong-viec"))


def test_a_calendar_change_keeps_the_apology_items_own_deadline(api, app, settings, clock):
    code = received(api)
    sweep(app, settings, 2026, 11, 27, 15, 0)  # overdue since 09:00: the item's day counts from then, not the sweep
    (task,) = open_tasks(api, HEAD, code)
    assert task["due_at"] == iso(2026, 11, 30, 9, 0)
    sessions = app.extensions["tthc"]["sessions"]
    with sessions() as session:
        before = replanning.agency_calendars(session, settings)
    # Mon 30/11, which the letter's own deadline runs over, made off at the sweep's time: the dossier, late
    # already, keeps its due (D19: a day off declared after it does not make it in time), the letter its own
    with sessions.begin() as session:
        session.add(CalendarOverride(day=date(2026, 11, 30), kind="off", name="Nghỉ", created_at=clock.now()))
    calendars.forget_overrides()
    assert replanning.replan(sessions, settings, date(2026, 11, 30), before, vn(2026, 11, 27, 15, 0)) == 0
    assert api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()["due_at"] == iso(2026, 11, 27, 9, 0)
    (task,) = open_tasks(api, HEAD, code)
    assert task["due_at"] == iso(2026, 11, 30, 9, 0)
