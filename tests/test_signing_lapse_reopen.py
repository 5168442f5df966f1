"""D22, D35: a result signed with a certificate that has expired before the clerk issues it is not issued, and the
refusal is not a dead end: the draft goes back to its signer, with the number the register gave at approval,
and once signed again with a valid certificate the clerk issues it. Real SQLite and PostgreSQL, real PDFs and
PAdES signatures, a PKI of its own issued on concrete dates (the session's PKI follows the real clock)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from conftest import CITIZEN, PASSWORD, STEP_DATA, settings_with_keys, vn
from web_support import Web, text_of
from engine.data.model import Document, Dossier, NumberRegister
from engine.data.signing_model import SigningRequest
from engine.paperwork import results

RECEIVER, SPECIALIST, LEADER, CLERK = "demo.tiepnhan", "demo.chuyenvien", "demo.lanhdao", "demo.vanthu"
KEYS_ISSUED = vn(2024, 11, 25, 8, 0)  # certificates of two years (730 days): they lapse on 25/11/2026 08:00
# Wednesday 25/11/2026 14:00: received Monday 23/11 09:00, the dossier is due Friday 27/11 (not late); the
# leader's and the seal's certificates lapsed that morning and were renewed (the clerk issues after that)
RENEWED = vn(2026, 11, 25, 14, 0)


@pytest.fixture
def settings(database_url, tmp_path):
    """Keys of its own (renewed in the test: a shared PKI would be changed for every other test)."""
    return settings_with_keys(tmp_path / "data", database_url, tmp_path / "pki", KEYS_ISSUED)


def renew_certificates(app, settings, now) -> None:
    """What an agency does when certificates expire: new keys for its officers and its seal, the same PIN."""
    keys = results.pki(settings)
    for folder in ("users", "org"):
        for path in (keys.folder / folder).glob("*.p12"):
            path.unlink()
    with app.extensions["tthc"]["sessions"].begin() as session:
        results.ensure_keys(session, settings, now, pin=PASSWORD)


def requests_of(app, code: str) -> list[SigningRequest]:
    with app.extensions["tthc"]["sessions"]() as session:
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        return list(session.scalars(select(SigningRequest).where(SigningRequest.dossier_id == dossier.id,
                                                                 SigningRequest.kind == "result_draft")
                                    .order_by(SigningRequest.id)))


def test_a_result_whose_signers_certificate_lapsed_goes_back_to_the_signer_with_its_number(api, app, clock,
                                                                                           settings, backend):
    """D22, D35: approved and signed on Monday 23/11/2026 (no timestamp service), the leader's certificate
    lapses on Wednesday 25/11/2026 08:00; at 14:00 the clerk's issue is refused, and the refusal says the result went
    back to the leader to sign again; the leader finds it under "Chờ ký số" with the same number 1/GCN-UBND (no
    second number); signed with the renewed certificate, the clerk issues it with that number."""
    code = api.file(CITIZEN)["code"]
    api.act(RECEIVER, code, "receive")
    api.act(SPECIALIST, code, "propose_approval", STEP_DATA["propose_approval"])
    api.act(LEADER, code, "approve")  # signed at once by the leader (Api.auto_sign)
    [signed] = requests_of(app, code)
    assert signed.state == "signed" and signed.number == "1/GCN-UBND"

    clock.set(RENEWED)
    renew_certificates(app, settings, clock.now())
    api.auto_sign = False  # the leader signs again below, through the API
    refused = api.act(CLERK, code, "issue_result", STEP_DATA["issue_result"], status=422)["error"]
    assert refused["code"] == "result_not_signed" and refused["rule"] == "D22"
    assert "hết hiệu lực (25/11/2026)" in refused["message"]
    assert "chuyển lại" in refused["message"] and "Phạm Minh Lãnh" in refused["message"]

    first, again = requests_of(app, code)  # the signed one stays as it was; a new one waits for the leader
    assert (first.id, first.state) == (signed.id, "signed")
    assert again.signer_id == signed.signer_id and again.role == signed.role and again.purpose == "personal"
    assert (again.number, again.register_year, again.register_seq) == ("1/GCN-UBND", 2026, 1)
    assert again.outcome == "approved" and again.state in ("pending", "awaiting_signer")
    mine = [r for r in api.get("/api/v1/signing-requests", LEADER).get_json() if r["dossier"] == code]
    assert [(r["id"], r["number"]) for r in mine] == [(again.id, "1/GCN-UBND")]
    leader = Web(app.test_client()).login(LEADER)
    inbox = leader.get("/can-bo/cong-viec").get_data(as_text=True)
    assert re.search(rf'<li data-signing="{re.escape(code)}">', inbox)
    assert "Chờ ký số" in text_of(leader.get("/can-bo/cong-viec"))

    waiting = api.act(CLERK, code, "issue_result", STEP_DATA["issue_result"], status=422)["error"]
    assert waiting["code"] == "result_awaiting_signature"  # asked again before the leader signs: no third request
    assert len(requests_of(app, code)) == 2

    r = api.post(f"/api/v1/signing-requests/{again.id}/sign", LEADER, json={"pin": PASSWORD})
    assert r.status_code == 200 and r.get_json()["state"] == "signed", r.get_json()
    issued = api.act(CLERK, code, "issue_result", STEP_DATA["issue_result"])
    assert issued["status"] == 9
    [result] = [d for d in issued["documents"] if d["kind"] == "result"]
    assert result["number"] == "1/GCN-UBND"
    with app.extensions["tthc"]["sessions"]() as session:
        registers = session.execute(select(NumberRegister.year, NumberRegister.last)
                                    .where(NumberRegister.kind == "result")).all()
        numbered = session.scalar(select(func.count()).select_from(Document).where(Document.kind == "result"))
    assert registers == [(2026, 1)] and numbered == 1  # one number, given at approval, never a second


def test_a_lapsed_signature_is_sent_back_once_for_two_refusals(api, app, clock, settings):
    """D22, D35: two clerks' refusals on Wednesday 25/11/2026 send the result back to its signer once: one new
    request waits for the leader, the second refusal says the result is awaiting the signature."""
    code = api.file(CITIZEN)["code"]
    api.act(RECEIVER, code, "receive")
    api.act(SPECIALIST, code, "propose_approval", STEP_DATA["propose_approval"])
    api.act(LEADER, code, "approve")
    clock.set(RENEWED)
    api.auto_sign = False
    first = api.act(CLERK, code, "issue_result", STEP_DATA["issue_result"], status=422)["error"]
    second = api.act(CLERK, code, "issue_result", STEP_DATA["issue_result"], status=422)["error"]
    assert (first["code"], second["code"]) == ("result_not_signed", "result_awaiting_signature")
    assert [r.state for r in requests_of(app, code)][0] == "signed" and len(requests_of(app, code)) == 2
