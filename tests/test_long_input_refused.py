"""Nothing lost on any error: a filing page refuses what is too long, as POST /api/v1/dossiers does, instead of
cutting it and filing the rest (D23's return address, the owner's name of a desk filing)."""
from __future__ import annotations

import io

from conftest import SAMPLE_CODE, SAMPLE_FORM
from web_support import JPEG, PDF, Web, counts, flatten, text_of

ADDRESS = "12 Lê Lợi, phường Thuận Hóa, thành phố Huế " + "x" * 600  # 643 characters: the limit is 500


def test_the_citizens_page_refuses_a_return_address_too_long_and_keeps_it(app):
    web = Web(app.test_client()).login("001099000001")
    before = counts(app)
    data = {**flatten(SAMPLE_FORM), "return_channel": "post", "return_address": ADDRESS}
    refused = web.post(f"/thu-tuc/{SAMPLE_CODE}/nop", data, content_type="multipart/form-data")
    assert refused.status_code == 422, refused.status_code  # was 302: filed with the address cut to 500
    assert counts(app) == before
    assert ADDRESS in refused.get_data(as_text=True)  # shown again whole, to be shortened


def test_the_desk_page_refuses_an_owners_name_too_long(app):
    web = Web(app.test_client()).login("demo.tiepnhan")
    page = web.get(f"/can-bo/ho-so/nop/{SAMPLE_CODE}").get_data(as_text=True)
    token = page.split('name="submit_token" value="', 1)[1].split('"', 1)[0]
    before = counts(app)
    data = {**flatten(SAMPLE_FORM), "channel": "desk", "submit_token": token, "owner.full_name": "Nguyễn " * 40,
            "owner.birth_date": "1990-05-06", "owner.cccd": "046190000123",
            "file.giay_de_nghi": (io.BytesIO(PDF), "Giấy đề nghị.pdf"), "file.giay_to_tru_so": (io.BytesIO(JPEG), "a.jpg")}
    refused = web.post(f"/can-bo/ho-so/nop/{SAMPLE_CODE}", data, content_type="multipart/form-data")
    assert refused.status_code == 422, text_of(refused)[:300]  # was 303: filed under the name cut to 255
    assert counts(app) == before
    assert "Họ và tên dài quá 255 ký tự" in text_of(refused)  # not "required" of a name that was given


def test_the_api_says_a_name_is_too_long_rather_than_missing(api):
    from conftest import CITIZEN

    answer = api.post("/api/v1/dossiers", "demo.tiepnhan", json={
        "procedure": SAMPLE_CODE, "form": SAMPLE_FORM, "channel": "desk",
        "owner": {"full_name": "Nguyễn " * 40, "birth_date": "1999-03-14", "cccd": CITIZEN}})
    assert answer.status_code == 422
    assert answer.get_json()["error"]["fields"]["owner.full_name"] == "Họ và tên dài quá 255 ký tự"
