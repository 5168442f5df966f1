"""Commands no longer pay for documents (issue 12, "Performance"; D22, D35): a command records what to issue
(a request with its number and what the document prints) and the worker makes it after the commit: Mẫu 01–03
and the stop notice sealed by the agency, the result sealed when the clerk issues it, apology letters and
re-issues signed by their signer first. Nothing unsigned is shown or sent meanwhile; nothing is lost when
making it fails. Real SQLite and PostgreSQL, real BPMN, real PDFs and PAdES signatures, no drain after the
commit unless the test runs it (the worker's beat)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from conftest import CITIZEN, PASSWORD, STEP_DATA, Api, sign_requested
from engine import timers
from engine.data.model import Dossier, Letter
from engine.data.notice_model import Notice
from engine.data.signing_model import SigningRequest
from engine.paperwork import issuance, officialforms, results
from web_support import Web, text_of

RECEIVER, SPECIALIST, LEADER, HEAD, CLERK = "demo.tiepnhan", "demo.chuyenvien", "demo.lanhdao", "demo.thutruong", \
    "demo.vanthu"
SEAL = "Ủy ban nhân dân phường Thuận Hóa (demo)"


@pytest.fixture
def api(app):
    app.extensions["tthc"]["after_commit"] = None  # as without `tthc serve`: the worker's beat makes them
    return Api(app.test_client(), auto_sign=False)


def beat(app) -> int:
    ext = app.extensions["tthc"]
    return timers.render_signing(ext["sessions"], ext["settings"], ext["clock"].now())


def requests_of(app, code: str) -> list[SigningRequest]:
    with app.extensions["tthc"]["sessions"]() as session:
        return list(session.scalars(select(SigningRequest).join(Dossier, Dossier.id == SigningRequest.dossier_id)
                                    .where(Dossier.code == code).order_by(SigningRequest.id)))


def docs(dossier: dict, kind: str) -> list[dict]:
    return [d for d in dossier["documents"] if d["kind"] == kind]


def notices_of(app, event_name: str) -> list[Notice]:
    with app.extensions["tthc"]["sessions"]() as session:
        return list(session.scalars(select(Notice).where(Notice.event == event_name)))


def test_receiving_records_mẫu_01_which_the_worker_seals_and_only_then_tells_the_citizen(api, app, backend):
    code = api.file(CITIZEN)["code"]
    received = api.act(RECEIVER, code, "receive")
    assert received["status"] == 4 and docs(received, "receipt") == []  # nothing rendered in the command
    [req] = requests_of(app, code)
    assert (req.kind, req.purpose, req.state, req.number, req.signer_id) == ("receipt", "seal", "pending", "1/TNHS",
                                                                             None)
    assert notices_of(app, "received") == []  # nothing to link yet: no unsigned receipt is sent (D22)
    citizen = Web(app.test_client()).login(CITIZEN)
    page = text_of(citizen.get(f"/ca-nhan/ho-so/{code}"))
    assert "Giấy tiếp nhận và hẹn trả kết quả — đang phát hành" in page

    assert beat(app) == 1
    [receipt] = docs(api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json(), "receipt")
    assert receipt["number"] == "1/TNHS" and receipt["state"] == "signed"
    assert [(s["organisation"], s["valid"]) for s in receipt["signatures"]] == [(SEAL, True)]
    checks = results.verify(app.extensions["tthc"]["settings"], api.get(receipt["url"], CITIZEN).data,
                            app.extensions["tthc"]["clock"].now())
    assert [(c.field, c.valid) for c in checks] == [(results.FIELD_ORGANISATION, True)]
    [notice] = notices_of(app, "received")
    assert notice.document_id == receipt["id"] and notice.link == f"/tai-lieu/{receipt['id']}"
    assert f"/tai-lieu/{receipt['id']}" in notice.body
    assert "đang phát hành" not in text_of(citizen.get(f"/ca-nhan/ho-so/{code}"))
    assert beat(app) == 0  # made once


def test_a_form_that_fails_to_render_is_kept_and_made_on_a_later_beat(api, app, monkeypatch):
    code = api.file(CITIZEN)["code"]
    api.act(RECEIVER, code, "request_supplement", STEP_DATA["request_supplement"])
    real = officialforms.render_form

    def broken(*args, **kwargs):
        raise RuntimeError("font missing")

    monkeypatch.setattr(officialforms, "render_form", broken)
    assert beat(app) == 1
    [req] = requests_of(app, code)
    assert req.state == "pending" and "font missing" in req.last_error and req.document_id is None
    assert docs(api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json(), "supplement_request") == []
    assert notices_of(app, "supplement_requested") == []
    monkeypatch.setattr(officialforms, "render_form", real)
    assert beat(app) == 0  # tried again only after a while
    app.extensions["tthc"]["clock"].advance(minutes=2)
    assert beat(app) == 1
    [form] = docs(api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json(), "supplement_request")
    assert form["number"] == "1/YCBS" and [s["valid"] for s in form["signatures"]] == [True]
    assert len(notices_of(app, "supplement_requested")) == 1


def test_a_command_renders_and_signs_nothing(api, app, monkeypatch):
    """The write transactions of receive, a supplement request, the approval and the clerk's issue touch no PDF:
    no rendering, no signature, no verification; the beat does all of it."""
    from engine.paperwork import pdf, signatures

    calls = []
    for module, name in ((pdf, "render"), (signatures, "sign_pdf"), (signatures, "sign_pdf_with"),
                         (signatures, "verify_pdf")):
        real = getattr(module, name)
        monkeypatch.setattr(module, name, (lambda real, name: lambda *a, **k: calls.append(name) or real(*a, **k))(
            real, name))
    code = api.file(CITIZEN)["code"]
    api.act(RECEIVER, code, "request_supplement", STEP_DATA["request_supplement"])
    assert calls == []
    beat(app)
    assert {"render", "sign_pdf", "verify_pdf"} <= set(calls)
    calls.clear()
    r = api.post(f"/api/v1/dossiers/{code}/supplement", CITIZEN, json={"form": api.get(
        f"/api/v1/dossiers/{code}", CITIZEN).get_json()["form"]})
    assert r.status_code == 200, r.get_json()
    api.act(RECEIVER, code, "receive")
    api.act(SPECIALIST, code, "propose_approval", STEP_DATA["propose_approval"])
    api.act(LEADER, code, "approve")
    assert calls == []
    sign_requested(app, code)
    calls.clear()
    api.act(CLERK, code, "issue_result", STEP_DATA["issue_result"])
    assert calls == []
    beat(app)
    calls.clear()
    # the return checks the bytes against the verdict recorded for them when the sealed result was made
    assert api.act(RECEIVER, code, "return_result", STEP_DATA["return_result"])["status"] == 10
    assert calls == []


def test_a_result_whose_certificate_ended_since_it_was_issued_is_verified_afresh_and_not_returned(api, app, clock):
    """The recorded verdict holds until the certificates' end; after it the PDF is verified again (D22)."""
    from datetime import datetime

    from engine.core.clock import VN_TZ

    code = api.file(CITIZEN)["code"]
    api.act(RECEIVER, code, "receive")
    api.act(SPECIALIST, code, "propose_approval", STEP_DATA["propose_approval"])
    api.act(LEADER, code, "approve")
    sign_requested(app, code)
    api.act(CLERK, code, "issue_result", STEP_DATA["issue_result"])
    beat(app)
    clock.set(datetime(2029, 6, 1, 9, 0, tzinfo=VN_TZ))  # the demo certificates are valid for two years
    api.tokens.clear()
    refused = api.act(RECEIVER, code, "return_result", STEP_DATA["return_result"], status=422)
    assert refused["error"]["code"] == "result_not_valid" and "hết hiệu lực" in refused["error"]["message"]


