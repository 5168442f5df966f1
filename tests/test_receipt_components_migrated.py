"""D8, D40: Mẫu 01 of a dossier moved to a newer version still lists every file the citizen uploaded.

A document keeps the name its component had when it was uploaded; a newer version may reword that component (same
key) or drop it. The sealed receipt certifies what was handed in, so a moved dossier's file is listed under the
name its version now gives the component, or, when that version no longer has it, under the name it was uploaded
with: never dropped for a reworded label.
"""
from __future__ import annotations

import pytest

from conftest import CITIZEN, SAMPLE, vn
from test_receipt_components import receipt_text
from test_versions import ADMIN, deploy
from web_support import PDF, Web

OLD = "Giấy đề nghị đăng ký hộ kinh doanh"
NEW = "Giấy đề nghị đăng ký thành lập hộ kinh doanh"
PLACE = "Hợp đồng thuê hoặc giấy tờ chứng minh quyền sử dụng chỗ ở làm trụ sở hộ kinh doanh"


@pytest.fixture
def backend():
    return "sqlite"


def _moved(app, api, clock, bpmn: str, files: dict) -> str:
    """An online dossier filed on 15/3/2027 with ``files`` under version 1, moved to version 2 deployed from ``bpmn``."""
    clock.set(vn(2027, 3, 15, 9, 0))
    code = Web(app.test_client()).login(CITIZEN).file_code(files=files)
    clock.set(vn(2027, 3, 15, 9, 10))
    assert deploy(api, bpmn).status_code == 201
    r = api.post(f"/api/v1/dossiers/{code}/migrate", ADMIN, json={"version": 2})
    assert r.status_code == 200, r.get_json()
    clock.set(vn(2027, 3, 15, 9, 20))
    return code


def test_a_file_of_a_component_reworded_by_the_new_version_is_listed_under_its_new_name(app, api, clock):
    """D8, D40: the component giay_de_nghi is reworded by version 2; the moved dossier's a.pdf is on its receipt,
    under the name version 2 gives it, and the receipt does not say nothing was handed in."""
    bpmn = SAMPLE.read_text(encoding="utf-8").replace(f'value="{OLD}"', f'value="{NEW}"')
    code = _moved(app, api, clock, bpmn, {"giay_de_nghi": ("a.pdf", PDF)})
    text = receipt_text(api, code, CITIZEN)
    assert f"{NEW} (bản điện tử: a.pdf)" in text, text
    assert "Không có thành phần hồ sơ nào được nộp kèm" not in text


def test_a_file_of_a_component_the_new_version_dropped_is_listed_under_the_name_it_was_uploaded_with(app, api,
                                                                                                       clock):
    """D8, D40: version 2 no longer has the component giay_to_tru_so; the file uploaded for it under version 1 is
    still on the receipt, under the name it was uploaded with, after the components of version 2."""
    bpmn = "\n".join(line for line in SAMPLE.read_text(encoding="utf-8").splitlines()
                     if "component.giay_to_tru_so" not in line)
    code = _moved(app, api, clock, bpmn, {"giay_de_nghi": ("a.pdf", PDF), "giay_to_tru_so": ("b.pdf", PDF)})
    text = receipt_text(api, code, CITIZEN)
    assert f"{OLD} (bản điện tử: a.pdf)" in text, text
    assert f"{PLACE} (bản điện tử: b.pdf)" in text, text
    assert text.index("a.pdf") < text.index("b.pdf")
