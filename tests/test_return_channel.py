"""D23: the citizen chooses how the result comes back (online in their account, by public post to an address, or at
the desk) when filing; the choice is on the receipt (Mẫu 01's "nơi trả kết quả"), on the citizen's and the
officers' pages, and already picked on the one-stop's return form. Online is the default of an online filing; a
desk filing returns at the desk unless told otherwise. The choice never changes the service level (D27)."""
from __future__ import annotations

import re

import pytest
from conftest import CITIZEN, SAMPLE_CODE, SAMPLE_FORM, STEP_DATA
from test_result_reissue import text_of
from web_support import Web, counts, flatten

ADDRESS = "18 Lê Lợi, phường Thuận Hóa, thành phố Huế"


@pytest.fixture
def backend():
    """What is stored and shown is the same on both databases; the column itself is migrated on both
    (test_migrations, and every PostgreSQL test builds its schema through the migrations)."""
    return "sqlite"


def receipt_text(api, code: str) -> str:
    dossier = api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()
    [receipt] = [d for d in dossier["documents"] if d["kind"] == "receipt"]
    return text_of(api.get(receipt["url"], CITIZEN).data)


def test_a_result_by_post_is_recorded_with_its_address_and_printed_on_the_receipt(api):
    code = api.file(CITIZEN, return_channel="post", return_address=ADDRESS)["code"]
    api.act("demo.tiepnhan", code, "receive")
    for user in (CITIZEN, "demo.tiepnhan"):
        dossier = api.get(f"/api/v1/dossiers/{code}", user).get_json()
        assert (dossier["return_channel"], dossier["return_address"]) == ("post", ADDRESS)
    text = receipt_text(api, code)
    assert "Qua bưu chính công ích, đến địa chỉ: 18 Lê Lợi, phường Thuận Hóa" in text
    assert "Trực tuyến, trên tài khoản" not in text


def test_an_online_filing_returns_online_and_a_desk_filing_at_the_desk_unless_told(api):
    online = api.file(CITIZEN)
    assert (online["return_channel"], online["return_address"]) == ("online", None)
    owner = {"full_name": "Nguyễn Văn Bàn", "birth_date": "1980-05-05", "cccd": "001080000123"}
    desk = api.file("demo.tiepnhan", owner=owner)
    assert (desk["channel"], desk["return_channel"]) == ("desk", "desk")
    told = api.file("demo.tiepnhan", owner=owner, return_channel="online")
    assert (told["channel"], told["return_channel"]) == ("desk", "online")
    api.act("demo.tiepnhan", online["code"], "receive")
    assert "Trực tuyến, trên tài khoản của người nộp tại Cổng Dịch vụ công" in receipt_text(api, online["code"])


@pytest.mark.parametrize("extra, field", [
    ({"return_channel": "post"}, "return_address"),
    ({"return_channel": "post", "return_address": "Huế"}, "return_address"),  # not an address one can post to
    ({"return_channel": "post", "return_address": "18 Lê Lợi\x00, Huế, Việt Nam"}, "return_address"),
    ({"return_channel": "email"}, "return_channel"),
    ({"return_channel": "online", "return_address": ADDRESS}, "return_address"),
    ({"return_address": ADDRESS}, "return_channel"),
])
def test_a_bad_return_choice_is_refused_naming_the_field_and_files_nothing(api, extra, field):
    before = counts(api.client.application)
    r = api.post("/api/v1/dossiers", CITIZEN, json={"procedure": SAMPLE_CODE, "form": SAMPLE_FORM, **extra})
    assert r.status_code == 422, r.get_json()
    assert field in r.get_json()["error"]["fields"]
    assert counts(api.client.application) == before


def test_the_portal_asks_how_to_receive_the_result_keeps_it_when_refused_and_shows_it(app):
    web = Web(app.test_client()).login(CITIZEN)
    page = web.get(f"/thu-tuc/{SAMPLE_CODE}/nop").get_data(as_text=True)
    assert re.search(r'id="return-online"[^>]*checked', page)  # online unless the citizen says otherwise
    assert 'name="return_address"' in page

    r = web.post(f"/thu-tuc/{SAMPLE_CODE}/nop", {**flatten(SAMPLE_FORM), "return_channel": "post", "return_address": ""},
                 status=422, content_type="multipart/form-data")
    refused = r.get_data(as_text=True)
    assert re.search(r'id="return-post"[^>]*checked', refused)  # what was chosen stays chosen
    assert 'aria-describedby="return_address-error"' in refused

    r = web.post(f"/thu-tuc/{SAMPLE_CODE}/nop", {**flatten(SAMPLE_FORM), "return_channel": "post", "return_address": ADDRESS},
                 status=302, content_type="multipart/form-data")
    code = r.headers["Location"].split("/ca-nhan/ho-so/")[1].split("/")[0]
    page = web.get(f"/ca-nhan/ho-so/{code}").get_data(as_text=True)
    assert re.search(r'id="return-choice">Qua bưu chính công ích: 18 Lê Lợi', page)

    officer = Web(app.test_client()).login("demo.tiepnhan")
    task = officer.get(f"/can-bo/cong-viec/{officer.task_id(code)}").get_data(as_text=True)
    assert re.search(r'id="return-choice">Qua bưu chính công ích: 18 Lê Lợi', task)


