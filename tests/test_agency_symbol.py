"""The symbol of a result names the agency that issues it (Nghị định 30/2020/NĐ-CP, Phụ lục I: "ký hiệu của văn
bản gồm chữ viết tắt tên loại văn bản và chữ viết tắt tên cơ quan, tổ chức ban hành"; D22, D34, D29).

The household-business registration declares "GCN-UBND" (a ward issues it). The demo's ward Thuận Hóa receives
it and the Sở Tài chính processes it (tests/test_processing_agency_letters): the Sở's result was numbered
"1/GCN-UBND" in the Sở's own register, a symbol that names a people's committee the Sở is not. An agency now has
an abbreviation (`symbol`, set by its administrator): the Sở's results are "n/GCN-STC", its refusal notices
"n/TB-STC", its re-issues too; an agency without one keeps the symbol the procedure declares.

Timeline: filed and received Wed 22/04/2026 09:00 (Vietnam time), decided and issued Thu 23/04/2026 10:00,
re-issued Fri 24/04/2026 09:30.
"""
from __future__ import annotations

import io

import pytest
from conftest import CITIZEN, STEP_DATA, sign_requested, vn
from pypdf import PdfReader
from sqlalchemy import select
from test_processing_agency_letters import (  # noqa: F401 - fixtures
    PHU_XUAN, SO_TAI_CHINH, THUAN_HOA, pki_april, province, received, settings)
from test_reissue_issuing_agency import issued, results_of
from web_support import Web, text_of

from engine.cli.demo import SYMBOLS
from engine.data import agencies
from engine.data.model import Document, Dossier
from engine.paperwork import documents, resultdata

ADMIN = "demo.admin"


@pytest.fixture
def backend():
    return "sqlite"


def set_symbol(api, code: str, symbol, status: int = 200) -> dict:
    r = api.client.patch(f"/api/v1/agencies/{code}", headers=api.headers(ADMIN), json={"symbol": symbol})
    assert r.status_code == status, r.get_json()
    return r.get_json()


def result_text(app, code: str) -> str:
    with app.extensions["tthc"]["sessions"]() as session:
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        doc = session.scalar(select(Document).where(Document.dossier_id == dossier.id, Document.kind == "result")
                             .order_by(Document.id.desc()).limit(1))
        content = documents.read(app.extensions["tthc"]["settings"].data_dir, doc)
    return " ".join(" ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(content)).pages).split())


def test_the_symbol_is_the_kind_of_document_then_the_issuing_agency():
    assert resultdata.symbol("GCN-UBND", False, "STC") == "GCN-STC"
    assert resultdata.symbol("GCN-UBND", True, "STC") == "TB-STC"
    assert resultdata.symbol("GPXD", False, "UBND") == "GPXD-UBND"
    assert resultdata.symbol("GCN-UBND", False) == "GCN-UBND"  # no abbreviation: the procedure's own symbol
    assert resultdata.symbol("GCN-UBND", True) == "TB-UBND" and resultdata.symbol("KQ", True) == "TB"


def test_the_sos_result_and_its_reissue_are_numbered_with_the_sos_abbreviation(api, app, clock, province):
    assert set_symbol(api, SO_TAI_CHINH, "STC")["symbol"] == "STC"
    code = issued(api, clock, THUAN_HOA, "sotaichinh")
    [first] = results_of(api, code)
    assert first["number"] == "1/GCN-STC"
    assert "1/GCN-STC" in result_text(app, code) and "GCN-UBND" not in result_text(app, code)
    clock.set(vn(2026, 4, 24, 9, 30))
    api.tokens.clear()
    r = api.post(f"/api/v1/dossiers/{code}/results/reissue", "sotaichinh.vanthu", json={"reason": "Sai tên hộ"})
    assert r.status_code == 201, r.get_json()
    assert sign_requested(app, code) == 1
    assert [d["number"] for d in results_of(api, code)] == ["1/GCN-STC", "2/GCN-STC"]
    # a ward without an abbreviation keeps the symbol its procedure declares
    other = issued(api, clock, PHU_XUAN, "phuxuan")
    assert [d["number"] for d in results_of(api, other)] == ["1/GCN-UBND"]


def test_the_sos_refusal_notice_is_tb_with_the_sos_abbreviation(api, app, clock, province):
    set_symbol(api, SO_TAI_CHINH, "STC")
    code = received(api, clock, THUAN_HOA, "demo.tiepnhan")
    clock.set(vn(2026, 4, 23, 10, 0))
    api.tokens.clear()
    api.act("sotaichinh.chuyenvien", code, "propose_refusal", STEP_DATA["propose_refusal"])
    r = api.post(f"/api/v1/tasks/{api.task_for('sotaichinh.lanhdao', code)['id']}/complete", "sotaichinh.lanhdao",
                 json={"action": "refuse", "data": {"reasons": ["Ngành nghề cấm kinh doanh"]}})
    assert r.status_code == 200, r.get_json()
    waiting = [w for w in api.get("/api/v1/signing-requests", "sotaichinh.thutruong").get_json()
               if w["dossier"] == code]
    assert [w["number"] for w in waiting] == ["1/TB-STC"]


def test_a_bad_abbreviation_is_refused_and_null_clears_it(api, province):
    for bad in ("stc", "S T C", "STC!", "-STC", "A" * 21, "", 12):
        refused = set_symbol(api, SO_TAI_CHINH, bad, status=422)
        assert "symbol" in refused["error"]["fields"], (bad, refused)
    assert set_symbol(api, SO_TAI_CHINH, "CATP-PC06")["symbol"] == "CATP-PC06"
    assert set_symbol(api, SO_TAI_CHINH, None)["symbol"] is None
    listed = api.get(f"/api/v1/agencies/{SO_TAI_CHINH}", ADMIN).get_json()
    assert listed["symbol"] is None


def test_the_administrator_sets_it_on_the_agency_page(app, province):
    web = Web(app.test_client()).login(ADMIN)
    page = text_of(web.get(f"/quan-tri/co-quan/{SO_TAI_CHINH}"))
    assert "Chữ viết tắt trong ký hiệu văn bản" in page
    form = {"name": "Sở Tài chính thành phố Huế (demo)", "level": "department", "parent": "000.00.00.H56",
            "address": "", "seal_name": "", "office_hours": "", "active": "1", "symbol": " stc "}
    web.post(f"/quan-tri/co-quan/{SO_TAI_CHINH}", form, status=302)
    with app.extensions["tthc"]["sessions"]() as session:
        assert agencies.by_code(session, SO_TAI_CHINH).symbol == "STC"
    form["symbol"] = "S/TC"
    refused = web.post(f"/quan-tri/co-quan/{SO_TAI_CHINH}", form, status=422)
    assert "chữ in hoa, chữ số" in text_of(refused)


def test_the_demo_province_gives_each_agency_its_abbreviation():
    assert SYMBOLS[SO_TAI_CHINH] == "STC" and SYMBOLS[THUAN_HOA] == "UBND" and SYMBOLS[PHU_XUAN] == "UBND"
