"""A ward procedure offered by several wards (D29), filed on its page with the agency left at "— Chọn cơ quan —"
and a required field blank: the page said "Bắt buộc: 000.00.08.H56, 000.00.07.H56, 000.00.06.H56" next to a
select that lists names, and flagged the blank field only on a second submission (the attachments chosen again).
Now the message asks to choose the receiving agency, and the form's own field errors come in the same answer;
the JSON API keeps its status and code for a missing agency with a valid form (api.md)."""
from __future__ import annotations

import re

import pytest
from conftest import CITIZEN, SAMPLE_CODE, SAMPLE_FORM
from sqlalchemy import select
from web_support import Web, flatten, text_of

from engine.data.agency_model import Agency, ProcedureOffer
from engine.data.model import Procedure

DEMO_WARD = "000.00.06.H56"
WARDS = (("000.00.07.H56", "Ủy ban nhân dân phường Phú Xuân (demo)"),
         ("000.00.08.H56", "Ủy ban nhân dân phường Kim Long (demo)"))
PAGE = f"/thu-tuc/{SAMPLE_CODE}/nop"


@pytest.fixture
def three_wards(app, clock):
    """The sample procedure offered by Thuận Hóa, Phú Xuân and Kim Long, as in the demo province."""
    with app.extensions["tthc"]["sessions"].begin() as session:
        proc = session.scalar(select(Procedure).where(Procedure.code == SAMPLE_CODE))
        for code, name in WARDS:
            ward = session.scalar(select(Agency).where(Agency.code == code))
            if ward is None:
                ward = Agency(code=code, name=name, level="commune")
                session.add(ward)
                session.flush()
            session.add(ProcedureOffer(procedure_id=proc.id, agency_id=ward.id, settings={}, active=True,
                                       created_at=clock.now()))


def page_filing(agency: str | None, **form) -> dict:
    data = flatten({**SAMPLE_FORM, **form})
    data["return_channel"] = "online"
    if agency is not None:
        data["agency"] = agency
    return data


def field_error(html: str, field_id: str) -> str:
    found = re.search(rf'<p class="field-error" id="{re.escape(field_id)}-error">(.*?)</p>', html, re.S)
    assert found, f"no error next to {field_id}"
    return re.sub(r"<[^>]+>", " ", found.group(1))


def test_the_page_asks_to_choose_the_agency_and_flags_the_blank_field_in_one_answer(app, three_wards):
    citizen = Web(app.test_client()).login(CITIZEN)
    r = citizen.post(PAGE, page_filing(None, ten_ho_kinh_doanh=""), status=422, content_type="multipart/form-data")
    html = r.get_data(as_text=True)
    said = field_error(html, "agency")
    assert "Chọn cơ quan tiếp nhận hồ sơ" in said
    assert "000.00." not in said
    assert "Trường này là bắt buộc" in field_error(html, "f-ten_ho_kinh_doanh")  # the same answer, not the next
    assert "Bắt buộc: 000.00." not in text_of(r)


def test_the_api_keeps_its_code_for_a_missing_agency_and_names_no_code(api, three_wards):
    r = api.post("/api/v1/dossiers", CITIZEN, json={"procedure": SAMPLE_CODE, "form": SAMPLE_FORM})
    assert r.status_code == 422, r.get_json()
    error = r.get_json()["error"]
    assert error["code"] == "agency_required"
    assert error["message"] == "Thủ tục được nhiều cơ quan tiếp nhận: chọn cơ quan nộp hồ sơ"
    assert error["fields"] == {"agency": "Chọn cơ quan tiếp nhận hồ sơ"}
    # the form wrong as well: one refusal naming both (the form's, with the agency's field)
    form = {k: v for k, v in SAMPLE_FORM.items() if k != "ten_ho_kinh_doanh"}
    r = api.post("/api/v1/dossiers", CITIZEN, json={"procedure": SAMPLE_CODE, "form": form})
    assert r.status_code == 422, r.get_json()
    error = r.get_json()["error"]
    assert error["code"] == "invalid_form"
    assert error["fields"] == {"agency": "Chọn cơ quan tiếp nhận hồ sơ", "ten_ho_kinh_doanh": "Trường này là bắt buộc"}
    # an agency that does not offer it, with the form wrong: both too, the agency's words as before
    r = api.post("/api/v1/dossiers", CITIZEN, json={"procedure": SAMPLE_CODE, "form": form, "agency": "000.00.99.H56"})
    assert r.status_code == 422, r.get_json()
    assert r.get_json()["error"]["fields"] == {"agency": "Không phải cơ quan cung cấp thủ tục này",
                                               "ten_ho_kinh_doanh": "Trường này là bắt buộc"}


def test_with_the_agency_chosen_filing_works_as_before(app, api, three_wards):
    filed = api.file(CITIZEN, agency=WARDS[1][0])
    assert filed["code"].startswith(WARDS[1][0] + "-") and filed["agency_name"] == WARDS[1][1]
    citizen = Web(app.test_client()).login(CITIZEN)
    r = citizen.post(PAGE, page_filing(WARDS[0][0]), status=302, content_type="multipart/form-data")
    assert r.headers["Location"].split("/ca-nhan/ho-so/")[1].startswith(WARDS[0][0] + "-")
    r = citizen.post(PAGE, page_filing(DEMO_WARD, ten_ho_kinh_doanh=""), status=422,
                     content_type="multipart/form-data")
    html = r.get_data(as_text=True)
    assert 'id="agency-error"' not in html and "Trường này là bắt buộc" in field_error(html, "f-ten_ho_kinh_doanh")
