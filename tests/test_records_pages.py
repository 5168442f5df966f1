"""The processing-control slip (D30) and the dossier register (D31) from the officers' web pages (session
login), by the same rules as the API (engine/web/records.py): the slip for officers of the dossier's agencies
only (anyone else: 404, the citizen refused), the register for officers of an agency, over a period of
YYYY-MM-DD days, from before to, at most 366 days; a wrong period re-shows the form with its message (422)."""
from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from staff_support import officer_of_another_ward
from web_support import Web, text_of

from conftest import CITIZEN
from engine.paperwork import registers

RECEIVER, OTHER_WARD = "demo.tiepnhan", "khac.tiepnhan"  # the latter: the receiving officer of another ward
REGISTER = "/can-bo/so-theo-doi"


@pytest.fixture
def backend():
    """Pages over the API's own use cases (the API's tests run both databases)."""
    return "sqlite"


@pytest.fixture
def other_ward(app, clock):
    """Another ward with its own receiving officer (as phuxuan.tiepnhan of the demo province)."""
    return officer_of_another_ward(app, clock.now(), OTHER_WARD, {"receiving_officer"})


def officer(app, username: str) -> Web:
    return Web(app.test_client()).login(username)


def slip_path(code: str) -> str:
    return f"/can-bo/ho-so/{code}/phieu-kiem-soat"


def received(api) -> str:
    code = api.file(CITIZEN)["code"]
    api.act(RECEIVER, code, "receive")
    return code


def attachment(r, media_type: str, suffix: str) -> None:
    assert r.mimetype == media_type
    disposition = r.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and disposition.endswith(f'{suffix}"'), disposition
    assert r.headers["Cache-Control"] == "no-store"


def test_the_receiving_officer_downloads_the_slip_and_others_do_not(app, api, other_ward):
    code = received(api)
    r = officer(app, RECEIVER).get(slip_path(code))
    attachment(r, "application/pdf", f"phieu-kiem-soat-{code}.pdf")
    assert r.data.startswith(b"%PDF")
    officer(app, OTHER_WARD).get(slip_path(code), status=404)  # another ward's officer: as a hidden dossier
    officer(app, RECEIVER).get(slip_path("000.00.06.H56-261123-9999"), status=404)
    citizen = Web(app.test_client()).login(CITIZEN)
    r = citizen.get(slip_path(code), status=None)
    assert r.status_code in (403, 404) and not r.data.startswith(b"%PDF")
    r = Web(app.test_client()).get(slip_path(code), status=302)  # not signed in: the login page
    assert "/dang-nhap" in r.headers["Location"]


def test_the_dossier_page_links_to_its_slip(app, api):
    code = received(api)
    page = officer(app, RECEIVER).get(f"/can-bo/ho-so/{code}").get_data(as_text=True)
    assert f'href="{slip_path(code)}"' in page
    assert "Phiếu kiểm soát quá trình giải quyết (PDF)" in page


def test_the_register_page_offers_this_month_and_downloads_pdf_and_xlsx(app, api, other_ward):
    code = received(api)  # the clock: Monday 23/11/2026
    web = officer(app, RECEIVER)
    assert f'href="{REGISTER}"' in web.get("/can-bo/cong-viec").get_data(as_text=True)  # the inbox's link
    page = web.get(REGISTER).get_data(as_text=True)
    assert re.search(r'<input type="date" id="r-from" name="from" value="2026-11-01"', page)
    assert re.search(r'<input type="date" id="r-to" name="to" value="2026-11-23"', page)
    assert 'method="get"' in page and "Tải sổ theo dõi hồ sơ" in page
    r = web.get(f"{REGISTER}?from=2026-11-01&to=2026-11-30&format=pdf&tai=1")
    attachment(r, "application/pdf", "so-theo-doi-ho-so-20261101-20261130.pdf")
    assert r.data.startswith(b"%PDF")
    r = web.get(f"{REGISTER}?from=2026-11-01&to=2026-11-30&format=xlsx&tai=1")
    attachment(r, registers_xlsx(), "so-theo-doi-ho-so-20261101-20261130.xlsx")
    sheet = load_workbook(io.BytesIO(r.data)).active
    cells = [c for row in sheet.iter_rows(min_row=registers.HEADER_ROW + 1, values_only=True) for c in row]
    assert code in cells
    # another ward's register does not hold it
    r = officer(app, OTHER_WARD).get(f"{REGISTER}?from=2026-11-01&to=2026-11-30&format=xlsx&tai=1")
    sheet = load_workbook(io.BytesIO(r.data)).active
    assert code not in [c for row in sheet.iter_rows(values_only=True) for c in row]


