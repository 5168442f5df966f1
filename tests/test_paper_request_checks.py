"""The items of a supplement request (D8–D10): each names a component of the procedure, however it is spelled
(case, spaces, Unicode NFC/NFD, its key), and is stored in the procedure's own spelling; D9's "no paper for a
validly signed component" holds whatever the spelling; and Mẫu 02 says, for each item flagged ``paper``, that its
paper original is handed in when the result is collected.

Filed Monday 23/11/2026 09:00 (the clock fixture's start) by 001099000001 on 1.001612 (ho-kinh-doanh,
level.paperRequired=false), completed by demo.tiepnhan at the intake check (status 1).
"""
from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from io import BytesIO

import pytest
from sqlalchemy import func, select

from conftest import CITIZEN, PASSWORD
from engine.core.clock import VN_TZ
from engine.data.model import Dossier, SupplementRequest
from engine.paperwork import pdf, results, signatures
from test_official_forms import assert_contains, issued, text_of
from web_support import Web

RECEIVER = "demo.tiepnhan"
SIGNED = "Giấy đề nghị đăng ký hộ kinh doanh"
PREMISES = "Hợp đồng thuê hoặc giấy tờ chứng minh quyền sử dụng chỗ ở làm trụ sở hộ kinh doanh"
PAPER_ITEM = "Nộp bản chính (bản giấy) khi nhận kết quả"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=VN_TZ)


@pytest.fixture
def backend():
    return "sqlite"


def _signed_pdf(settings) -> bytes:
    """A component the citizen had signed by the demo agency's leader (a chain to the configured anchor)."""
    doc = pdf.PdfDocument(agency="UBND phường Thử Nghiệm", title=SIGNED, place_date="Huế, ngày 23 tháng 11 năm 2026",
                          number="1/GĐN", blocks=[("para", "Đề nghị đăng ký hộ kinh doanh Tạp hóa Bình An.")],
                          signers=["Chủ hộ"], qr="x")
    keys = results.pki(settings)
    return signatures.sign_pdf(pdf.render(doc, settings.font_dir), keys.user_key("demo.lanhdao"), PASSWORD,
                               "CaNhan", "Xác nhận", "Huế", NOW)


def complete(api, code: str, data: dict):
    task = api.task_for(RECEIVER, code)
    return api.post(f"/api/v1/tasks/{task['id']}/complete", RECEIVER,
                    json={"action": "request_supplement", "data": data})


def state(app, code: str) -> tuple[int, int, int]:
    """(status, supplement count, supplement requests stored) of the dossier, from the database."""
    with app.extensions["tthc"]["sessions"]() as session:
        row = session.scalar(select(Dossier).where(Dossier.code == code))
        stored = session.scalar(select(func.count()).select_from(SupplementRequest)
                                .where(SupplementRequest.dossier_id == row.id))
        return row.status, row.supplement_requests, stored


def item(component: str, paper: bool | None = None) -> dict:
    found = {"component": component, "problem": "Cần bản gốc", "required": "Nộp bản gốc"}
    if paper is not None:
        found["paper"] = paper
    return found


@pytest.fixture
def signed_dossier(api, settings) -> str:
    code = api.file(CITIZEN)["code"]
    r = api.post(f"/api/v1/dossiers/{code}/documents", CITIZEN, content_type="multipart/form-data",
                 data={"component": SIGNED, "file": (BytesIO(_signed_pdf(settings)), "de-nghi.pdf")})
    assert r.status_code == 201, r.get_json()
    assert [s["status"] for s in r.get_json()["signatures"]] == ["valid"]
    return code


@pytest.mark.parametrize("spelling", [
    SIGNED, SIGNED.upper(), SIGNED.lower(), SIGNED + " ", "  " + SIGNED.replace(" ", "   "),
    unicodedata.normalize("NFD", SIGNED), "giay_de_nghi", "GIAY_DE_NGHI"],
    ids=["exact", "upper", "lower", "trailing-space", "spaces", "nfd", "key", "key-upper"])
def test_no_paper_for_a_validly_signed_component_however_it_is_spelled_D9(api, app, signed_dossier, spelling):
    before = state(app, signed_dossier)
    r = complete(api, signed_dossier, {"items": [item(PREMISES), item(spelling, paper=True)]})
    assert r.status_code == 422, r.get_json()
    error = r.get_json()["error"]
    assert error["rule"] == "D9" and error["code"] == "rule_violation"
    assert SIGNED in error["message"] and "Traceback" not in r.get_data(as_text=True)
    assert state(app, signed_dossier) == before == (1, 0, 0)  # nothing changed: still submitted, no request


