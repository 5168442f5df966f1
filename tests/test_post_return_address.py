"""D23: a dossier that came by post returns by post unless told otherwise, and a result by post needs an address.

The receiving officer records a postal filing (``"channel": "post"``) on Mon 23/11/2026 09:00 (the tests' clock)
without ``return_channel``/``return_address``: the result goes back by post to the applicant's address in the
filing form, where the procedure declares it (contactAddressField; the sample's ``dia_chi_tru_so``), which the
receipt (Mẫu 01, "nơi trả kết quả"), the officers' pages and the return step then have. With no address in the
form that can be posted to, the filing is refused (422 naming ``return_address``) and nothing is filed; an
address given with the filing is used, and a return channel the officer names is kept as before.
"""
from __future__ import annotations

import re

import pytest
from conftest import CITIZEN, OFFICERS, SAMPLE_CODE, SAMPLE_FORM, STEP_DATA
from test_declared_fields import FIXTURE, OTHER_FILING, upload
from test_result_reissue import text_of
from web_support import Web, counts, dossier_row

RECEIVER = OFFICERS["intake"]
OWNER = {"full_name": "Trần Thị Bình", "birth_date": "1990-05-06", "cccd": "046190000123"}
FORM_ADDRESS = SAMPLE_FORM["dia_chi_tru_so"]  # "12 Lê Lợi, phường Thuận Hóa, Huế"
TYPED = "27 Đặng Thái Thân, phường Thuận Hóa, thành phố Huế"
OTHER_CODE = "9.000010"  # tests/processes/declared-fields.bpmn: the applicant's address nguoi_nop.noi_o, optional
OTHER_FORM = {"ten": "Quán Cô Ba", "thu": "coba@example.vn", "nguoi_nop": {"sdt": "0905123456"}}


@pytest.fixture
def backend():
    """Validation before anything is written; the same on both databases."""
    return "sqlite"


def receipt_text(api, code: str) -> str:
    dossier = api.get(f"/api/v1/dossiers/{code}", RECEIVER).get_json()
    [receipt] = [d for d in dossier["documents"] if d["kind"] == "receipt"]
    return text_of(api.get(receipt["url"], RECEIVER).data)


def post_filing(api, procedure: str = SAMPLE_CODE, form: dict | None = None, owner: dict = OWNER, **extra):
    """The receiving officer records a dossier that came by post."""
    return api.post("/api/v1/dossiers", RECEIVER, json={"procedure": procedure, "form": form or SAMPLE_FORM,
                                                        "owner": owner, "channel": "post", **extra})


def test_a_postal_filing_without_an_address_returns_by_post_to_the_forms_address_printed_on_the_receipt(api, app):
    r = post_filing(api)
    assert r.status_code == 201, r.get_json()
    filed = r.get_json()
    assert (filed["return_channel"], filed["return_address"]) == ("post", FORM_ADDRESS)
    assert filed["filed_at"].startswith("2026-11-23T09:00")
    code = filed["code"]
    row = dossier_row(app, code)
    assert (row.channel, row.return_channel, row.return_address) == ("post", None, FORM_ADDRESS)  # as filed
    api.act(RECEIVER, code, "receive")
    text = receipt_text(api, code)
    assert f"Qua bưu chính công ích, đến địa chỉ: {FORM_ADDRESS}" in text

    officer = Web(app.test_client()).login(RECEIVER)  # the officer's page says where to send it
    page = officer.get(f"/can-bo/ho-so/{code}").get_data(as_text=True)
    assert re.search(r'id="return-choice">Qua bưu chính công ích: 12 Lê Lợi, phường Thuận Hóa, Huế<', page)

    api.act(OFFICERS["assessment"], code, "propose_approval", STEP_DATA["propose_approval"])
    api.act(OFFICERS["approval"], code, "approve")
    api.act(OFFICERS["signing"], code, "issue_result", STEP_DATA["issue_result"])
    task = officer.get(f"/can-bo/cong-viec/{officer.task_id(code)}").get_data(as_text=True)
    assert "buu_chinh" in re.findall(r'<option value="([a-z_]+)"[^>]*selected', task)  # the return form: by post
    assert re.search(r'id="return-choice">Qua bưu chính công ích: 12 Lê Lợi', task)
    returned = api.act(RECEIVER, code, "return_result", {})
    assert (returned["return_channel"], returned["return_address"]) == ("post", FORM_ADDRESS)


def test_an_address_given_with_a_postal_filing_is_used_without_naming_the_channel_again(api):
    filed = post_filing(api, return_address=TYPED).get_json()
    assert (filed["return_channel"], filed["return_address"]) == ("post", TYPED)
    named = post_filing(api, return_channel="post", return_address=TYPED).get_json()
    assert (named["return_channel"], named["return_address"]) == ("post", TYPED)
    api.act(RECEIVER, filed["code"], "receive")
    assert f"Qua bưu chính công ích, đến địa chỉ: {TYPED}" in receipt_text(api, filed["code"])


