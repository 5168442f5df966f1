"""Filing for someone (D4) checked against the standardised identity of the owner's CCCD (D3).

A citizen could file ``"owner": {"full_name": "Người Khác Hẳn", ..., "cccd": <their own CCCD>}``, or file for a
CCCD standardised to another account under a made-up name: 201, and the dossier, Mẫu 01–03 and the result
printed a name and birth date contradicting the verified identity behind that CCCD (and the dossier appeared in
the holder's account under that wrong name). Now the owner's name (and birth date, where both are known) must
match that identity, written in any Unicode form, case or spacing; a mismatch is a 422 naming the field, nothing
filed, and the answer never tells the registered name or birth date. A CCCD without a standardised account is
checked for its format only, as before; so is a CCCD whose account nobody checked (a name only declared at
registration binds nobody: a stranger registering first under a made-up name would block the real owner)."""
from __future__ import annotations

import unicodedata

import pytest
from conftest import CITIZEN, PASSWORD, SAMPLE_CODE, SAMPLE_FORM
from identity_support import checked
from web_support import Web, counts, flatten, text_of

RECEIVER = "demo.tiepnhan"
HOLDER = {"full_name": "Trần Thị Bình", "cccd": "046160000777"}  # registered and checked in the tests below
OWN = {"full_name": "Nguyễn Văn An", "birth_date": "1999-03-14", "cccd": CITIZEN}  # the demo citizen, as standardised
PRIVATE = ("Nguyễn Văn An", "1999-03-14", "14/03/1999", "Trần Thị Bình")


@pytest.fixture
def backend():
    return "sqlite"


def register(api, cccd: str = HOLDER["cccd"], full_name: str = HOLDER["full_name"], check: bool = True) -> None:
    """The holder registers; ``check``: and the one-stop then sees her card (only a checked identity binds)."""
    r = api.post("/api/v1/citizens", json={"full_name": full_name, "cccd": cccd, "cccd_issued_on": "2021-06-01",
                                           "phone": "0905123456", "password": PASSWORD})
    assert r.status_code == 201, r.get_json()
    if check:
        checked(api.client.application, cccd)


def file_for(api, owner: dict, user: str = CITIZEN):
    return api.post("/api/v1/dossiers", user, json={"procedure": SAMPLE_CODE, "form": SAMPLE_FORM, "owner": owner})


def mine(api, user: str = CITIZEN) -> int:
    return len(api.get("/api/v1/dossiers", user).get_json())


def refused(response, *fields: str) -> dict:
    assert response.status_code == 422, (response.status_code, response.get_json())
    body = response.get_data(as_text=True)
    assert "Traceback" not in body
    error = response.get_json()["error"]
    assert error["code"] == "owner_identity_mismatch" and error["rule"] == "D4", error
    assert set(error["fields"]) == set(fields), error
    assert "danh tính đã xác thực" in error["message"]
    decoded = str(response.get_json())
    for private in PRIVATE:  # the identity behind a CCCD is never told to the filer
        assert private not in body and private not in decoded, private
    return error


def test_filing_under_ones_own_cccd_with_another_name_and_birth_date_is_refused(api):
    before = mine(api)
    refused(file_for(api, {"full_name": "Người Khác Hẳn", "birth_date": "1950-01-01", "cccd": CITIZEN}),
            "owner.full_name", "owner.birth_date")
    refused(file_for(api, {**OWN, "birth_date": "1950-01-01"}), "owner.birth_date")
    refused(file_for(api, {**OWN, "full_name": "Nguyễn Văn Ân"}), "owner.full_name")  # another name, not a spelling
    assert mine(api) == before == 0


def test_filing_for_a_standardised_cccd_under_a_made_up_name_is_refused(api):
    register(api)
    before = (mine(api), mine(api, HOLDER["cccd"]))
    refused(file_for(api, {"full_name": "Tên Khác Hẳn", "birth_date": "1960-05-02", "cccd": HOLDER["cccd"]}),
            "owner.full_name")
    assert (mine(api), mine(api, HOLDER["cccd"])) == before == (0, 0)


