"""A name is letters a person can see (D3: a citizen account is standardised with its full name, among four facts).
A name of zero-width spaces, byte-order marks or Hangul fillers looked empty and was yet stored and standardised;
a RIGHT-TO-LEFT OVERRIDE (U+202E) made a name display as another; DEL, C1 controls and line separators passed.
Each is now refused, 422 naming the field, nothing stored, on every way a name comes in: a citizen's
registration, the desk's, an officer's and an agency's (name and seal). Vietnamese names, typed composed or
decomposed (NFD), are stored composed (NFC). SQLite and PostgreSQL."""
from __future__ import annotations

import unicodedata

import pytest
from sqlalchemy import func, select

from engine.data.agency_model import Agency
from engine.data.model import User

ADMIN = "demo.admin"
DESK = "demo.tiepnhan"
WARD = "000.00.06.H56"      # the demo ward, Thuận Hóa
OFFICER = "demo.chuyenvien"  # an officer of the demo ward

BAD_NAMES = ["\u200b\u200b\u200b", "\ufeff\ufeff", "An\x7f\x7f", "Nguyễn\x85Văn", "\u202eAn Văn Nguyễn",
             "An\u2028Bình", "\u3164\u3164", "\u200b\ufeff", "  ..  ", "1-2"]
GOOD_NAMES = ["Nguyễn Văn An", "Lê Thị Hoa", "Ủy ban nhân dân phường Thuận Hóa",
              unicodedata.normalize("NFD", "Nguyễn Thị Ánh")]
CITIZEN_BODY = {"cccd": "079099000500", "cccd_issued_on": "2022-01-01", "phone": "0901234000", "password": "demo12345"}
NEW_AGENCY = {"id": "000.00.77.H56", "level": "department", "parent": WARD}  # an office of the ward
NEW_OFFICER = {"username": "canbo.moi", "agency": WARD, "roles": ["specialist"], "email": "canbo.moi@example.vn"}


def count(app, what) -> int:
    with app.extensions["tthc"]["sessions"]() as session:
        return session.scalar(select(func.count()).select_from(what))


def refused(r, field: str) -> None:
    """422 naming ``field`` alone: nothing else of the request is at fault."""
    assert r.status_code == 422, (r.status_code, r.get_json())
    assert list(r.get_json()["error"]["fields"]) == [field], r.get_json()


def patch(api, path: str, user: str, body: dict):
    return api.client.patch(path, headers=api.headers(user), json=body)


@pytest.mark.parametrize("name", BAD_NAMES)
def test_a_citizen_name_of_hidden_characters_or_without_letters_is_refused(api, app, backend, name):
    users = count(app, User)
    refused(api.client.post("/api/v1/citizens", json={**CITIZEN_BODY, "full_name": name}), "full_name")
    body = {k: v for k, v in CITIZEN_BODY.items() if k != "password"}
    refused(api.post("/api/v1/citizens/desk", DESK, json={**body, "full_name": name}), "full_name")
    assert count(app, User) == users


@pytest.mark.parametrize("name", BAD_NAMES)
def test_an_officer_or_agency_name_of_hidden_characters_or_without_letters_is_refused(api, app, backend, name):
    users, agencies = count(app, User), count(app, Agency)
    officer, ward = (api.get(f"/api/v1/{path}", ADMIN).get_json() for path in (f"officers/{OFFICER}", f"agencies/{WARD}"))
    refused(api.post("/api/v1/officers", ADMIN, json={**NEW_OFFICER, "full_name": name}), "full_name")
    refused(patch(api, f"/api/v1/officers/{OFFICER}", ADMIN, {"full_name": name}), "full_name")
    for field in ("name", "seal_name"):
        body = {**NEW_AGENCY, "name": "Phường Mới", "seal_name": "UBND phường Mới", field: name}
        refused(api.post("/api/v1/agencies", ADMIN, json=body), field)
        refused(patch(api, f"/api/v1/agencies/{WARD}", ADMIN, {field: name}), field)
    assert (count(app, User), count(app, Agency)) == (users, agencies)
    assert api.get(f"/api/v1/officers/{OFFICER}", ADMIN).get_json() == officer
    assert api.get(f"/api/v1/agencies/{WARD}", ADMIN).get_json() == ward


def test_the_hidden_characters_are_said_in_the_message(api, backend):
    r = api.client.post("/api/v1/citizens", json={**CITIZEN_BODY, "full_name": "\u202eAn Văn Nguyễn"})
    assert r.get_json()["error"]["fields"]["full_name"] == "Họ và tên có ký tự điều khiển hoặc ký tự ẩn"
    r = api.client.post("/api/v1/citizens", json={**CITIZEN_BODY, "full_name": " - . "})
    assert r.get_json()["error"]["fields"]["full_name"] == "Họ và tên cần ít nhất hai chữ cái"


@pytest.mark.parametrize("index", range(len(GOOD_NAMES)))
def test_vietnamese_names_are_taken_as_typed(api, app, backend, index):
    name = GOOD_NAMES[index]
    stored = unicodedata.normalize("NFC", name)  # one spelling however it was typed (tests/test_names_nfc.py)
    r = api.client.post("/api/v1/citizens", json={**CITIZEN_BODY, "full_name": name})
    assert r.status_code == 201 and r.get_json()["standardised"] is True, r.get_json()
    body = {k: v for k, v in CITIZEN_BODY.items() if k != "password"}
    r = api.post("/api/v1/citizens/desk", DESK, json={**body, "cccd": "079099000501", "phone": "0901234001",
                                                      "full_name": name})
    assert r.status_code == 201, r.get_json()
    r = api.post("/api/v1/officers", ADMIN, json={**NEW_OFFICER, "full_name": name})
    assert r.status_code == 201 and r.get_json()["full_name"] == stored, r.get_json()
    assert patch(api, f"/api/v1/officers/{OFFICER}", ADMIN, {"full_name": name}).status_code == 200
    r = api.post("/api/v1/agencies", ADMIN, json={**NEW_AGENCY, "name": name, "seal_name": name})
    assert r.status_code == 201 and r.get_json()["name"] == stored, r.get_json()
    r = patch(api, f"/api/v1/agencies/{WARD}", ADMIN, {"name": name, "seal_name": name})
    assert r.status_code == 200 and r.get_json()["seal_name"] == stored, r.get_json()


@pytest.mark.parametrize("name", ["!!", "\u200b\u200b\u200b", "1-2"])
def test_the_owner_named_when_filing_for_someone_else_needs_a_visible_name(api, app, backend, name):
    """D4: filing for another person gives the owner's full name, as D3 knows a full name."""
    from conftest import CITIZEN, SAMPLE_CODE, SAMPLE_FORM
    from engine.data.model import Dossier
    dossiers = count(app, Dossier)
    owner = {"full_name": name, "birth_date": "1990-05-01", "cccd": "079190000777"}
    r = api.post("/api/v1/dossiers", CITIZEN, json={"procedure": SAMPLE_CODE, "form": SAMPLE_FORM, "owner": owner})
    assert r.status_code == 422 and "owner.full_name" in r.get_json()["error"]["fields"], r.get_json()
    assert count(app, Dossier) == dossiers
