"""A supplement request asked through the API by a component's key (attachments.canonical_items keeps a key a key)
showed the key itself on the citizen's page ("giay_to_tru_so") and on the officers' pages, where the notice and
Mẫu 02 say the procedure's name of the component. The dossier's description now carries that name beside the
item (``component_name``, an addition to api.md's dossier) and every page shows it."""
from __future__ import annotations

import pytest
from conftest import CITIZEN
from web_support import Web, text_of

KEY, NAME = "giay_to_tru_so", "Hợp đồng thuê hoặc giấy tờ chứng minh quyền sử dụng chỗ ở làm trụ sở hộ kinh doanh"
ITEMS = {"items": [{"component": KEY, "problem": "Hợp đồng đã hết hạn", "required": "Hợp đồng còn hiệu lực"}]}


@pytest.fixture
def backend():
    return "sqlite"


def test_an_item_asked_by_its_key_is_shown_by_its_name(api, app):
    code = api.file()["code"]
    api.act("demo.tiepnhan", code, "request_supplement", ITEMS)
    [item] = api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()["supplement_request"]["items"]
    assert item["component"] == KEY and item["component_name"] == NAME  # as asked, and its name
    citizen = text_of(Web(app.test_client()).login(CITIZEN).get(f"/ca-nhan/ho-so/{code}"))
    officer = text_of(Web(app.test_client()).login("demo.tiepnhan").get(f"/can-bo/ho-so/{code}"))
    for page in (citizen, officer):
        assert NAME in page and KEY not in page
    # answered, the dossier is back at intake: a second request would name the first one's unmet items, by name
    assert api.post(f"/api/v1/dossiers/{code}/supplement", CITIZEN, json={"form": api.get(
        f"/api/v1/dossiers/{code}", CITIZEN).get_json()["form"]}).status_code == 200
    web = Web(app.test_client()).login("demo.tiepnhan")
    task = web.get(f"/can-bo/cong-viec/{web.task_id(code)}")
    html = task.get_data(as_text=True)
    assert f'name="second_reason.unmet_items" value="{KEY}"' in html and f"{NAME} — Hợp đồng đã hết hạn" in text_of(task)
