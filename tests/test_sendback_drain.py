"""D22, D35: a result whose signer's certificate lapsed before the clerk issued it goes back to its signer; the
draft drawn again is rendered right after that send-back commits, as after any command that asks for a signature
(the drain of `tthc serve` is woken), so the signer finds it ready under "Chờ ký số" without waiting for the
worker's next beat. Real SQLite and PostgreSQL, real PDFs, keys issued on concrete dates."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from conftest import CITIZEN, STEP_DATA, Api, settings_with_keys, vn
from engine.data.model import Document, Dossier
from engine.data.signing_model import SigningRequest

RECEIVER, SPECIALIST, LEADER, CLERK = "demo.tiepnhan", "demo.chuyenvien", "demo.lanhdao", "demo.vanthu"
KEYS_ISSUED = vn(2024, 11, 25, 8, 0)  # certificates of two years: they lapse on Wednesday 25/11/2026 08:00
AFTER_LAPSE = vn(2026, 11, 25, 14, 0)  # the clerk issues that afternoon


@pytest.fixture
def settings(database_url, tmp_path):
    """Keys of their own, issued on a concrete date (the session's PKI follows the real clock)."""
    return settings_with_keys(tmp_path / "data", database_url, tmp_path / "pki", KEYS_ISSUED)


def test_a_lapsed_signature_sent_back_is_rendered_at_once_for_its_signer(app, clock):
    """D22, D35: approved and signed on Monday 23/11/2026; on Wednesday 25/11/2026 at 14:00, after the leader's
    certificate lapsed, the clerk's issue is refused and the result goes back to the leader. The drain is woken
    once the send-back commits (the app's wake, as `tthc serve` sets it, renders at once here): the new request
    is already awaiting the leader with its draft, numbered 1/GCN-UBND, before any beat of the worker."""
    woken = []
    drain = app.extensions["tthc"]["after_commit"]  # conftest.drain_after_commit: renders in the request's thread
    app.extensions["tthc"]["after_commit"] = lambda: (woken.append(clock.now()), drain())
    api = Api(app.test_client())
    code = api.file(CITIZEN)["code"]
    api.act(RECEIVER, code, "receive")
    api.act(SPECIALIST, code, "propose_approval", STEP_DATA["propose_approval"])
    api.act(LEADER, code, "approve")  # signed at once by the leader (Api.auto_sign)

    clock.set(AFTER_LAPSE)
    api.auto_sign = False
    woken.clear()
    refused = api.act(CLERK, code, "issue_result", STEP_DATA["issue_result"], status=422)["error"]
    assert refused["code"] == "result_not_signed"
    assert woken == [AFTER_LAPSE]  # woken once, by the send-back's commit

    with app.extensions["tthc"]["sessions"]() as session:
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        signed, again = session.scalars(select(SigningRequest).where(SigningRequest.dossier_id == dossier.id,
                                                                     SigningRequest.kind == "result_draft")
                                        .order_by(SigningRequest.id)).all()
        draft = session.get(Document, again.document_id) if again.document_id is not None else None
        assert signed.state == "signed"
        assert (again.state, again.number, again.rendered_at) == ("awaiting_signer", "1/GCN-UBND", AFTER_LAPSE)
        assert draft is not None and (draft.state, draft.number) == ("pending_signature", "1/GCN-UBND")
    mine = [r for r in api.get("/api/v1/signing-requests", LEADER).get_json() if r["dossier"] == code]
    assert [(r["state"], r["document"]) for r in mine] == [("awaiting_signer", again.document_id)]


def test_a_refused_command_that_sends_nothing_back_does_not_wake_the_drain(app, clock):
    """D22: the clerk's issue refused while the result still waits for the leader's signature sends nothing back
    and commits nothing: the drain is not woken."""
    woken = []
    app.extensions["tthc"]["after_commit"] = lambda: woken.append(clock.now())
    api = Api(app.test_client(), auto_sign=False)
    code = api.file(CITIZEN)["code"]
    api.act(RECEIVER, code, "receive")
    api.act(SPECIALIST, code, "propose_approval", STEP_DATA["propose_approval"])
    api.act(LEADER, code, "approve")
    woken.clear()
    refused = api.act(CLERK, code, "issue_result", STEP_DATA["issue_result"], status=422)["error"]
    assert refused["code"] == "result_awaiting_signature" and woken == []