def test_a_signed_component_may_still_be_asked_again_electronically(api, app, signed_dossier):
    done = complete(api, signed_dossier, {"items": [item(SIGNED.upper(), paper=False)]})
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["status"] == 5
    assert done.get_json()["supplement_request"]["items"][0]["component"] == SIGNED


@pytest.mark.parametrize("items, field", [
    ([item("Hợp đồng thuê trụ sở")], "items.0.component"),
    ([item(SIGNED), item("Giấy chứng nhận chưa từng có", paper=True)], "items.1.component"),
    ([item(PREMISES[:-len(" hộ kinh doanh")])], "items.0.component")])
def test_a_component_the_procedure_does_not_declare_is_refused_naming_the_item_D8_D10(api, app, items, field):
    code = api.file(CITIZEN)["code"]
    before = state(app, code)
    r = complete(api, code, {"items": items})
    assert r.status_code == 422, r.get_json()
    error = r.get_json()["error"]
    assert error["code"] == "unknown_component" and list(error["fields"]) == [field]
    assert PREMISES in error["fields"][field]  # the choices are listed
    assert state(app, code) == before == (1, 0, 0)


def test_a_variant_spelling_is_stored_as_the_procedure_declares_it(api, app):
    code = api.file(CITIZEN)["code"]
    variant = "  " + unicodedata.normalize("NFD", PREMISES.upper()).replace(" ", "  ") + " "
    done = complete(api, code, {"items": [item(variant, paper=True), item("Giay_To_Phap_Ly_Chu_Ho")]})
    assert done.status_code == 200, done.get_json()
    asked = done.get_json()["supplement_request"]["items"]
    assert [i["component"] for i in asked] == [PREMISES, "giay_to_phap_ly_chu_ho"]  # a key stays a key
    assert asked[0]["paper"] is True
    with app.extensions["tthc"]["sessions"]() as session:
        stored = session.scalar(select(SupplementRequest.items))
    assert [i["component"] for i in stored] == [PREMISES, "giay_to_phap_ly_chu_ho"]


def test_mau_02_says_which_paper_originals_are_handed_in_at_collection_D9(api, app, clock):
    code = api.file(CITIZEN)["code"]
    items = [item(PREMISES.lower(), paper=True), {"component": SIGNED, "problem": "Thiếu chữ ký của chủ hộ",
                                                  "required": "Ký và tải lên lại"}]
    api.act(RECEIVER, code, "request_supplement", {"items": items})
    _, content = issued(app, clock, code, "intake", "request_supplement")
    text = text_of(content)
    assert_contains(text, "1. " + PREMISES, "Nộp bản gốc. " + PAPER_ITEM, "2. " + SIGNED, "Ký và tải lên lại")
    assert_contains(text, "Bản chính (bản giấy) của các giấy tờ sau phải nộp khi nhận kết quả: " + PREMISES)
    assert text.count(PAPER_ITEM) == 1, text  # only the flagged item


def test_mau_02_without_a_flagged_item_asks_for_no_paper_on_a_procedure_without_paper(api, app, clock):
    code = api.file(CITIZEN)["code"]
    api.act(RECEIVER, code, "request_supplement", {"items": [item(PREMISES)]})
    _, content = issued(app, clock, code, "intake", "request_supplement")
    text = text_of(content)
    assert PAPER_ITEM not in text and "Bản chính" not in text and "bản giấy" not in text, text


def test_the_officers_form_shows_an_unknown_component_as_a_field_error(app, api):
    code = api.file(CITIZEN)["code"]
    web = Web(app.test_client()).login(RECEIVER)
    r = web.act(code, "request_supplement", {"items.0.component": "Hợp đồng thuê trụ sở", "items.0.problem": "Hết hạn",
                                             "items.0.required": "Nộp hợp đồng còn hạn"}, status=422)
    html = r.get_data(as_text=True)
    error = re.search(r'id="items-0-component-error">.*?</p>', html, re.S)
    assert error and "Chọn một thành phần: " in error.group(0) and PREMISES in error.group(0), html
    assert 'value="Hợp đồng thuê trụ sở"' in html  # what was typed comes back
    assert state(app, code) == (1, 0, 0)
    web.act(code, "request_supplement", {"items.0.component": PREMISES.upper(), "items.0.problem": "Hết hạn",
                                         "items.0.required": "Nộp hợp đồng còn hạn", "items.0.paper": "on"})
    assert state(app, code) == (5, 1, 1)
