"""D35 (issue #12 item 3): a timestamp authority (TSA, RFC 3161) that is configured but cannot be reached is a
clear refusal, like a revocation list that cannot be reached: nothing is signed, the request stays pending with
a Vietnamese message, and the signer (or the worker, for the agency's seal) tries again later. Never a 500, never
a half-issued result. The TSA's address is a closed local port: no real network."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from conftest import CITIZEN, PASSWORD, STEP_DATA, Api, drain_after_commit  # noqa: F401 - CITIZEN: approved's
from engine.data.signing_model import SigningAttempt, SigningRequest
from engine.paperwork import signing_errors
from engine.web import create_app
from test_signing_requests import CLERK, LEADER, RECEIVER, approved, only_request, render

TSA_DOWN = "http://127.0.0.1:9/tsa"  # the discard port: nothing listens, the connection is refused at once
TSA_WORDS = "dấu thời gian (TSA)"
SQLITE = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # not a database matter


def _app(settings, clock, purpose=None):
    app = create_app(settings, clock=clock)
    app.testing = True
    drain_after_commit(app, purpose)
    return app


@SQLITE
def test_d35_a_signer_whose_tsa_is_down_is_refused_clearly_and_the_request_stays_to_sign_again(settings, clock):
    """D35: the leader signs while the TSA cannot be reached: 422 signing_failed in Vietnamese (as an unreachable
    revocation list answers), the failed attempt is recorded, and the request still awaits its signer, with the
    same message for them to read."""
    app = _app(settings.replace(tsa_url=TSA_DOWN), clock, "seal")
    try:
        api = Api(app.test_client(), auto_sign=False)
        code = approved(api)
        render(app)
        request = only_request(api, LEADER, code)
        r = api.post(f"/api/v1/signing-requests/{request['id']}/sign", LEADER, json={"pin": PASSWORD})
        assert r.status_code == 422, r.get_json()
        error = r.get_json()["error"]
        assert error["code"] == "signing_failed" and TSA_WORDS in error["message"], error
        assert "thử lại sau" in error["message"] and "Error" not in error["message"]
        after = only_request(api, LEADER, code)
        assert after["state"] == "awaiting_signer" and TSA_WORDS in after["message"], after
        with app.extensions["tthc"]["sessions"]() as session:
            attempts = session.execute(select(SigningAttempt.succeeded, SigningAttempt.code)
                                       .where(SigningAttempt.request_id == request["id"])).all()
        assert attempts == [(False, "signing_failed")]
    finally:
        app.extensions["tthc"]["engine"].dispose()


@SQLITE
def test_d35_a_seal_whose_tsa_is_down_leaves_the_result_pending_with_a_vietnamese_message(settings, clock):
    """D35, D22: signed while no TSA was configured, then the TSA is configured but down when the clerk issues:
    the worker seals nothing, the result's request goes back to pending (tried again later) with the Vietnamese
    reason, not pyHanko's English; no result is issued, so it cannot be returned."""
    first = _app(settings, clock)
    code = approved(Api(first.test_client(), auto_sign=True))
    first.extensions["tthc"]["engine"].dispose()
    app = _app(settings.replace(tsa_url=TSA_DOWN), clock)
    try:
        api = Api(app.test_client(), auto_sign=False)
        issued = api.act(CLERK, code, "issue_result", STEP_DATA["issue_result"])
        assert not [d for d in issued["documents"] if d["kind"] == "result"]
        with app.extensions["tthc"]["sessions"]() as session:
            seals = session.execute(select(SigningRequest.state, SigningRequest.last_error)
                                    .where(SigningRequest.state != "signed")).all()
        assert len(seals) == 1 and seals[0].state == "pending", seals  # the leader's draft is signed
        assert seals[0].last_error == signing_errors.TSA_DOWN, seals  # worded as the signer is told, no class name
        api.act(RECEIVER, code, "return_result", STEP_DATA["return_result"], status=422)
    finally:
        app.extensions["tthc"]["engine"].dispose()


def test_d35_only_a_service_that_cannot_be_reached_is_called_so():
    """D35: a connection refused, a timeout or a name that does not resolve is a service out of reach; a missing
    file or a full disk is not, and is not blamed on the TSA or the revocation sources."""
    import socket

    assert signing_errors.reason(ConnectionRefusedError(111, "refused"), False) == signing_errors.SERVICE_DOWN
    assert signing_errors.reason(TimeoutError(), False) == signing_errors.SERVICE_DOWN
    assert signing_errors.reason(socket.gaierror(-2, "unknown"), False) == signing_errors.SERVICE_DOWN
    assert signing_errors.reason(OSError(28, "No space left"), True) == signing_errors.TSA_DOWN  # pyHanko's TSA error
    disk = signing_errors.reason(FileNotFoundError(2, "missing"), False)
    assert disk.startswith("Không ký được") and "TSA" not in disk and "thu hồi" not in disk
