"""Signing requests (D22, D35): a decision records who must sign; the document is rendered after the commit; its
signer signs it with their own PIN; only a signed, verified result is issued and returned. Real SQLite and
PostgreSQL, real BPMN, real PDFs and PAdES signatures."""
from __future__ import annotations

import re
from datetime import datetime

import pytest
from sqlalchemy import select

from conftest import CITIZEN, PASSWORD, STEP_DATA, Api, drain_after_commit
from web_support import Web, text_of
from engine import timers
from engine.cases import signing_requests
from engine.cases.dossiers import Context
from engine.core.clock import VN_TZ
from engine.data.model import AuditEvent, Document, Dossier, User
from engine.data.signing_model import SigningAttempt, SigningRequest
from engine.paperwork import documents, results, signers

LEADER, HEAD, CLERK, RECEIVER = "demo.lanhdao", "demo.thutruong", "demo.vanthu", "demo.tiepnhan"


@pytest.fixture
def api(app):
    drain_after_commit(app, "seal")  # the drafts to sign wait for the worker here
    return Api(app.test_client(), auto_sign=False)


def approved(api, action: str = "approve", data: dict | None = None) -> str:
    code = api.file(CITIZEN)["code"]
    api.act(RECEIVER, code, "receive")
    api.act("demo.chuyenvien", code, "propose_approval", STEP_DATA["propose_approval"])
    api.act(LEADER, code, action, data)
    return code


def render(app) -> int:
    ext = app.extensions["tthc"]
    return timers.render_signing(ext["sessions"], ext["settings"], ext["clock"].now())


def only_request(api, user: str, code: str) -> dict:
    mine = [r for r in api.get("/api/v1/signing-requests", user).get_json() if r["dossier"] == code]
    assert len(mine) == 1, mine
    return mine[0]


def sign(api, user: str, request_id: int, pin: str | None = PASSWORD, status: int = 200) -> dict:
    r = api.post(f"/api/v1/signing-requests/{request_id}/sign", user, json={} if pin is None else {"pin": pin})
    assert r.status_code == status, r.get_json()
    return r.get_json()


def row(app, model, **where):
    with app.extensions["tthc"]["sessions"]() as session:
        return session.scalar(select(model).filter_by(**where))


def test_an_approved_result_waits_for_its_signer_then_is_issued_and_returned(api, app, backend):
    code = approved(api)
    request = only_request(api, LEADER, code)
    assert request["state"] == "pending" and request["method"] == "pkcs12" and request["number"] == "1/GCN-UBND"
    refused = api.act(CLERK, code, "issue_result", STEP_DATA["issue_result"], status=422)
    assert refused["error"]["code"] == "result_awaiting_signature" and "Chờ" not in refused["error"]["message"]
    assert render(app) == 1  # the worker renders after the commit
    request = only_request(api, LEADER, code)
    assert request["state"] == "awaiting_signer" and request["document"] is not None
    dossier = api.get(f"/api/v1/dossiers/{code}", CLERK).get_json()
    [draft] = [d for d in dossier["documents"] if d["kind"] == "result_draft"]
    assert draft["state"] == "pending_signature" and draft["signatures"] == []
    assert api.get(draft["url"], CITIZEN).status_code == 404  # nothing unsigned is handed to the citizen
    seen = api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()
    assert "result_draft" not in [d["kind"] for d in seen["documents"]]
    preview = api.get(draft["url"], LEADER)
    assert preview.status_code == 200 and preview.data.startswith(b"%PDF")  # the signer previews it

    wrong = sign(api, LEADER, request["id"], "not-my-pin", status=422)
    assert wrong["error"]["code"] == "bad_key" and "PIN" in wrong["error"]["message"]
    assert only_request(api, LEADER, code)["state"] == "awaiting_signer"
    assert row(app, SigningAttempt, request_id=request["id"]).code == "bad_key"  # recorded, the PIN is not
    signed = sign(api, LEADER, request["id"])
    assert signed["state"] == "signed" and api.get("/api/v1/signing-requests", LEADER).get_json() == []

    dossier = api.get(f"/api/v1/dossiers/{code}", CLERK).get_json()
    [draft] = [d for d in dossier["documents"] if d["kind"] == "result_draft"]
    assert draft["state"] == "signed" and [(s["signer"], s["valid"]) for s in draft["signatures"]] == [
        ("Phạm Minh Lãnh", True)]
    assert api.get(draft["url"], CITIZEN).status_code == 404  # signed, not yet issued by the clerk (D22)
    assert [h["action"] for h in dossier["history"]][-2:] == ["approve", "sign_result"]

    dossier = api.act(CLERK, code, "issue_result", STEP_DATA["issue_result"])
    [result] = [d for d in dossier["documents"] if d["kind"] == "result"]
    assert dossier["status"] == 9 and result["number"] == "1/GCN-UBND" and all(s["valid"] for s in result["signatures"])
    assert api.act(RECEIVER, code, "return_result", STEP_DATA["return_result"])["status"] == 10


