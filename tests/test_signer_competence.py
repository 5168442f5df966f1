"""Who signs (D21, D35): only an officer who still may act in the role the document is signed in. A head whose role
is taken away signs no refusal notice; a suspended head's open requests go to the agency's other head, and no new
one goes to them; a letter of extension still waiting for its signer when the citizen withdraws ends with the
dossier (D16: the clock ends, no new appointment is sent). Real SQLite and PostgreSQL, real PDFs and signatures."""
from __future__ import annotations

from sqlalchemy import select

from conftest import CITIZEN, PASSWORD, STEP_DATA, Api, password_hash, vn
from engine.cases import accounts, signing_requests
from engine.cases.dossiers import Context
from engine.core.errors import Conflict
from engine.data.agency_model import AdminEvent
from engine.data.model import User
from engine.data.signing_model import SigningRequest
from engine.paperwork import results

HEAD, LEADER, ADMIN = "demo.thutruong", "demo.lanhdao", "demo.admin"
NEW_HEAD, NEW_HEAD_NAME = "fx.thutruong2", "Ngô Văn Mới"
REASONS = {"reasons": ["Ngành nghề cấm kinh doanh"]}


def another_officer(app, username: str, full_name: str, role: str) -> None:
    """A second officer of the demo agency holding ``role``, with their own signing key (PIN: the demo password)."""
    ext = app.extensions["tthc"]
    now = ext["clock"].now()
    with ext["sessions"].begin() as session:
        agency = session.scalar(select(User).where(User.username == HEAD)).agency
        accounts.ensure_officer(session, now, username, full_name, {role}, agency, PASSWORD,
                                password_hash=password_hash())
        pki = results.pki(ext["settings"])
        pki.issue(pki.user_key(username), full_name, agency.name, now, pin=PASSWORD)


def at(api, clock, *when) -> None:
    """The clock moved to ``when`` (Vietnam time); everyone signs in again (a token does not outlive the day)."""
    clock.set(vn(*when))
    api.tokens.clear()


def decided(api, clock, action: str, data: dict | None = None) -> str:
    """Filed Monday 07/12/2026 08:30, received 09:00, proposed and decided by the leader at 10:00."""
    at(api, clock, 2026, 12, 7, 8, 30)
    code = api.file(CITIZEN)["code"]
    at(api, clock, 2026, 12, 7, 9, 0)
    api.act("demo.tiepnhan", code, "receive")
    at(api, clock, 2026, 12, 7, 10, 0)
    api.act("demo.chuyenvien", code, "propose_approval", STEP_DATA["propose_approval"])
    api.act(LEADER, code, action, data)
    return code


def waiting(api, user: str, code: str) -> list[dict]:
    return [r for r in api.get("/api/v1/signing-requests", user).get_json() if r["dossier"] == code]


def change(api, username: str, data: dict) -> None:
    r = api.client.patch(f"/api/v1/officers/{username}", json=data, headers=api.headers(ADMIN))
    assert r.status_code == 200, r.get_json()
    api.tokens.pop(username, None)  # their sessions ended with the change


def draft_signers(api, code: str) -> list[list[str]]:
    shown = api.get(f"/api/v1/dossiers/{code}", "demo.vanthu").get_json()
    return [[s["signer"] for s in d["signatures"]] for d in shown["documents"] if d["kind"] == "result_draft"]


def last_admin_event(app, action: str) -> dict:
    with app.extensions["tthc"]["sessions"]() as session:
        return session.scalar(select(AdminEvent.details).where(AdminEvent.action == action)
                              .order_by(AdminEvent.id.desc()).limit(1))


def test_a_head_whose_role_is_taken_away_does_not_sign_the_refusal(app, clock):
    api = Api(app.test_client(), auto_sign=False)
    code = decided(api, clock, "refuse", REASONS)
    [req] = waiting(api, HEAD, code)
    at(api, clock, 2026, 12, 7, 14, 0)
    change(api, HEAD, {"roles": ["specialist"]})  # no other head in the agency: the request stays, unsignable
    assert last_admin_event(app, "officer.update")["signing"] == {"unassigned": [code]}
    at(api, clock, 2026, 12, 8, 9, 0)
    r = api.post(f"/api/v1/signing-requests/{req['id']}/sign", HEAD, json={"pin": PASSWORD})
    assert r.status_code == 409, r.get_json()
    assert r.get_json()["error"]["code"] == "signer_not_competent"
    assert "không còn giữ vai trò" in r.get_json()["error"]["message"]
    assert draft_signers(api, code) == [[]]  # rendered, never signed
    assert waiting(api, HEAD, code)[0]["state"] == "awaiting_signer"