def test_a_name_only_declared_at_registration_binds_nobody(api):
    """Mon 07/12/2026: a stranger registered Trần Thị Bình's CCCD under a made-up name; she comes to the desk with
    her card and the officer files for her under her real name: filed (the stranger's name is no identity)."""
    register(api, full_name="Kẻ Lạ Mặt", check=False)
    r = file_for(api, {**HOLDER, "birth_date": "1960-05-02"}, RECEIVER)
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["owner"]["full_name"] == HOLDER["full_name"]


def test_a_receiving_officer_at_the_desk_is_held_to_the_same_identity(api):
    refused(file_for(api, {"full_name": "Người Khác Hẳn", "birth_date": "1999-03-14", "cccd": CITIZEN}, RECEIVER),
            "owner.full_name")
    assert mine(api, RECEIVER) == 0


@pytest.mark.parametrize("written", [
    unicodedata.normalize("NFD", "Trần Thị Bình"), "TRẦN THỊ BÌNH", "trần  thị   bình", "  Trần Thị\u00a0Bình "])
def test_the_same_name_written_differently_is_accepted_as_the_standardised_one(api, written):
    register(api)
    filed = file_for(api, {"full_name": written, "birth_date": "1960-05-02", "cccd": HOLDER["cccd"]})
    assert filed.status_code == 201, filed.get_json()
    assert filed.get_json()["owner"]["full_name"] == "Trần Thị Bình"  # as the verified identity spells it
    assert [d["owner"]["full_name"] for d in api.get("/api/v1/dossiers", HOLDER["cccd"]).get_json()] == \
        ["Trần Thị Bình"]


def test_ones_own_name_and_birth_date_are_accepted_in_any_writing(api):
    filed = file_for(api, {**OWN, "full_name": unicodedata.normalize("NFD", "nguyễn  VĂN an")})
    assert filed.status_code == 201, filed.get_json()
    assert filed.get_json()["owner"] == OWN


def test_a_cccd_without_a_standardised_account_keeps_the_format_checks_only(api):
    owner = {"full_name": "Người Khác Hẳn", "birth_date": "1950-01-01", "cccd": "079099000888"}
    filed = file_for(api, owner)
    assert filed.status_code == 201, filed.get_json()
    assert filed.get_json()["owner"] == owner
    assert mine(api) == 1


def test_the_filing_without_an_owner_is_the_citizens_own_as_before(api):
    assert api.file()["owner"] == OWN


def test_the_rule_is_listed_for_the_filing_operation(api):
    spec = api.get("/api/v1/openapi.json").get_json()
    rules = spec["paths"]["/api/v1/dossiers"]["post"]["responses"]["422"]["x-rules"]
    assert {"owner.full_name", "owner.birth_date"} <= set(rules)


# -- the filing page ------------------------------------------------------------------------------------------
def file_on_the_page(app, lang: str | None, owner: dict):
    web = Web(app.test_client()).login(CITIZEN)
    if lang:
        web.post("/ngon-ngu", {"lang": lang}, status=302)
    data = flatten(SAMPLE_FORM)
    data.update({"return_channel": "online", "for_other": "on", **{f"owner.{k}": v for k, v in owner.items()}})
    return web.post(f"/thu-tuc/{SAMPLE_CODE}/nop", data, content_type="multipart/form-data")


def test_the_filing_page_shows_the_mismatch_as_field_errors_in_vietnamese_and_english(app, api):
    register(api)
    before = counts(app)
    owner = {"full_name": "Tên Khác Hẳn", "birth_date": "1960-05-02", "cccd": HOLDER["cccd"]}
    r = file_on_the_page(app, None, owner)
    assert r.status_code == 422, text_of(r)[:500]
    html, page = r.get_data(as_text=True), text_of(r)
    assert 'id="owner-full_name-error"' in html and 'id="owner-birth_date-error"' not in html
    assert "Lỗi: Họ tên hoặc ngày sinh không khớp với danh tính đã xác thực của số CCCD này" in page
    assert "Trần Thị Bình" not in page and "Traceback" not in html
    r = file_on_the_page(app, "en", owner)
    assert r.status_code == 422, text_of(r)[:500]
    page = text_of(r)
    assert "Error: The name or the date of birth does not match the verified identity of this citizen ID number" in page
    assert "do not match the verified identity" in page
    assert "Trần Thị Bình" not in page
    assert counts(app) == before
    r = file_on_the_page(app, None, {**owner, "full_name": "trần thị  bình"})
    assert r.status_code == 302, text_of(r)[:500]