def test_the_pin_is_not_kept_anywhere_in_the_database(api, app):
    code = approved(api)
    request = only_request(api, LEADER, code)
    sign(api, LEADER, request["id"], "a-wrong-pin-9f3", status=422)
    sign(api, LEADER, request["id"])
    with app.extensions["tthc"]["sessions"]() as session:
        texts = [repr(e.data) for e in session.scalars(select(AuditEvent))]
        texts += [repr((r.last_error, r.message, r.method)) for r in session.scalars(select(SigningRequest))]
        texts += [repr(a.code) for a in session.scalars(select(SigningAttempt))]
    assert not [t for t in texts if "a-wrong-pin-9f3" in t or PASSWORD in t]


def test_signing_renders_the_document_itself_when_no_drain_has_run_yet(api):
    code = approved(api)
    request = only_request(api, LEADER, code)
    assert request["state"] == "pending"
    assert sign(api, LEADER, request["id"])["state"] == "signed"


def test_a_refusal_waits_for_the_head_of_agency_whoever_refused(api):
    code = approved(api, "refuse", {"reasons": ["Ngành nghề cấm kinh doanh"]})
    assert api.get("/api/v1/signing-requests", LEADER).get_json() == []
    request = only_request(api, HEAD, code)
    assert request["outcome"] == "refused" and request["role"] == "head_of_agency"
    assert sign(api, LEADER, request["id"], status=404)["error"]["code"] == "signing_request_not_found"
    sign(api, HEAD, request["id"])
    dossier = api.act(CLERK, code, "issue_result", STEP_DATA["issue_result"])
    assert dossier["status"] == 9


def test_wrong_pins_lock_the_request_for_fifteen_minutes(api, app, clock):
    code = approved(api)
    request = only_request(api, LEADER, code)
    for _ in range(signing_requests.LOCK_AFTER_FAILURES):
        sign(api, LEADER, request["id"], "0000", status=422)
    locked = sign(api, LEADER, request["id"], status=429)  # even the right PIN waits
    assert locked["error"]["code"] == "too_many_attempts"
    clock.advance(minutes=signing_requests.LOCK_MINUTES, seconds=1)
    assert sign(api, LEADER, request["id"])["state"] == "signed"


def test_a_missing_pin_is_asked_for(api):
    code = approved(api)
    request = only_request(api, LEADER, code)
    assert sign(api, LEADER, request["id"], None, status=422)["error"]["code"] == "pin_required"
    assert sign(api, LEADER, request["id"], "", status=422)["error"]["code"] == "invalid_pin"


def test_an_error_while_rendering_leaves_the_request_pending_and_the_dossier_unchanged(api, app, monkeypatch):
    code = approved(api)
    before = row(app, Dossier, code=code)

    def broken(*args, **kwargs):
        raise RuntimeError("template broke")

    monkeypatch.setattr(results, "render_draft", broken)
    assert render(app) == 1
    request = row(app, SigningRequest, dossier_id=before.id, kind="result_draft")
    after = row(app, Dossier, code=code)
    assert request.state == "pending" and "template broke" in request.last_error and request.document_id is None
    assert (after.status, after.version, after.audit_head) == (before.status, before.version, before.audit_head)
    assert row(app, Document, dossier_id=before.id, kind="result_draft") is None
    assert render(app) == 0  # not again at once: the next beat after a minute
    monkeypatch.undo()
    app.extensions["tthc"]["clock"].advance(minutes=1)
    assert render(app) == 1 and row(app, SigningRequest, dossier_id=before.id, kind="result_draft").state == "awaiting_signer"


