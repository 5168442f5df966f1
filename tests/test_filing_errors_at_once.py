"""A filing with mistakes in its return choice, its form and its owner was refused one part at a time: the return
address first, then the form, then the owner (D4), three sendings for three mistakes, the attachments chosen again
each time on the page. Every field to mend is now said at once; the identity of another person's CCCD is compared
only once every field is right (so that only such a filing counts towards engine.cases.owner_checks' limit)."""
from __future__ import annotations

import copy

import pytest
from conftest import CITIZEN, SAMPLE_CODE, SAMPLE_FORM
from web_support import Web, flatten, text_of

BAD_OWNER = {"full_name": "Trần Thị Bình", "birth_date": "1990-01-01", "cccd": "123"}


@pytest.fixture
def backend():
    return "sqlite"


def bad_form() -> dict:
    form = copy.deepcopy(SAMPLE_FORM)
    del form["ten_ho_kinh_doanh"]
    return form


def test_the_api_names_every_field_to_mend_in_one_answer(api):
    r = api.post("/api/v1/dossiers", CITIZEN, json={"procedure": SAMPLE_CODE, "form": bad_form(),
                                                    "return_channel": "post", "return_address": "ngắn",
                                                    "owner": BAD_OWNER})
    assert r.status_code == 422, r.get_json()
    error = r.get_json()["error"]
    assert {"return_address", "ten_ho_kinh_doanh", "owner.cccd"} <= set(error["fields"]), error
    assert error["code"] == "invalid_form" and error["message"] == f"Tờ khai chưa hợp lệ: {len(error['fields'])} trường cần sửa"
    # one part alone keeps its own words
    alone = api.post("/api/v1/dossiers", CITIZEN, json={"procedure": SAMPLE_CODE, "form": SAMPLE_FORM,
                                                        "owner": BAD_OWNER}).get_json()["error"]
    assert alone["message"] == "Thông tin chủ hồ sơ chưa hợp lệ (theo Nghị định 45/2020/NĐ-CP)"
    assert set(alone["fields"]) == {"owner.cccd"}


def test_a_mismatched_identity_is_not_compared_while_another_field_is_wrong(api):
    """The demo citizen's own CCCD under another birth date, with the form wrong too: the form is said first; the
    identity's refusal comes once the form is right."""
    owner = {"full_name": "Nguyễn Văn An", "birth_date": "1950-01-01", "cccd": CITIZEN}
    first = api.post("/api/v1/dossiers", CITIZEN, json={"procedure": SAMPLE_CODE, "form": bad_form(), "owner": owner})
    assert first.get_json()["error"]["code"] == "invalid_form"
    then = api.post("/api/v1/dossiers", CITIZEN, json={"procedure": SAMPLE_CODE, "form": SAMPLE_FORM, "owner": owner})
    assert then.get_json()["error"]["code"] == "owner_identity_mismatch"


def test_the_filing_page_shows_every_mistake_at_once(app):
    web = Web(app.test_client()).login(CITIZEN)
    data = flatten(bad_form())
    data.update({"return_channel": "post", "return_address": "ngắn", "for_other": "on",
                 **{f"owner.{k}": v for k, v in BAD_OWNER.items()}})
    r = web.post(f"/thu-tuc/{SAMPLE_CODE}/nop", data, status=422, content_type="multipart/form-data")
    html = r.get_data(as_text=True)
    for field in ("return_address", "f-ten_ho_kinh_doanh", "owner-cccd"):
        assert f'id="{field}-error"' in html, field
    assert "Tờ khai chưa hợp lệ: 3 trường cần sửa" in text_of(r)


def test_a_field_that_may_be_null_says_what_to_type():
    """A field typed ["integer", "null"] (accepted at deploy) given text raised a TypeError (a 500)."""
    from engine.process import forms

    schema = {"type": "object", "properties": {"a": {"type": ["integer", "null"]}, "b": {"type": ["string", "number"]}}}
    assert forms.field_errors(schema, {"a": "x", "b": []}) == {"a": "Phải là số nguyên", "b": "Sai kiểu dữ liệu"}