def test_the_return_form_comes_with_the_channel_the_citizen_chose(api, app):
    code = api.file(CITIZEN, return_channel="desk")["code"]
    api.act("demo.tiepnhan", code, "receive")
    api.act("demo.chuyenvien", code, "propose_approval", STEP_DATA["propose_approval"])
    api.act("demo.lanhdao", code, "approve")
    api.act("demo.vanthu", code, "issue_result", STEP_DATA["issue_result"])
    officer = Web(app.test_client()).login("demo.tiepnhan")
    page = officer.get(f"/can-bo/cong-viec/{officer.task_id(code)}").get_data(as_text=True)
    chosen = re.findall(r'<option value="([a-z_]+)"[^>]*selected', page)
    assert "truc_tiep" in chosen and "online" not in chosen


def test_the_english_filing_page_words_the_choice_in_english(app):
    web = Web(app.test_client()).login(CITIZEN)
    web.post("/ngon-ngu", {"lang": "en"}, status=302)
    page = web.get(f"/thu-tuc/{SAMPLE_CODE}/nop").get_data(as_text=True)
    assert "By public postal service, to the address below" in page
    assert "does not change the procedure's level of online public service" in page


def test_the_citizen_changes_the_return_channel_until_the_result_is_returned(api):
    code = api.file(CITIZEN)["code"]
    api.act("demo.tiepnhan", code, "receive")
    r = api.post(f"/api/v1/dossiers/{code}/return-channel", CITIZEN,
                 json={"return_channel": "post", "return_address": ADDRESS})
    assert r.status_code == 200, r.get_json()
    assert (r.get_json()["return_channel"], r.get_json()["return_address"]) == ("post", ADDRESS)
    officer_view = api.get(f"/api/v1/dossiers/{code}", "demo.tiepnhan").get_json()
    assert officer_view["return_channel"] == "post"
    assert [h["action"] for h in officer_view["history"]][-1] == "return_choice"
    assert api.post(f"/api/v1/dossiers/{code}/return-channel", "demo.tiepnhan",
                    json={"return_channel": "desk"}).status_code == 403  # the citizen's choice, not the officer's
    assert api.post(f"/api/v1/dossiers/{code}/return-channel", CITIZEN,
                    json={"return_channel": "post"}).status_code == 422  # no address for the post
    api.act("demo.chuyenvien", code, "propose_approval", STEP_DATA["propose_approval"])
    api.act("demo.lanhdao", code, "approve")
    api.act("demo.vanthu", code, "issue_result", STEP_DATA["issue_result"])
    api.act("demo.tiepnhan", code, "return_result", {"hinh_thuc_tra": "buu_chinh"})
    r = api.post(f"/api/v1/dossiers/{code}/return-channel", CITIZEN, json={"return_channel": "online"})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "dossier_closed"


def test_the_dossier_page_changes_the_return_channel_and_keeps_what_was_typed_when_refused(app):
    web = Web(app.test_client()).login(CITIZEN)
    code = web.file_code()
    page = web.get(f"/ca-nhan/ho-so/{code}").get_data(as_text=True)
    assert 'id="return-form"' in page and re.search(r'id="return-online"[^>]*checked', page)
    refused = web.post(f"/ca-nhan/ho-so/{code}/nhan-ket-qua", {"return_channel": "post", "return_address": "Huế"},
                       status=422).get_data(as_text=True)
    assert re.search(r'id="return-post"[^>]*checked', refused) and 'value="Huế"' in refused
    web.post(f"/ca-nhan/ho-so/{code}/nhan-ket-qua", {"return_channel": "desk"}, status=302)
    page = web.get(f"/ca-nhan/ho-so/{code}").get_data(as_text=True)
    assert re.search(r'id="return-choice">Trực tiếp tại Bộ phận Tiếp nhận và Trả kết quả<', page)
    assert "Công dân đổi cách nhận kết quả" in page  # in the history


def test_the_returned_notice_says_where_the_result_went(api):
    code = api.file(CITIZEN, return_channel="post", return_address=ADDRESS)["code"]
    api.act("demo.tiepnhan", code, "receive")
    api.act("demo.chuyenvien", code, "propose_approval", STEP_DATA["propose_approval"])
    api.act("demo.lanhdao", code, "approve")
    api.act("demo.vanthu", code, "issue_result", STEP_DATA["issue_result"])
    api.act("demo.tiepnhan", code, "return_result", {"hinh_thuc_tra": "buu_chinh"})
    [notice] = [n for n in api.get("/api/v1/me/notifications", CITIZEN).get_json()
                if n["event"] == "returned" and code in n["title"]]
    assert f"đã được gửi qua dịch vụ bưu chính công ích đến địa chỉ: {ADDRESS}" in notice["body"]