def test_an_expired_certificate_cannot_sign(api, app, clock):
    """The leader's demo certificate is valid for two years: signing in 2029 is refused, nothing is signed, the
    request still waits."""
    approved(api)
    render(app)
    ext = app.extensions["tthc"]
    clock.set(datetime(2029, 6, 1, 9, 0, tzinfo=VN_TZ))
    with ext["sessions"]() as session:
        leader = session.scalar(select(User).where(User.username == LEADER))
        request_id = session.scalar(select(SigningRequest.id).where(SigningRequest.kind == "result_draft"))
    with pytest.raises(signers.SigningFailed) as refused:
        signing_requests.sign(ext["sessions"].begin, ext["settings"], Context(leader, clock.now(), ext["settings"]),
                              request_id, PASSWORD)
    assert "hết hiệu lực" in refused.value.message
    request = row(app, SigningRequest, id=request_id)
    assert request.state == "awaiting_signer" and "hết hiệu lực" in request.last_error
    assert row(app, Document, kind="result_draft").state == "pending_signature"


def test_a_tampered_result_is_not_returned(api, app, settings):
    code = approved(api)
    sign(api, LEADER, only_request(api, LEADER, code)["id"])
    api.act(CLERK, code, "issue_result", STEP_DATA["issue_result"])
    result = row(app, Document, kind="result")
    path = documents.path_for(settings.data_dir, result.sha256)
    altered = bytearray(path.read_bytes())
    altered[altered.index(b"stream") + 40] ^= 0x01
    path.write_bytes(bytes(altered))
    refused = api.act(RECEIVER, code, "return_result", STEP_DATA["return_result"], status=422)
    assert refused["error"]["code"] == "result_not_valid" and refused["error"]["rule"] == "D22"
    assert api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()["status"] == 9


def test_a_withdrawn_dossier_withdraws_its_request_and_number(api, app):
    code = approved(api)
    r = api.post(f"/api/v1/dossiers/{code}/withdraw", CITIZEN, json={"reason": "Không còn nhu cầu"})
    assert r.status_code == 200, r.get_json()
    request = row(app, SigningRequest, number="1/GCN-UBND")
    assert request.state == "withdrawn" and api.get("/api/v1/signing-requests", LEADER).get_json() == []
    assert render(app) == 0


