"""A signature asked for without its PIN tries nothing against the key (D35): it is refused and asked for again,
and does not count towards the lock that five wrong PINs put on the document (README, Signing). Real SQLite and
PostgreSQL, real PDFs and PAdES signatures."""
from __future__ import annotations

from datetime import datetime

from conftest import CITIZEN, PASSWORD, STEP_DATA, Api, drain_after_commit
from web_support import Web
from engine.cases import signing_requests
from engine.core.clock import VN_TZ
from engine.data.signing_model import SigningRequest

LEADER = "demo.lanhdao"


def awaiting_leader(app, clock) -> tuple[Api, int]:
    """Filed and received Monday 23/11/2026, approved by the leader at 09:00: the decision waits for the signature."""
    drain_after_commit(app, "seal")
    api = Api(app.test_client(), auto_sign=False)
    clock.set(datetime(2026, 11, 23, 8, 30, tzinfo=VN_TZ))
    code = api.file(CITIZEN)["code"]
    api.act("demo.tiepnhan", code, "receive")
    api.act("demo.chuyenvien", code, "propose_approval", STEP_DATA["propose_approval"])
    clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=VN_TZ))
    api.act(LEADER, code, "approve")
    [request] = [r for r in api.get("/api/v1/signing-requests", LEADER).get_json() if r["dossier"] == code]
    return api, request["id"]


def test_signing_without_a_pin_is_asked_for_again_and_never_locks_the_document(app, clock):
    api, rid = awaiting_leader(app, clock)
    url = f"/api/v1/signing-requests/{rid}/sign"
    for _ in range(signing_requests.LOCK_AFTER_FAILURES + 1):  # 09:00: six times without the PIN
        r = api.post(url, LEADER, json={})
        assert r.status_code == 422 and r.get_json()["error"]["code"] == "pin_required", r.get_json()
    for _ in range(signing_requests.LOCK_AFTER_FAILURES - 1):  # four wrong PINs: still one short of the lock
        assert api.post(url, LEADER, json={"pin": "0000"}).status_code == 422
    r = api.post(url, LEADER, json={"pin": PASSWORD})
    assert r.status_code == 200 and r.get_json()["state"] == "signed", r.get_json()


def test_the_signing_page_sent_with_an_empty_pin_does_not_lock_the_document(app, clock):
    _api, rid = awaiting_leader(app, clock)
    web = Web(app.test_client()).login(LEADER)
    for _ in range(2):  # a browser without the form's own check sends the field empty
        assert web.post(f"/can-bo/ky-so/{rid}", {"pin": ""}).status_code == 422
    for _ in range(signing_requests.LOCK_AFTER_FAILURES - 2):
        web.post(f"/can-bo/ky-so/{rid}", {"pin": "wrong"})
    assert web.post(f"/can-bo/ky-so/{rid}", {"pin": PASSWORD}).status_code in (200, 302)
    with app.extensions["tthc"]["sessions"]() as session:
        assert session.get(SigningRequest, rid).state == "signed"