def registers_xlsx() -> str:
    return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.mark.parametrize("query, message", [
    ("from=2026-11-20&to=2026-11-01", "Ngày bắt đầu phải trước hoặc bằng ngày kết thúc"),
    ("from=2025-01-01&to=2026-11-01", "Mỗi lần xuất tối đa 366 ngày"),
    ("from=2026-13-01&to=2026-11-01", "Ngày không hợp lệ (YYYY-MM-DD)"),
    ("from=2026-11-01&to=", "Ngày không hợp lệ (YYYY-MM-DD)"),
])
def test_a_wrong_period_shows_the_form_again_with_its_message(app, query, message):
    web = officer(app, RECEIVER)
    r = web.get(f"{REGISTER}?{query}&format=xlsx&tai=1", status=422)
    assert r.mimetype == "text/html" and message in text_of(r)
    page = r.get_data(as_text=True)
    start = dict(p.split("=") for p in query.split("&"))["from"]
    assert f'name="from" value="{start}"' in page  # the values typed are kept
    assert re.search(r'<option value="xlsx" selected', page)


def test_an_unknown_format_is_refused_on_the_form(app):
    r = officer(app, RECEIVER).get(f"{REGISTER}?from=2026-11-01&to=2026-11-02&format=doc&tai=1", status=422)
    assert "Định dạng không hợp lệ" in text_of(r)


def test_only_officers_reach_the_register(app):
    r = Web(app.test_client()).login(CITIZEN).get(f"{REGISTER}?tai=1", status=None)
    assert r.status_code == 403 and not r.data.startswith(b"%PDF")


def test_the_english_page_has_english_labels(app, api):
    code = received(api)
    web = officer(app, RECEIVER)
    web.post("/ngon-ngu", {"lang": "en"}, status=302)
    html = web.get(REGISTER).get_data(as_text=True)
    for name, label in (("from", "From"), ("to", "To"), ("format", "Format")):
        assert f'<label for="r-{name}">{label}</label>' in html, label
    page = text_of(web.get(REGISTER))
    assert "Dossier register" in page and "Download the dossier register" in page
    assert "Tải sổ theo dõi hồ sơ" not in page
    r = web.get(f"{REGISTER}?from=2026-11-20&to=2026-11-01&tai=1", status=422)
    assert "The first day must not be after the last day" in text_of(r)
    assert "Processing-control slip (PDF)" in text_of(web.get(f"/can-bo/ho-so/{code}"))


def test_the_api_keeps_the_same_rules(app, api, other_ward):
    """The API and the pages share the rules (engine/web/records.py): same answers over the bearer token."""
    code = received(api)
    r = api.get(f"/api/v1/dossiers/{code}/control-slip", RECEIVER)
    assert r.status_code == 200 and r.data.startswith(b"%PDF")
    assert api.get(f"/api/v1/dossiers/{code}/control-slip", OTHER_WARD).status_code == 404
    r = api.get("/api/v1/register?from=2026-11-20&to=2026-11-01", RECEIVER)
    assert r.status_code == 422
    assert r.get_json()["error"]["message"] == "Ngày bắt đầu phải trước hoặc bằng ngày kết thúc"
    r = api.get("/api/v1/register?from=2025-01-01&to=2026-11-01", RECEIVER)
    assert r.status_code == 422 and r.get_json()["error"]["fields"] == {"to": "Khoảng thời gian quá dài"}
    assert api.get("/api/v1/register?format=doc", RECEIVER).status_code == 422
    assert api.get("/api/v1/register?format=xlsx", RECEIVER).status_code == 200