def test_a_suspended_head_cannot_sign_what_was_confirmed_on_their_device_meanwhile(app, clock):
    """Signing started before the suspension (the device asked) and finishing after it stores nothing."""
    api = Api(app.test_client(), auto_sign=False)
    code = decided(api, clock, "refuse", REASONS)
    [req] = waiting(api, HEAD, code)
    ext = app.extensions["tthc"]
    with ext["sessions"]() as session:
        head = session.scalar(select(User).where(User.username == HEAD))
    at(api, clock, 2026, 12, 7, 15, 0)
    change(api, HEAD, {"active": False, "reason": "Nghỉ hưu"})
    ctx = Context(head, clock.now(), ext["settings"])  # the head as they were when they began to sign
    try:
        signing_requests.sign(ext["sessions"].begin, ext["settings"], ctx, req["id"], PASSWORD)
    except Conflict as refused:
        assert refused.code == "signer_not_competent"
    else:
        raise AssertionError("a suspended head signed the refusal")
    with ext["sessions"]() as session:
        assert session.get(SigningRequest, req["id"]).state == "awaiting_signer"


def test_a_suspended_heads_refusal_goes_to_the_agencys_other_head(app, clock):
    another_officer(app, NEW_HEAD, NEW_HEAD_NAME, "head_of_agency")
    api = Api(app.test_client(), auto_sign=False)
    code = decided(api, clock, "refuse", REASONS)
    assert waiting(api, HEAD, code) and not waiting(api, NEW_HEAD, code)
    assert draft_signers(api, code) == [[]]  # drawn for demo.thutruong
    at(api, clock, 2026, 12, 7, 15, 0)
    change(api, HEAD, {"active": False, "reason": "Nghỉ hưu"})
    assert last_admin_event(app, "officer.suspend")["signing"] == {
        "handed_over": [{"dossier": code, "kind": "result_draft", "to": NEW_HEAD}]}
    [req] = waiting(api, NEW_HEAD, code)
    assert req["state"] == "awaiting_signer"  # drawn again for the new signer after the change's commit
    at(api, clock, 2026, 12, 8, 9, 0)
    r = api.post(f"/api/v1/signing-requests/{req['id']}/sign", NEW_HEAD, json={"pin": PASSWORD})
    assert r.status_code == 200, r.get_json()
    assert draft_signers(api, code) == [[NEW_HEAD_NAME]]  # one draft, the old one dropped


def test_a_new_refusal_does_not_go_to_a_suspended_head(app, clock):
    another_officer(app, NEW_HEAD, NEW_HEAD_NAME, "head_of_agency")
    api = Api(app.test_client(), auto_sign=False)
    at(api, clock, 2026, 12, 4, 16, 0)
    change(api, HEAD, {"active": False, "reason": "Nghỉ hưu"})
    code = decided(api, clock, "refuse", REASONS)
    assert [r["state"] for r in waiting(api, NEW_HEAD, code)] == ["awaiting_signer"]


def test_a_leader_who_loses_the_role_hands_the_result_to_the_other_leader(app, clock):
    another_officer(app, "fx.lanhdao2", "Trần Thị Lãnh", "department_leader")
    api = Api(app.test_client(), auto_sign=False)
    code = decided(api, clock, "approve")
    at(api, clock, 2026, 12, 7, 14, 0)
    change(api, LEADER, {"roles": ["specialist"]})
    [req] = waiting(api, "fx.lanhdao2", code)
    at(api, clock, 2026, 12, 7, 14, 30)
    r = api.post(f"/api/v1/signing-requests/{req['id']}/sign", "fx.lanhdao2", json={"pin": PASSWORD})
    assert r.status_code == 200, r.get_json()
    assert draft_signers(api, code) == [["Trần Thị Lãnh"]]


def test_an_extension_letter_waiting_for_the_head_ends_with_a_withdrawal(app, clock):
    api = Api(app.test_client(), auto_sign=False)
    at(api, clock, 2026, 12, 7, 8, 30)
    code = api.file(CITIZEN)["code"]
    at(api, clock, 2026, 12, 7, 9, 0)
    api.act("demo.tiepnhan", code, "receive")
    at(api, clock, 2026, 12, 8, 9, 0)
    api.act("demo.chuyenvien", code, "request_extension", {"working_days": 1, "reason": "Cần xác minh thêm địa điểm"})
    api.act(LEADER, code, "confirm_extension")
    api.act("demo.giamdoc", code, "confirm_extension")
    [letter] = waiting(api, HEAD, code)
    assert letter["kind"] == "apology"
    at(api, clock, 2026, 12, 8, 10, 0)
    r = api.post(f"/api/v1/dossiers/{code}/withdraw", CITIZEN, json={"reason": "Không còn nhu cầu"})
    assert r.status_code == 200, r.get_json()
    assert waiting(api, HEAD, code) == []
    at(api, clock, 2026, 12, 9, 10, 0)
    r = api.post(f"/api/v1/signing-requests/{letter['id']}/sign", HEAD, json={"pin": PASSWORD})
    assert r.status_code == 409, r.get_json()
    assert r.get_json()["error"]["code"] == "signing_request_closed"
    events = [n["event"] for n in api.get("/api/v1/me/notifications", CITIZEN).get_json()]
    assert "extension_letter" not in events
    shown = api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()
    assert shown["letters"] == []  # withdrawn unsigned with the dossier: never issued, shown to nobody
    assert "apology" not in [d["kind"] for d in shown["documents"]]
