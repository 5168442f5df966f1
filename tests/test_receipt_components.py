"""D8, D40: the receipt (Mẫu 01) lists under "1. Thành phần hồ sơ nộp gồm" what was handed in, nothing more.

A sealed receipt certifies the papers the one-stop received: an online dossier's components are those with a file;
a component of the procedure the citizen never uploaded is not on it (it would certify a paper never submitted).
"""
from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from conftest import CITIZEN, vn
from web_support import PDF, Web

APPLICATION = "Giấy đề nghị đăng ký hộ kinh doanh"
NOT_UPLOADED = ("Bản sao giấy tờ pháp lý của cá nhân đối với chủ hộ kinh doanh",
                "Biên bản họp thành viên hộ gia đình về việc thành lập hộ kinh doanh",
                "Hợp đồng thuê hoặc giấy tờ chứng minh quyền sử dụng chỗ ở làm trụ sở hộ kinh doanh")
OWNER = {"full_name": "Trần Thị Bình", "birth_date": "1990-05-06", "cccd": "046190000123"}


@pytest.fixture
def backend():
    return "sqlite"


def receipt_text(api, code: str, user: str) -> str:
    """The receipt's words, read back from its PDF, on one line (pypdf breaks long lines)."""
    dossier = api.act("demo.tiepnhan", code, "receive")
    receipt = [d for d in dossier["documents"] if d["kind"] == "receipt"][0]
    reader = PdfReader(io.BytesIO(api.get(receipt["url"], user).data))
    return " ".join("\n".join(page.extract_text() for page in reader.pages).split())


def test_the_receipt_of_an_online_dossier_lists_only_the_components_with_a_file(app, api, clock):
    """D8, D40: only the application form was uploaded, so Mẫu 01 lists it with its file and no other component."""
    clock.set(vn(2027, 3, 15, 9, 0))
    code = Web(app.test_client()).login(CITIZEN).file_code(files={"giay_de_nghi": ("a.pdf", PDF)})
    text = receipt_text(api, code, CITIZEN)
    assert "1. Thành phần hồ sơ nộp gồm" in text
    assert f"{APPLICATION} (bản điện tử: a.pdf)" in text
    assert "(bản điện tử)" not in text
    for name in NOT_UPLOADED:
        assert name not in text, f"Mẫu 01 certifies {name!r}, never uploaded"


def test_the_receipt_of_an_online_dossier_without_any_file_says_nothing_was_handed_in(app, api, clock):
    """D8, D40: an online dossier received without a single file certifies no component, and says so."""
    clock.set(vn(2027, 3, 15, 9, 0))
    code = api.file(CITIZEN)["code"]
    text = receipt_text(api, code, CITIZEN)
    assert "Không có thành phần hồ sơ nào được nộp kèm" in text.split("1. Thành phần hồ sơ nộp gồm")[1][:60]
    assert APPLICATION not in text and "bản điện tử" not in text
    for name in NOT_UPLOADED:
        assert name not in text


def test_the_receipt_of_a_desk_dossier_lists_the_paper_the_desk_received(app, api, clock):
    """D5, D8: at the desk the officer receives the paper set whole; every component is listed as paper."""
    clock.set(vn(2027, 3, 15, 9, 0))
    code = api.file("demo.tiepnhan", owner=OWNER, channel="desk")["code"]
    text = receipt_text(api, code, "demo.tiepnhan")
    assert f"{APPLICATION} (bản giấy)" in text
    for name in NOT_UPLOADED:
        assert name in text
    assert "Không có thành phần hồ sơ" not in text
