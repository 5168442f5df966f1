"""Signed PDFs (D9, D22): real keys, real PAdES signatures, real verification against configured anchors."""
from __future__ import annotations

from datetime import datetime, timedelta
from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from conftest import CITIZEN, PASSWORD, STEP_DATA
from engine.paperwork import documents, pdf, results, signatures
from engine.core.clock import VN_TZ
from engine.data.model import Document, Dossier

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=VN_TZ)


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    pki = signatures.Pki(tmp_path_factory.mktemp("keys"), "round-trip-passphrase")
    pki.init("UBND phường Thử Nghiệm", NOW)
    pki.issue(pki.user_key("lanhdao"), "Phạm Minh Lãnh", "UBND phường Thử Nghiệm", NOW, days=30)
    pki.issue(pki.org_key("000.00.09.H56"), "UBND phường Thử Nghiệm", "UBND phường Thử Nghiệm", NOW)
    return pki


def _document(settings) -> bytes:
    doc = pdf.PdfDocument(agency="UBND phường Thử Nghiệm", title="Giấy chứng nhận đăng ký hộ kinh doanh",
                          place_date="Huế, ngày 23 tháng 11 năm 2026", number="12/GCN-HKD",
                          blocks=[("para", "Hộ kinh doanh Tạp hóa Bình An, chủ hộ Nguyễn Văn An.")],
                          signers=["Văn thư", "Lãnh đạo phòng"], qr="000.00.09.H56-261123-0001")
    return pdf.render(doc, settings.font_dir)


def _signed_twice(keys, settings) -> bytes:
    once = signatures.sign_pdf(_document(settings), keys.user_key("lanhdao"), "round-trip-passphrase", "CaNhan",
                               "Phê duyệt", "Huế", NOW, box=pdf.SIGNATURE_BOXES["personal"])
    return signatures.sign_pdf(once, keys.org_key("000.00.09.H56"), "round-trip-passphrase", "ToChuc",
                               "Văn thư ban hành", "Huế", NOW + timedelta(minutes=5),
                               box=pdf.SIGNATURE_BOXES["organisation"],
                               stamp_pdf=pdf.render_stamp(["UBND phường Thử Nghiệm", "Số: 12/GCN-HKD"],
                                                          pdf.SIGNATURE_BOXES["organisation"], settings.font_dir))


def test_a_result_signed_by_the_person_then_sealed_carries_two_valid_signatures(keys, settings):
    checks = signatures.verify_pdf(_signed_twice(keys, settings), keys.trust_roots(), NOW + timedelta(hours=1))
    assert [(c.field, c.signer, c.status) for c in checks] == [
        ("CaNhan", "Phạm Minh Lãnh", "valid"), ("ToChuc", "UBND phường Thử Nghiệm", "valid")]
    assert checks[0].signed_at == NOW and checks[1].organisation == "UBND phường Thử Nghiệm"


def test_the_pdf_keeps_vietnamese_text_and_the_dossier_code(keys, settings):
    text = " ".join(p.extract_text() for p in PdfReader(BytesIO(_signed_twice(keys, settings))).pages)
    assert "GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH" in text and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text and "000.00.09.H56-261123-0001" in text


def test_one_changed_byte_makes_the_signatures_invalid(keys, settings):
    signed = bytearray(_signed_twice(keys, settings))
    where = signed.index(b"stream") + 40  # inside the first content stream, covered by both signatures
    signed[where] ^= 0x01
    checks = signatures.verify_pdf(bytes(signed), keys.trust_roots(), NOW)
    assert checks and all(not c.valid for c in checks)
    assert {c.status for c in checks} <= {"modified", "invalid"}