def test_the_result_is_sealed_after_the_clerks_command_and_returned_only_once_made(api, app, backend):
    code = api.file(CITIZEN)["code"]
    api.act(RECEIVER, code, "receive")
    api.act(SPECIALIST, code, "propose_approval", STEP_DATA["propose_approval"])
    api.act(LEADER, code, "approve")
    assert sign_requested(app, code) == 1
    issued = api.act(CLERK, code, "issue_result", STEP_DATA["issue_result"])
    assert issued["status"] == 9 and docs(issued, "result") == []
    seal = [r for r in requests_of(app, code) if r.kind == "result"]
    assert [(r.purpose, r.state, r.number) for r in seal] == [("seal", "pending", "1/GCN-UBND")]
    refused = api.act(RECEIVER, code, "return_result", STEP_DATA["return_result"], status=422)
    assert refused["error"]["code"] == "result_not_valid"  # D22: nothing to hand over yet
    assert notices_of(app, "result_ready") == []

    beat(app)
    [result] = docs(api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json(), "result")
    assert result["number"] == "1/GCN-UBND" and [(s["signer"], s["valid"]) for s in result["signatures"]] == [
        ("Phạm Minh Lãnh", True), (SEAL, True)]
    assert [n.document_id for n in notices_of(app, "result_ready")] == [result["id"]]
    assert api.act(RECEIVER, code, "return_result", STEP_DATA["return_result"])["status"] == 10