def test_a_postal_filing_whose_form_has_no_address_is_refused_naming_return_address_and_files_nothing(api, app):
    assert upload(api, FIXTURE.read_bytes(), FIXTURE.name, {"nop-khac.schema.json": OTHER_FILING}).status_code == 201
    before = counts(app)
    r = post_filing(api, OTHER_CODE, OTHER_FORM)
    assert r.status_code == 422, r.get_json()
    error = r.get_json()["error"]
    assert list(error["fields"]) == ["return_address"]
    assert "bưu chính cần địa chỉ trả kết quả" in error["message"]
    assert counts(app) == before
    # With the address in the form, or typed, the same filing goes through; by the desk or online it needs none.
    with_address = {**OTHER_FORM, "nguoi_nop": {**OTHER_FORM["nguoi_nop"], "noi_o": TYPED}}
    assert post_filing(api, OTHER_CODE, with_address).get_json()["return_address"] == TYPED
    assert post_filing(api, OTHER_CODE, OTHER_FORM, return_address=TYPED).get_json()["return_address"] == TYPED
    assert post_filing(api, OTHER_CODE, OTHER_FORM, return_channel="desk").get_json()["return_channel"] == "desk"
    assert counts(app)[0] == before[0] + 3


@pytest.mark.parametrize("extra, form", [
    ({}, {**SAMPLE_FORM, "dia_chi_tru_so": "Huế"}),  # the form's address is not one a letter can reach
    ({"return_address": "Huế"}, SAMPLE_FORM),  # nor the typed one: not replaced by the form's
    ({"return_channel": "post"}, SAMPLE_FORM),  # post named without an address: refused as before
    ({"return_channel": "post", "return_address": ""}, SAMPLE_FORM),
])
def test_a_postal_return_without_an_address_to_post_to_is_refused(api, app, extra, form):
    before = counts(app)
    r = post_filing(api, form=form, **extra)
    assert r.status_code == 422, r.get_json()
    assert list(r.get_json()["error"]["fields"]) == ["return_address"]
    assert counts(app) == before


def test_a_desk_filing_returning_by_post_needs_its_address_as_before(api, app):
    before = counts(app)
    r = api.post("/api/v1/dossiers", RECEIVER, json={"procedure": SAMPLE_CODE, "form": SAMPLE_FORM, "owner": OWNER,
                                                     "channel": "desk", "return_channel": "post"})
    assert r.status_code == 422 and list(r.get_json()["error"]["fields"]) == ["return_address"]
    r = api.post("/api/v1/dossiers", RECEIVER, json={"procedure": SAMPLE_CODE, "form": SAMPLE_FORM, "owner": OWNER,
                                                     "return_address": TYPED})  # a desk filing: post not chosen
    assert r.status_code == 422 and list(r.get_json()["error"]["fields"]) == ["return_channel"]
    assert counts(app) == before
    desk = api.file(RECEIVER, owner=OWNER, return_channel="post", return_address=TYPED)
    assert (desk["channel"], desk["return_channel"], desk["return_address"]) == ("desk", "post", TYPED)


def test_valid_postal_filings_that_name_their_return_are_unchanged(api):
    online = post_filing(api, return_channel="online").get_json()
    assert (online["return_channel"], online["return_address"]) == ("online", None)
    desk = post_filing(api, return_channel="desk").get_json()
    assert (desk["return_channel"], desk["return_address"]) == ("desk", None)
    assert post_filing(api, return_channel="online", return_address=TYPED).status_code == 422  # as before


def test_the_x_rules_of_filing_name_return_address(api):
    spec = api.get("/api/v1/openapi.json").get_json()
    assert "return_address" in spec["paths"]["/api/v1/dossiers"]["post"]["responses"]["422"]["x-rules"]


def test_the_owners_change_of_return_channel_keeps_needing_an_address_for_the_post(api):
    owner = {"full_name": "Nguyễn Văn An", "birth_date": "1999-03-14", "cccd": CITIZEN}  # the citizen's own
    code = post_filing(api, owner=owner).get_json()["code"]
    seen = api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()
    assert (seen["return_channel"], seen["return_address"]) == ("post", FORM_ADDRESS)
    change = f"/api/v1/dossiers/{code}/return-channel"
    assert api.post(change, RECEIVER, json={"return_channel": "desk"}).status_code == 403  # the citizen's choice
    r = api.post(change, CITIZEN, json={"return_channel": "post"})
    assert r.status_code == 422 and list(r.get_json()["error"]["fields"]) == ["return_address"]
    r = api.post(change, CITIZEN, json={"return_channel": "desk"})
    assert (r.get_json()["return_channel"], r.get_json()["return_address"]) == ("desk", None)
    r = api.post(change, CITIZEN, json={"return_channel": "post", "return_address": TYPED})
    assert (r.get_json()["return_channel"], r.get_json()["return_address"]) == ("post", TYPED)