def test_content_changed_by_a_later_revision_is_reported_as_modified(keys, settings):
    """An incremental update after signing can leave every signed byte in place and still show other content
    (the page's content stream is replaced): such a file is modified, not validly signed (D9, D22)."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    signed = signatures.sign_pdf(_document(settings), keys.user_key("lanhdao"), "round-trip-passphrase", "CaNhan",
                                 "Phê duyệt", "Huế", NOW)
    writer = IncrementalPdfFileWriter(BytesIO(signed))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    page["/Contents"] = writer.add_object(generic.StreamObject(stream_data=b"BT /F1 24 Tf 100 700 Td (TU CHOI) Tj ET"))
    writer.update_container(page)
    altered = BytesIO()
    writer.write(altered)
    [check] = signatures.verify_pdf(altered.getvalue(), keys.trust_roots(), NOW)
    assert (check.field, check.valid, check.status) == ("CaNhan", False, "modified")
    assert "sau khi ký" in check.message
    # a seal added afterwards is a legitimate later revision: both signatures stay valid (see above)
    assert [c.status for c in signatures.verify_pdf(_signed_twice(keys, settings), keys.trust_roots(), NOW)] == [
        "valid", "valid"]


def test_an_untrusted_signer_is_reported_as_such(keys, settings):
    checks = signatures.verify_pdf(_signed_twice(keys, settings), [], NOW)
    assert [c.status for c in checks] == ["untrusted", "untrusted"]
    assert "tin cậy" in checks[0].message


def test_an_expired_certificate_is_reported_as_expired(keys, settings):
    checks = signatures.verify_pdf(_signed_twice(keys, settings), keys.trust_roots(), NOW + timedelta(days=45))
    assert checks[0].status == "expired" and not checks[0].valid  # the personal key lived 30 days
    assert "hết hiệu lực" in checks[0].message


def test_a_wrong_passphrase_is_a_clear_error(keys, settings):
    with pytest.raises(Exception) as caught:
        signatures.sign_pdf(_document(settings), keys.user_key("lanhdao"), "wrong", "CaNhan", "r", "Huế", NOW)
    assert "khóa" in str(caught.value)


def _to_signing(api) -> str:
    code = api.file(CITIZEN)["code"]
    api.act("demo.tiepnhan", code, "receive")
    api.act("demo.chuyenvien", code, "propose_approval", STEP_DATA["propose_approval"])
    api.act("demo.lanhdao", code, "approve")
    return code


def test_the_returned_result_is_signed_by_the_leader_and_sealed_with_its_number(api):
    code = _to_signing(api)
    dossier = api.act("demo.vanthu", code, "issue_result", STEP_DATA["issue_result"])
    result = [d for d in dossier["documents"] if d["kind"] == "result"]
    # the number the register gave the approval (printed in the header since), not one the clerk types
    assert len(result) == 1 and result[0]["number"] == "1/GCN-UBND"
    assert [(s["signer"], s["valid"]) for s in result[0]["signatures"]] == [
        ("Phạm Minh Lãnh", True), ("Ủy ban nhân dân phường Thuận Hóa (demo)", True)]
    content = api.get(result[0]["url"], CITIZEN)
    assert content.status_code == 200 and content.mimetype == "application/pdf"
    fields = PdfReader(BytesIO(content.data)).get_fields()
    reasons = [str(f.get("/V", {}).get("/Reason")) for f in fields.values() if f.get("/FT") == "/Sig"]
    assert reasons == ["Phê duyệt kết quả", "Văn thư ban hành: số 1/GCN-UBND"]
    assert "Số: 1/GCN-UBND" in " ".join(p.extract_text() for p in PdfReader(BytesIO(content.data)).pages)


def test_issue_result_is_refused_while_the_draft_lacks_a_valid_signature(api, app, settings):
    code = _to_signing(api)
    sessions = app.extensions["tthc"]["sessions"]
    with sessions() as session:  # someone alters the stored draft after the leader signed it
        draft = session.scalar(select(Document).where(Document.kind == "result_draft").order_by(Document.id.desc()))
        path = documents.path_for(settings.data_dir, draft.sha256)
        altered = bytearray(path.read_bytes())
        altered[altered.index(b"stream") + 40] ^= 0x01
        path.write_bytes(bytes(altered))
    refused = api.act("demo.vanthu", code, "issue_result", STEP_DATA["issue_result"], status=422)
    assert refused["error"]["rule"] == "D22"
    dossier = api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()
    assert dossier["status"] == 4 and not [d for d in dossier["documents"] if d["kind"] == "result"]


def test_issue_result_is_refused_when_the_leaders_certificate_expired_after_the_approval(api, app, clock):
    """D22 is judged when the result is issued: the leader signed on Monday 23/11/2026 with a certificate valid
    for two years; a clerk issuing on Friday 01/06/2029 finds the personal signature expired, and nothing is
    issued."""
    code = _to_signing(api)  # approved and signed at 23/11/2026 09:00
    clock.set(datetime(2029, 6, 1, 9, 0, tzinfo=VN_TZ))
    refused = api.act("demo.vanthu", code, "issue_result", STEP_DATA["issue_result"], status=422)
    assert refused["error"]["code"] == "result_not_signed" and refused["error"]["rule"] == "D22"
    assert "hết hiệu lực" in refused["error"]["message"]
    with app.extensions["tthc"]["sessions"]() as session:  # (API tokens of 2026 have expired by then)
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        kinds = set(session.scalars(select(Document.kind).where(Document.dossier_id == dossier.id)))
    assert dossier.status == 4 and "result_draft" in kinds and "result" not in kinds


def _signed_upload(settings) -> bytes:
    """A component the citizen got signed by the demo agency (a chain to the configured anchor)."""
    keys = results.pki(settings)
    return signatures.sign_pdf(_document(settings), keys.user_key("demo.lanhdao"), PASSWORD,  # the demo PIN
                               "CaNhan", "Xác nhận", "Huế", NOW)


def test_a_signed_upload_is_verified_and_may_not_be_asked_for_on_paper(api, settings):
    code = api.file(CITIZEN)["code"]
    component = "Giấy đề nghị đăng ký hộ kinh doanh"
    r = api.post(f"/api/v1/dossiers/{code}/documents", CITIZEN, content_type="multipart/form-data",
                 data={"component": component, "file": (BytesIO(_signed_upload(settings)), "de-nghi.pdf")})
    assert r.status_code == 201, r.get_json()
    assert [(s["signer"], s["status"]) for s in r.get_json()["signatures"]] == [("Phạm Minh Lãnh", "valid")]
    paper = {"items": [{"component": component, "problem": "Cần bản gốc", "required": "Nộp bản giấy",
                        "paper": True}]}
    refused = api.act("demo.tiepnhan", code, "request_supplement", paper, status=422)
    assert refused["error"]["rule"] == "D9" and component in refused["error"]["message"]
    paper["items"][0]["paper"] = False  # asking for a corrected electronic copy is still allowed
    assert api.act("demo.tiepnhan", code, "request_supplement", paper)["status"] == 5


def test_an_upload_is_judged_by_its_content_not_its_name(api):
    code = api.file(CITIZEN)["code"]
    r = api.post(f"/api/v1/dossiers/{code}/documents", CITIZEN, content_type="multipart/form-data",
                 data={"component": "Giấy đề nghị đăng ký hộ kinh doanh",
                       "file": (BytesIO(b"MZ\x90\x00 not a pdf"), "giay-de-nghi.pdf")})
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "bad_file_type"
    assert api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()["documents"] == []


def test_a_result_is_reused_from_the_citizens_store_without_uploading_again(api):
    first = _to_signing(api)
    api.act("demo.vanthu", first, "issue_result", STEP_DATA["issue_result"])
    api.act("demo.tiepnhan", first, "return_result", STEP_DATA["return_result"])
    store = api.get("/api/v1/me/documents", CITIZEN).get_json()
    result = [d for d in store if d["kind"] == "result"]
    assert len(result) == 1
    second = api.file(CITIZEN)["code"]
    r = api.post(f"/api/v1/dossiers/{second}/documents", CITIZEN,
                 json={"reuse": result[0]["id"], "component": "Giấy đề nghị đăng ký hộ kinh doanh"})
    assert r.status_code == 201, r.get_json()
    attached = r.get_json()
    assert attached["sha256"] == result[0]["sha256"] and attached["kind"] == "filing"
    assert all(s["valid"] for s in attached["signatures"]) and len(attached["signatures"]) == 2
    stranger = api.post(f"/api/v1/dossiers/{second}/documents", "demo.tiepnhan",
                        json={"reuse": result[0]["id"], "component": "Giấy đề nghị đăng ký hộ kinh doanh"})
    assert stranger.status_code == 403  # the store is the citizen's


def test_signing_and_verifying_work_in_a_thread_that_runs_an_event_loop(keys, settings):
    """pyHanko's synchronous calls start an event loop of their own (asyncio.run), which Python refuses inside a
    running one: a caller with a loop (an async server, a browser driver's thread) got the seal refused
    ("Không ký được: asyncio.run() cannot be called …") and a valid signature reported invalid."""
    import asyncio
    import warnings

    async def in_a_loop():
        signed = _signed_twice(keys, settings)
        return signed, signatures.verify_pdf(signed, keys.trust_roots(), NOW + timedelta(hours=1))

    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no coroutine left never awaited
        signed, checks = asyncio.run(in_a_loop())
    assert [(c.field, c.status) for c in checks] == [("CaNhan", "valid"), ("ToChuc", "valid")]
    assert [c.status for c in signatures.verify_pdf(signed, keys.trust_roots(), NOW + timedelta(hours=1))] == [
        "valid", "valid"]
