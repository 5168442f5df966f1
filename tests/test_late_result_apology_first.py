"""D19 with D23: a late result reaches the citizen only with the head of agency's apology letter. For an online
dossier the clerk's issue of the result is its release (D23: the signed result is in the citizen's account, the
citizen is told), so the issue of a late result waits for the letter, as the return does; an issue in time
needs none.

Timeline: household business (1.001612, 3 working days) filed and received at the ward Thuận Hóa on Wed
22/04/2026 09:00; Mon 27/04/2026 is off (Giỗ Tổ Hùng Vương's substitute day), so the result is due Tue
28/04/2026 09:00. The timer sweep marks it overdue at 09:00 and opens the head's apology item.
"""
from __future__ import annotations

from datetime import datetime

import pytest
from conftest import CITIZEN, STEP_DATA, iso, settings_with_keys, sign_requested, vn

from engine import timers
from engine.core.clock import VN_TZ

RECEIVER, SPECIALIST, LEADER = "demo.tiepnhan", "demo.chuyenvien", "demo.lanhdao"
CLERK, HEAD = "demo.vanthu", "demo.thutruong"
KEYS_ISSUED = datetime(2026, 4, 1, 8, 0, tzinfo=VN_TZ)
REASON = "Chậm xác minh địa điểm kinh doanh"


@pytest.fixture(scope="module")
def pki_april(tmp_path_factory):
    """Signing keys valid in April 2026 (the session's PKI is issued at the real time of the run)."""
    return tmp_path_factory.mktemp("pki-late-result-april-2026")


@pytest.fixture
def settings(database_url, tmp_path, pki_april):
    return settings_with_keys(tmp_path / "data", database_url, pki_april, KEYS_ISSUED)


def decided(api, clock) -> str:
    """Filed and received Wed 22/04 09:00 (due Tue 28/04 09:00), approved and signed Fri 24/04."""
    clock.set(vn(2026, 4, 22, 9, 0))
    code = api.file(CITIZEN)["code"]
    assert api.act(RECEIVER, code, "receive")["due_at"] == iso(2026, 4, 28, 9, 0)
    clock.set(vn(2026, 4, 24, 9, 0))
    api.act(SPECIALIST, code, "propose_approval", STEP_DATA["propose_approval"])
    api.act(LEADER, code, "approve", {"y_kien_phe_duyet": "Đồng ý"})  # signed at once (Api.auto_sign)
    return code


def overdue(api, app, settings, clock, code: str) -> None:
    clock.set(vn(2026, 4, 28, 9, 0))
    assert timers.sweep(app.extensions["tthc"]["sessions"], settings, clock.now()).effects["overdue"] == 1
    [item] = [t for t in api.get("/api/v1/tasks", HEAD).get_json() if t["dossier"] == code]
    assert item["step"] == "apology"


def issue(api, code: str):
    task = api.task_for(CLERK, code)
    return api.post(f"/api/v1/tasks/{task['id']}/complete", CLERK,
                    json={"action": "issue_result", "data": STEP_DATA["issue_result"]})


def citizen_results(api, code: str) -> list[int]:
    shown = api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()
    return [d["id"] for d in shown["documents"] if d["kind"] == "result"]


def store(api) -> set[int]:
    r = api.get("/api/v1/me/documents", CITIZEN)
    assert r.status_code == 200, r.get_json()
    return {d["id"] for d in r.get_json()}


def result_notices(api, code: str) -> list[dict]:
    r = api.get("/api/v1/me/notifications", CITIZEN)
    assert r.status_code == 200, r.get_json()
    return [n for n in r.get_json() if n["event"] == "result_ready" and n.get("dossier") == code]


def test_a_late_result_is_not_issued_to_the_citizen_before_the_heads_apology(api, app, settings, clock):
    code = decided(api, clock)
    overdue(api, app, settings, clock, code)

    clock.set(vn(2026, 4, 28, 11, 0))
    r = issue(api, code)
    assert r.status_code == 422, r.get_json()
    error = r.get_json()["error"]
    # the very refusal the return of a late result without the letter gets (D19)
    assert (error["code"], error["rule"]) == ("rule_violation", "D19") and "thư xin lỗi" in error["message"]
    shown = api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()
    assert shown["status"] == 4 and shown["letters"] == []

    clock.set(vn(2026, 4, 28, 11, 5))
    assert citizen_results(api, code) == []
    assert not store(api) & {d["id"] for d in shown["documents"]}
    assert result_notices(api, code) == []


def test_after_the_heads_letter_the_clerks_issue_reaches_the_citizen_with_it(api, app, settings, clock):
    code = decided(api, clock)
    overdue(api, app, settings, clock, code)
    clock.set(vn(2026, 4, 28, 11, 0))
    assert issue(api, code).status_code == 422

    clock.set(vn(2026, 4, 28, 11, 30))
    r = api.post(f"/api/v1/dossiers/{code}/letters", HEAD,
                 json={"kind": "overdue", "reason": REASON, "new_due_at": iso(2026, 4, 29, 9, 0)})
    assert r.status_code == 201, r.get_json()
    sign_requested(app, code)

    clock.set(vn(2026, 4, 28, 11, 40))
    r = issue(api, code)
    assert r.status_code == 200, r.get_json()
    shown = api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()
    assert shown["status"] == 9 and shown["late"] is True
    [letter] = shown["letters"]
    assert REASON in letter["reason"] and letter["new_due_at"] == iso(2026, 4, 29, 9, 0)
    [result] = citizen_results(api, code)
    assert result in store(api)
    assert [n["dossier"] for n in result_notices(api, code)] == [code]
    assert api.get(f"/api/v1/documents/{result}", CITIZEN).status_code == 200


def test_a_result_issued_before_its_due_instant_needs_no_letter(api, app, settings, clock):
    code = decided(api, clock)
    clock.set(vn(2026, 4, 24, 10, 0))
    r = issue(api, code)
    assert r.status_code == 200, r.get_json()
    shown = api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()
    assert shown["status"] == 9 and shown["late"] is False and shown["letters"] == []
    [result] = citizen_results(api, code)
    assert result in store(api) and [n["dossier"] for n in result_notices(api, code)] == [code]