def test_the_signer_signs_on_the_page_the_inbox_links_to(api, app):
    code = approved(api)
    render(app)
    leader = Web(app.test_client()).login(LEADER)
    inbox = leader.get("/can-bo/cong-viec").get_data(as_text=True)
    found = re.search(rf'<li data-signing="{re.escape(code)}"><a href="(/can-bo/ky-so/\d+)"', inbox)
    assert found and "Chờ ký số" in text_of(leader.get("/can-bo/cong-viec"))
    page = leader.get(found.group(1)).get_data(as_text=True)
    assert 'type="password" id="pin" name="pin" autocomplete="off"' in page and 'id="preview"' in page
    wrong = leader.post(found.group(1), {"pin": "sai-ma-pin"}, status=422)
    assert "Mã PIN không đúng" in text_of(wrong) and "hồ sơ chưa chuyển bước" in text_of(wrong)
    assert "sai-ma-pin" not in wrong.get_data(as_text=True)  # the PIN is not echoed back
    # a NUL in the PIN made OpenSSL panic (pyo3's PanicException, no Exception): the request hung unanswered
    wrong = leader.post(found.group(1), {"pin": PASSWORD[:3] + "\x00" + PASSWORD[3:]}, status=422)
    assert "Mã PIN không đúng" in text_of(wrong) and "hồ sơ chưa chuyển bước" in text_of(wrong)
    done = leader.post(found.group(1), {"pin": PASSWORD}, status=302)
    assert done.headers["Location"].endswith("/can-bo/cong-viec")
    assert f'data-signing="{code}"' not in leader.get("/can-bo/cong-viec").get_data(as_text=True)
    signed = text_of(leader.get(found.group(1)))  # the page after the signature: the signed document, not a preview
    assert "Đã ký số" in signed and "Xem văn bản đã ký (PDF)" in signed and "trước khi ký" not in signed
    # the same form sent again (a double click, a resend): it was signed, which is what was asked, said so (it
    # answered 409 "đã được ký hoặc không còn chờ ký" over "Văn bản chưa được ký; hồ sơ chưa chuyển bước")
    again = leader.post(found.group(1), {"pin": PASSWORD}, status=302)
    assert again.headers["Location"].endswith("/can-bo/cong-viec")
    assert "Văn bản này đã được ký số; không ký lại." in text_of(leader.get("/can-bo/cong-viec"))
    clerk = Web(app.test_client()).login(CLERK)
    assert Web(app.test_client()).login(HEAD).get(found.group(1), status=None).status_code == 404
    clerk.act(code, "issue_result", {})


def test_a_confirmation_awaited_on_the_device_answers_202_and_leaves_the_request_waiting(api, app, monkeypatch):
    """A remote signing service that has not been confirmed yet (engine.paperwork.signers.SigningPending, as the
    remote method raises it) signs nothing: 202 with the message, the request still waits for its signer."""
    code = approved(api)
    request = only_request(api, LEADER, code)

    def awaiting(method, *, pin, default_file, **_):
        raise signers.SigningPending(signing_requests.PENDING_MESSAGE, reference="csc-42")

    monkeypatch.setattr(signers, "open_signer", awaiting)
    waiting = sign(api, LEADER, request["id"], None, status=202)
    assert waiting["state"] == "pending" and waiting["message"] == "Chờ xác nhận trên thiết bị ký số"
    assert row(app, SigningRequest, id=request["id"]).reference == "csc-42"
    assert row(app, Document, kind="result_draft") is None
    monkeypatch.undo()
    assert sign(api, LEADER, request["id"])["state"] == "signed"


def test_a_wrong_pin_is_not_an_error_in_the_servers_log(api, caplog):
    code = approved(api)
    request = only_request(api, LEADER, code)
    caplog.clear()
    sign(api, LEADER, request["id"], "sai-ma-pin", status=422)
    assert [r.getMessage() for r in caplog.records if r.levelno >= 40] == []


def test_an_officers_signing_method_is_set_by_command_and_copied_into_new_requests(api, app, settings):
    from click.testing import CliRunner

    from engine.cli import main

    env = {"TTHC_DATA_DIR": str(settings.data_dir), "TTHC_DATABASE_URL": settings.database_url,
           "TTHC_PKI_DIR": str(settings.pki_dir), "TTHC_PKI_PASSPHRASE": settings.pki_passphrase}
    shown = CliRunner().invoke(main, ["pki", "method", LEADER], env=env)
    assert shown.exit_code == 0 and shown.output == '{"kind": "pkcs12"}\n'
    bad = CliRunner().invoke(main, ["pki", "method", LEADER, '{"kind": "usb"}'], env=env)
    assert bad.exit_code != 0
    token = '{"kind": "pkcs11", "module": "/usr/lib/softhsm/libsofthsm2.so", "token": "lanhdao", "key": "ky"}'
    assert CliRunner().invoke(main, ["pki", "method", LEADER, token], env=env).exit_code == 0
    code = approved(api)
    request = only_request(api, LEADER, code)
    assert request["method"] == "pkcs11"
    refused = sign(api, LEADER, request["id"], "1234", status=422)  # no such token here: a clear refusal
    assert refused["error"]["rule"] == "D35" and refused["error"]["message"]
    assert only_request(api, LEADER, code)["state"] == "pending"
