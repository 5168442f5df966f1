"""The back from the receipt and "Nộp hồ sơ" again: the page, fetched again, has a new submit token and the
browser fills the typed fields back in. The same form filed by the same citizen a few minutes ago is asked about
(409, a link to the first dossier, a checkbox to file one more) instead of being filed twice."""
from __future__ import annotations

import io
import re
from datetime import datetime

from conftest import CITIZEN, SAMPLE_CODE, SAMPLE_FORM
from web_support import JPEG, PDF, Web, flatten, text_of

from engine.core.clock import VN_TZ

PAGE = f"/thu-tuc/{SAMPLE_CODE}/nop"
TOKEN_RE = re.compile(r'name="submit_token" value="([^"]+)"')


def _fresh_token(web: Web) -> str:
    """What the browser's back fetches: the page again (no-store), with a new token."""
    return TOKEN_RE.search(web.get(PAGE).get_data(as_text=True)).group(1)


def _post(web: Web, form: dict, status: int, **extra):
    data = {**flatten(form), "submit_token": _fresh_token(web), **extra}
    data["file.giay_de_nghi"] = (io.BytesIO(PDF), "Giấy đề nghị.pdf")
    data["file.giay_to_tru_so"] = (io.BytesIO(JPEG), "tru-so.jpg")
    return web.post(PAGE, data, status=status, content_type="multipart/form-data")


def _code(response) -> str:
    return response.headers["Location"].split("/ca-nhan/ho-so/")[1].split("/")[0]


def _mine(api) -> set[str]:
    return {d["code"] for d in api.get("/api/v1/dossiers", CITIZEN).get_json()}


def test_the_same_form_again_from_a_fresh_page_is_asked_about_before_a_second_dossier(app, api, clock):
    clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=VN_TZ))  # Monday 23/11/2026 09:00
    web = Web(app.test_client()).login(CITIZEN)
    before = _mine(api)
    first = _code(_post(web, SAMPLE_FORM, 302))
    assert _mine(api) == before | {first}
    filed = api.get(f"/api/v1/dossiers/{first}", CITIZEN).get_json()["documents"]
    assert {d["name"] for d in filed if d["kind"] == "filing"} == {"Giấy đề nghị.pdf", "tru-so.jpg"}

    clock.set(datetime(2026, 11, 23, 9, 2, tzinfo=VN_TZ))  # back from the receipt, "Nộp hồ sơ" again
    again = _post(web, SAMPLE_FORM, 409)
    page, text = again.get_data(as_text=True), text_of(again)
    assert f"Bạn đã nộp hồ sơ {first} lúc 23/11/2026 09:00 với cùng nội dung." in text
    assert f'href="/ca-nhan/ho-so/{first}"' in page
    assert 'name="confirm_duplicate" value="1"' in page
    assert SAMPLE_FORM["ten_ho_kinh_doanh"] in page  # what was typed, shown again
    assert _mine(api) == before | {first}  # nothing filed

    token = TOKEN_RE.search(page).group(1)  # the refused post's token, kept: nothing was filed under it
    data = {**flatten(SAMPLE_FORM), "submit_token": token, "confirm_duplicate": "1",
            "file.giay_de_nghi": (io.BytesIO(PDF), "Giấy đề nghị.pdf")}
    second = _code(web.post(PAGE, data, status=302, content_type="multipart/form-data"))
    assert second != first and _mine(api) == before | {first, second}

    clock.set(datetime(2026, 11, 23, 9, 3, tzinfo=VN_TZ))  # another business: filed at once
    other = _code(_post(web, {**SAMPLE_FORM, "ten_ho_kinh_doanh": "Tạp hóa Bình Minh"}, 302))
    assert _mine(api) == before | {first, second, other}

    clock.set(datetime(2026, 11, 23, 9, 15, tzinfo=VN_TZ))  # more than 10 minutes after the last same form
    later = _code(_post(web, SAMPLE_FORM, 302))
    assert _mine(api) == before | {first, second, other, later}


def test_a_double_click_still_leads_to_the_first_dossier(app, api, clock):
    clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=VN_TZ))
    web = Web(app.test_client()).login(CITIZEN)
    before = _mine(api)
    data = {**flatten(SAMPLE_FORM), "submit_token": _fresh_token(web)}
    first = web.post(PAGE, data, status=302)
    clock.set(datetime(2026, 11, 23, 9, 0, 1, tzinfo=VN_TZ))
    again = web.post(PAGE, data, status=302)  # the same token: today's replay, no question asked
    assert again.headers["Location"] == first.headers["Location"]
    assert _mine(api) == before | {_code(first)}
