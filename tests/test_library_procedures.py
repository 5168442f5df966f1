"""The library's commune procedures work end to end in a ward: deployed next to the sample, a citizen files the
folder's own sample form (so `sample.json` is a valid filing), the filing page shows the form, the officers take
it through intake, assessment (the building permit's site-inspection record is required before its proposal),
approval, signing and return, and the result the citizen gets is the procedure's own document."""
from __future__ import annotations

import json
from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader
from web_support import Web, text_of as page_text

from conftest import CITIZEN, STEP_DATA
from engine.process import procedures

PROCESSES = Path(__file__).resolve().parent.parent / "processes"
SITE_CHECK = {"ngay_kiem_tra": "2026-12-04", "thanh_phan_kiem_tra": "Công chức địa chính - xây dựng phường",
              "hien_trang": "Đất trống, không tranh chấp", "phu_hop_quy_hoach": "phu_hop",
              "y_kien_tham_dinh": "Phù hợp quy hoạch; đề xuất cấp phép"}
CASES = {
    "xac-nhan-tinh-trang-hon-nhan": ("1.004873", {"y_kien_tham_dinh": "Không có thông tin đăng ký kết hôn"},
                                     ["GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN", "XÁC NHẬN:", "TRẦN THỊ THU HÀ",
                                      "Ngày, tháng, năm sinh: 21/09/1996", "Chưa đăng ký kết hôn với ai",
                                      "06 tháng kể từ ngày cấp", "TM. ỦY BAN NHÂN DÂN"]),
    "giay-phep-xay-dung": ("1.009994", SITE_CHECK,
                           ["GIẤY PHÉP XÂY DỰNG", "(Sử dụng cho nhà ở riêng lẻ)", "PHAN VĂN LONG",
                            "thửa đất số 215, tờ bản đồ số 12", "120,5 m²", "Chiều cao công trình: 12,6 m",
                            "trong thời hạn 12 tháng kể từ ngày cấp", "TM. ỦY BAN NHÂN DÂN"]),
}


def pdf_text(content: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages).split())


def deploy(app, settings, clock, slug: str) -> dict:
    with app.extensions["tthc"]["sessions"].begin() as session:
        definition = procedures.load_file(PROCESSES / slug / f"{slug}.bpmn", settings.forms_dir)
        procedures.deploy(session, definition, clock.now(), "tester")
    return json.loads((PROCESSES / slug / "sample.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("slug", sorted(CASES))
def test_a_library_procedure_runs_from_its_sample_filing_to_its_own_result(slug, app, api, settings, clock):
    code_of_procedure, assessment, expected = CASES[slug]
    sample = deploy(app, settings, clock, slug)
    page = page_text(Web(app.test_client()).login(CITIZEN).get(f"/thu-tuc/{code_of_procedure}/nop"))
    label = "Người được cấp Giấy xác nhận tình trạng hôn nhân" if "hon-nhan" in slug else "2. Địa điểm xây dựng"
    assert label in page, page[:2000]
    r = api.post("/api/v1/dossiers", CITIZEN, json={"procedure": code_of_procedure, "form": sample["form"]})
    assert r.status_code == 201, r.get_json()
    code = r.get_json()["code"]
    api.act("demo.tiepnhan", code, "receive")
    if slug == "giay-phep-xay-dung":  # the site-inspection record comes before the proposal
        refused = api.act("demo.chuyenvien", code, "propose_approval", {"y_kien_tham_dinh": "Đề xuất cấp"}, status=422)
        assert "ngay_kiem_tra" in json.dumps(refused, ensure_ascii=False)
    api.act("demo.chuyenvien", code, "propose_approval", assessment)
    api.act("demo.lanhdao", code, "approve")
    api.act("demo.vanthu", code, "issue_result")  # D22: the register's number
    final = api.act("demo.tiepnhan", code, "return_result", STEP_DATA["return_result"])
    assert final["status"] == 10 and final["outcome"] == "approved"
    result = [d for d in final["documents"] if d["kind"] == "result"]
    assert result, [d["kind"] for d in final["documents"]]
    text = pdf_text(api.get(result[-1]["url"], CITIZEN).data)
    for part in expected:
        assert part in text, (part, text)