def test_an_extension_letter_waits_for_its_signer_and_is_sent_only_once_signed_and_sealed(api, app, clock):
    code = api.file(CITIZEN)["code"]
    api.act(RECEIVER, code, "receive")
    with app.extensions["tthc"]["sessions"].begin() as session:
        from engine.data.model import User
        from engine.paperwork import letters

        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        head = session.scalar(select(User).where(User.username == HEAD))
        letter = letters.issue(session, app.extensions["tthc"]["settings"], dossier, [("extension", "cần xác minh")],
                               head, "head_of_agency", clock.now(), new_due_at=dossier.due_at,
                               notify=issuance.notice("extension_letter", {"new_due_at": dossier.due_at}))
        letter_id = letter.id
    beat(app)
    [waiting] = [r for r in api.get("/api/v1/signing-requests", HEAD).get_json() if r["dossier"] == code]
    assert (waiting["kind"], waiting["state"], waiting["number"]) == ("apology", "awaiting_signer", "1/PXL")
    inbox = text_of(Web(app.test_client()).login(HEAD).get("/can-bo/cong-viec"))
    assert f"{code} · Nguyễn Văn An · Thư xin lỗi và hẹn lại ngày trả · Số 1/PXL" in inbox
    dossier = api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()
    assert docs(dossier, "apology") == [] and [l["document"] for l in dossier["letters"]] == [None]
    [draft] = docs(api.get(f"/api/v1/dossiers/{code}", HEAD).get_json(), "apology_draft")
    assert api.get(draft["url"], CITIZEN).status_code == 404  # the unsigned draft is never handed out
    assert notices_of(app, "extension_letter") == []

    r = api.post(f"/api/v1/signing-requests/{waiting['id']}/sign", HEAD, json={"pin": PASSWORD})
    assert r.status_code == 200, r.get_json()
    dossier = api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()
    [doc] = docs(dossier, "apology")
    assert doc["number"] == "1/PXL" and [(s["signer"], s["valid"]) for s in doc["signatures"]] == [
        ("Hoàng Văn Trưởng", True), (SEAL, True)]
    with app.extensions["tthc"]["sessions"]() as session:
        assert session.get(Letter, letter_id).document_id == doc["id"]
        [notice] = session.scalars(select(Notice).where(Notice.event == "extension_letter")).all()
        assert notice.document_id == doc["id"]
    assert dossier["history"][-1]["action"] == "sign_document"


def test_withdrawing_keeps_the_forms_already_issued(api, app):
    """Only the result's decision is withdrawn with the dossier; Mẫu 01 recorded before it is still made."""
    code = api.file(CITIZEN)["code"]
    api.act(RECEIVER, code, "receive")
    r = api.post(f"/api/v1/dossiers/{code}/withdraw", CITIZEN, json={"reason": "Tôi không cần nữa"})
    assert r.status_code == 200, r.get_json()
    assert beat(app) == 2
    dossier = api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()
    assert [d["number"] for d in docs(dossier, "receipt")] == ["1/TNHS"]
    assert len(docs(dossier, "stop_notice")) == 1
    assert [r.state for r in requests_of(app, code)] == ["signed", "signed"]
