"""D35: a personal signature is made with the signer's own device or consent, the one they use now. An officer
whose signing method changes (the key file taken out of use for a remote signing service) signs what already
waits for them under "Chờ ký số" with the new method: the old key and its PIN no longer sign it. A request whose
confirmation the remote service is already awaiting keeps its method, since its reference belongs to that
service. Real SQLite and PostgreSQL, real PDFs and PAdES signatures, the project's own remote signing service."""
from __future__ import annotations

import pytest
from conftest import PASSWORD, Api
from device_support import confirm
from engine.cases import signing_requests
from engine.data.signing_model import SigningRequest
from engine.paperwork import results
from engine.web import trustservices
from test_signing_requests import LEADER, approved, only_request, sign


@pytest.fixture
def api(app):
    return Api(app.test_client(), auto_sign=False)


@pytest.fixture
def services(settings, clock):
    """The demo remote signing service (CSC API) holding the leader's key, on 127.0.0.1 for the test."""
    pki = results.pki(settings)
    pki.issue(pki.remote_key(LEADER), "Phạm Minh Lãnh", "Ủy ban nhân dân phường Thuận Hóa (demo)", clock.now())
    running = trustservices.start(pki, clock.now(), clock=clock.now)
    yield running
    running.stop()


def set_method(app, method: dict, now) -> dict:
    """What `tthc pki method demo.lanhdao JSON` does (engine.cli.signing), in the app's database."""
    with app.extensions["tthc"]["sessions"].begin() as session:
        return signing_requests.set_method(session, LEADER, method, now)


def stored(app, request_id: int) -> SigningRequest:
    with app.extensions["tthc"]["sessions"]() as session:
        return session.get(SigningRequest, request_id)


def test_a_waiting_request_is_signed_with_the_method_set_after_it_was_made(api, app, settings, clock, services):
    """D35: approved on Monday 23/11/2026 while the leader signs with the key file (pkcs12), the result waits for
    them; the key file is then taken out of use and the leader switched to remote signing (csc). The waiting
    request follows: the old PIN no longer signs it (202, the confirmation asked on the leader's device), and once
    the leader confirms, the result is signed through the remote service."""
    code = approved(api)
    request = only_request(api, LEADER, code)
    assert request["method"] == "pkcs12" and request["state"] == "awaiting_signer"

    remote = {"kind": "csc", "url": services.url, "credential": LEADER}
    assert set_method(app, remote, clock.now()) == remote
    assert only_request(api, LEADER, code)["method"] == "csc"

    waiting = sign(api, LEADER, request["id"], pin=PASSWORD, status=202)  # the key file's PIN signs nothing
    assert waiting["state"] == "awaiting_signer" and "xác nhận" in waiting["message"]
    reference = stored(app, request["id"]).reference
    assert reference
    confirm(services.url, reference, "dong-y")
    signed = sign(api, LEADER, request["id"], pin=None)
    assert signed["state"] == "signed" and signed["method"] == "csc"


def test_a_request_awaiting_a_remote_confirmation_keeps_its_method(api, app, settings, clock, services):
    """D35: the leader signs remotely; their device is asked to confirm (202) when the method is switched back to
    the key file: that request keeps the remote method and its reference (the confirmation belongs to that
    service), and is signed once the leader confirms there."""
    remote = {"kind": "csc", "url": services.url, "credential": LEADER}
    set_method(app, remote, clock.now())
    code = approved(api)
    request = only_request(api, LEADER, code)
    sign(api, LEADER, request["id"], pin=None, status=202)
    reference = stored(app, request["id"]).reference

    set_method(app, {"kind": "pkcs12"}, clock.now())
    kept = stored(app, request["id"])
    assert (kept.method, kept.reference) == (remote, reference)
    confirm(services.url, reference, "dong-y")
    assert sign(api, LEADER, request["id"], pin=None)["state"] == "signed"


def test_a_request_kept_on_a_remote_service_follows_the_current_method_once_that_confirmation_ends(
        api, app, settings, clock, services):
    """D35: the leader's request awaits a remote confirmation when the service is taken out of use (the key file
    again); the leader refuses that confirmation on the device: the next attempt signs with the key file's PIN,
    not by asking the withdrawn service again."""
    set_method(app, {"kind": "csc", "url": services.url, "credential": LEADER}, clock.now())
    code = approved(api)
    request = only_request(api, LEADER, code)
    sign(api, LEADER, request["id"], pin=None, status=202)
    set_method(app, {"kind": "pkcs12"}, clock.now())
    assert stored(app, request["id"]).method["kind"] == "csc"  # its confirmation still awaited
    confirm(services.url, stored(app, request["id"]).reference, "tu-choi")
    api.post(f"/api/v1/signing-requests/{request['id']}/sign", LEADER, json={})  # learns of the refusal
    assert stored(app, request["id"]).method == {"kind": "pkcs12"}
    r = api.post(f"/api/v1/signing-requests/{request['id']}/sign", LEADER, json={"pin": PASSWORD})
    assert r.status_code == 200 and r.get_json()["state"] == "signed", r.get_json()
