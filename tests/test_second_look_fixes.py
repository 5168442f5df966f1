"""Holes a second look found in this stop's own fixes, each with its dates:

- files with the filing: a procedure whose fee is paid with the filing (D26) puts the dossier in status 6 before
  the one-stop decides anything; its files (D8) were refused, and the portal's filing with a file failed whole;
- an officer registering an online dossier for a citizen (D5) attaches the citizen's papers while filing;
- an officer of a closed agency files nothing at its own desk (D29), as a citizen could not there;
- an apology letter withdrawn unsigned with its dossier was never issued (D20, D22): nobody is shown it;
- the English registration page tells the real holder of a CCCD already registered what to do (D3).
"""
from __future__ import annotations

import io

import pytest
from conftest import CITIZEN, SAMPLE_CODE, SAMPLE_FORM, vn
from payment_support import fee_with_the_filing
from test_withdrawn_letters_not_counted import overdue_letter, received, withdraw
from test_statistics import pki_2027, settings  # noqa: F401  (keys valid in 2027)
from web_support import PNG, Web, text_of

OWNER = {"full_name": "Lê Thị Chủ", "birth_date": "1995-05-05", "cccd": "046195000777"}


def attach(api, user: str, code: str):
    return api.post(f"/api/v1/dossiers/{code}/documents", user, content_type="multipart/form-data",
                    data={"file": (io.BytesIO(PNG), "don.png"), "component": "giay_de_nghi"})


def test_files_go_with_a_filing_whose_fee_is_owed(app, api, clock):
    clock.set(vn(2026, 12, 7, 9, 0))  # Monday 07/12/2026 09:00
    fee_with_the_filing(app, api)
    filed = api.file(CITIZEN)
    assert filed["status"] == 6
    assert attach(api, CITIZEN, filed["code"]).status_code == 201
    web = Web(app.test_client()).login(CITIZEN)
    r = web.file(files={"giay_de_nghi": ("don.png", PNG)}, status=None)
    assert r.status_code == 302, text_of(r)[:400]


def test_an_officer_filing_online_for_a_citizen_attaches_while_filing_only(api, clock):
    clock.set(vn(2026, 12, 7, 9, 0))
    r = api.post("/api/v1/dossiers", "demo.tiepnhan",
                 json={"procedure": SAMPLE_CODE, "form": SAMPLE_FORM, "owner": OWNER, "channel": "online"})
    assert r.status_code == 201, r.get_json()
    code = r.get_json()["code"]
    clock.set(vn(2026, 12, 7, 9, 5))
    assert attach(api, "demo.tiepnhan", code).status_code == 201
    clock.set(vn(2026, 12, 7, 9, 30))
    api.act("demo.tiepnhan", code, "receive")
    assert attach(api, "demo.tiepnhan", code).status_code == 403  # an online dossier: afterwards, the citizen's


@pytest.fixture
def closed_ward(app, api, clock):
    """The demo ward offers the sample; Mon 07/12/2026 10:00 it is closed (in the database, as an administrator
    of the province would after moving its offers elsewhere)."""
    from sqlalchemy import select

    from engine.data.model import Agency, User
    clock.set(vn(2026, 12, 7, 10, 0))
    with app.extensions["tthc"]["sessions"].begin() as session:
        officer = session.scalar(select(User).where(User.username == "demo.tiepnhan"))
        session.get(Agency, officer.agency_id).active = False


def test_an_officer_of_a_closed_agency_files_nothing_at_its_desk(api, closed_ward):
    r = api.post("/api/v1/dossiers", "demo.tiepnhan",
                 json={"procedure": SAMPLE_CODE, "form": SAMPLE_FORM, "owner": OWNER, "channel": "desk"})
    assert r.status_code == 422, r.get_json()
    assert r.get_json()["error"]["code"] == "agency_not_offering"


def test_a_letter_withdrawn_unsigned_is_shown_to_nobody(api, app, clock):
    """Received Mon 01/03/2027 09:30, due Thu 04/03 09:30; the head's overdue letter Thu 04/03 10:30 waits for
    its signature; the citizen withdraws at 11:00."""
    code = received(api, clock, 1, 9, 30)
    overdue_letter(api, clock, code, 2027, 3, 4, 10, 30)
    assert len(api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()["letters"]) == 1
    withdraw(api, clock, code, 2027, 3, 4, 11, 0)
    for user in (CITIZEN, "demo.thutruong"):
        assert api.get(f"/api/v1/dossiers/{code}", user).get_json()["letters"] == [], user
    page = text_of(Web(app.test_client()).login(CITIZEN).get(f"/ca-nhan/ho-so/{code}"))
    assert "Thư xin lỗi —" not in page


def test_the_english_registration_page_tells_the_real_holder_what_to_do(app, api):
    data = {"full_name": "Kẻ Lạ Mặt", "cccd": CITIZEN, "cccd_issued_on": "2021-01-01", "phone": "0999888777",
            "password": "matkhau-1234", "password2": "matkhau-1234"}
    for lang, said in (("en", "sign in with VNeID or bring your ID card to the one-stop desk"),
                       ("vi", "hãy đăng nhập bằng VNeID hoặc mang thẻ CCCD đến Bộ phận Một cửa")):
        web = Web(app.test_client())
        web.post("/ngon-ngu", {"lang": lang, "next": "/"}, status=302)
        page = text_of(web.post("/dang-ky", data, status=409))
        assert said in page and page.count(said) <= 2, (lang, page[:600])
