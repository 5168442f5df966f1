"""A result re-issued for a correction (cấp lại, đính chính): a new number, the same registration number, the
replaced one kept in the dossier and marked replaced; signed and sealed like the first (D22)."""
from __future__ import annotations

from io import BytesIO

from pypdf import PdfReader

from conftest import CITIZEN, SAMPLE_FORM, STEP_DATA, sign_requested

CORRECTED = {**SAMPLE_FORM, "ten_ho_kinh_doanh": "Tạp hóa Bình An Phát"}


def text_of(content: bytes) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(BytesIO(content)).pages).split())


def issued(api, returned: bool = False) -> str:
    code = api.file(CITIZEN)["code"]
    api.act("demo.tiepnhan", code, "receive")
    api.act("demo.chuyenvien", code, "propose_approval", STEP_DATA["propose_approval"])
    api.act("demo.lanhdao", code, "approve")
    api.act("demo.vanthu", code, "issue_result", STEP_DATA["issue_result"])
    if returned:
        api.act("demo.tiepnhan", code, "return_result", STEP_DATA["return_result"])
    return code


def results_of(dossier: dict) -> list[dict]:
    return [d for d in dossier["documents"] if d["kind"] == "result"]


def reissued(api, code: str, payload: dict) -> dict:
    """The clerk re-issues; the result in force stays so until the head of agency signs its successor (D35)."""
    before = results_of(api.get(f"/api/v1/dossiers/{code}", "demo.vanthu").get_json())
    r = api.post(f"/api/v1/dossiers/{code}/results/reissue", "demo.vanthu", json=payload)
    assert r.status_code == 201, r.get_json()
    assert results_of(r.get_json()) == before  # nothing new is issued before its signature
    [waiting] = [w for w in api.get("/api/v1/signing-requests", "demo.thutruong").get_json() if w["dossier"] == code]
    assert (waiting["kind"], waiting["role"], waiting["state"]) == ("reissue", "head_of_agency", "awaiting_signer")
    assert sign_requested(api.client.application, code) == 1
    return api.get(f"/api/v1/dossiers/{code}", "demo.vanthu").get_json()


def test_a_reissue_keeps_the_old_result_marked_replaced_under_a_new_number(api):
    code = issued(api, returned=True)
    dossier = reissued(api, code, {"reason": "Sai tên hộ kinh doanh", "form": CORRECTED})
    old, new = results_of(dossier)
    # the first number of the register went to the approved result (signing requests), the next to the re-issue
    assert (old["state"], old["replaced_by"], old["number"]) == ("replaced", new["id"], "1/GCN-UBND")
    assert (new["state"], new["replaces"], new["number"]) == ("signed", old["id"], "2/GCN-UBND")
    assert [(s["signer"], s["valid"]) for s in new["signatures"]] == [
        ("Hoàng Văn Trưởng", True), ("Ủy ban nhân dân phường Thuận Hóa (demo)", True)]
    assert [h["action"] for h in dossier["history"]][-2:] == ["reissue_result", "sign_document"]
    assert dossier["status"] == 10
    text = text_of(api.get(new["url"], CITIZEN).data)
    assert "TẠP HÓA BÌNH AN PHÁT" in text and "Số: 2/GCN-UBND" in text and "33A8000001" in text
    assert "thay thế văn bản số 1/GCN-UBND" in text and "Sai tên hộ kinh doanh" in text
    assert api.get(old["url"], CITIZEN).status_code == 200  # the replaced one stays in the record
    again = reissued(api, code, {"reason": "Sai địa chỉ trụ sở", "number": "3/GCN-UBND"})
    first, second, third = results_of(again)
    assert [d["state"] for d in (first, second, third)] == ["replaced", "replaced", "signed"]
    assert (second["replaced_by"], third["replaces"], third["number"]) == (third["id"], second["id"], "3/GCN-UBND")


def test_only_the_clerk_reissues_an_issued_result_with_a_reason(api):
    code = issued(api)
    url = f"/api/v1/dossiers/{code}/results/reissue"
    assert api.post(url, "demo.lanhdao", json={"reason": "Sai tên"}).status_code == 403
    r = api.post(url, "demo.vanthu", json={})
    assert r.status_code == 422 and "reason" in r.get_json()["error"]["fields"]
    r = api.post(url, "demo.vanthu", json={"reason": "Sai vốn", "form": {**SAMPLE_FORM, "von_kinh_doanh": "nhiều"}})
    assert r.status_code == 422 and "von_kinh_doanh" in r.get_json()["error"]["fields"]
    unchanged = api.get(f"/api/v1/dossiers/{code}", "demo.vanthu").get_json()
    assert len(results_of(unchanged)) == 1 and results_of(unchanged)[0]["state"] == "signed"
    pending = api.file(CITIZEN)["code"]
    r = api.post(f"/api/v1/dossiers/{pending}/results/reissue", "demo.vanthu", json={"reason": "Sai tên"})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "no_result"


def test_the_clerk_reissues_from_the_dossier_page(api, app):
    from web_support import Web, text_of as page_text

    code = issued(api)
    clerk = Web(app.test_client()).login("demo.vanthu")
    html = clerk.get(f"/can-bo/ho-so/{code}").get_data(as_text=True)
    assert 'id="form-reissue"' in html and f'action="/can-bo/ho-so/{code}/cap-lai"' in html
    desk = Web(app.test_client()).login("demo.tiepnhan")
    assert 'id="form-reissue"' not in desk.get(f"/can-bo/ho-so/{code}").get_data(as_text=True)
    desk.post(f"/can-bo/ho-so/{code}/cap-lai", {"reason": "Sai tên"}, status=403)
    r = clerk.post(f"/can-bo/ho-so/{code}/cap-lai", {"reason": ""}, status=422)
    assert 'id="reissue-reason-error"' in r.get_data(as_text=True)
    assert '<details class="action" id="reissue-section" open>' in r.get_data(as_text=True)
    clerk.post(f"/can-bo/ho-so/{code}/cap-lai", {"reason": "Sai ngày sinh của chủ hộ"}, status=302)
    assert sign_requested(app, code) == 1  # the head of agency signs the corrected result
    html = page_text(clerk.get(f"/can-bo/ho-so/{code}"))
    assert "Đã được cấp lại (đính chính): văn bản này bị thay thế" in html and "Số 1/GCN-UBND" in html
    old, new = results_of(api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json())
    assert old["state"] == "replaced" and new["replaces"] == old["id"]
