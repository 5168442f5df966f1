"""The receiving officer's filing page (D5) at its edges: an officer of an agency that does not offer the
procedure is refused as such however many other agencies offer it (D29), the page and the API alike; a suspended
procedure is listed without a link, and a form posted after its suspension is shown again with what was typed
(nothing filed, nothing lost); on an English page the refusals of a bad channel and of a wrong file are English."""
from __future__ import annotations

import io
import re

from conftest import SAMPLE_CODE, SAMPLE_FORM, vn
from sqlalchemy import select
from staff_support import officer_of_another_ward
from test_desk_filing_page import LIST, PAGE, RECEIVER, STRANGER, _data
from web_support import Web, counts, text_of

from engine.data.agency_model import Agency, ProcedureOffer
from engine.data.model import Procedure, ProcedureVersion

MULTIPART = {"content_type": "multipart/form-data"}
VIETNAMESE = re.compile(r"[ạảãàáâậầấẩẫăắằặẳẵđêếềệểễôốồộổỗơớờợởỡưứừựửữ]", re.I)


def _summary(response) -> str:
    found = re.search(r'id="error-summary".*?</div>', response.get_data(as_text=True), re.S)
    assert found, text_of(response)[:600]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(0)))


def _state(app, state: str) -> None:
    with app.extensions["tthc"]["sessions"].begin() as session:
        proc = session.scalar(select(Procedure).where(Procedure.code == SAMPLE_CODE))
        session.get(ProcedureVersion, proc.latest_version_id).state = state


def test_d29_an_officer_whose_agency_does_not_offer_it_is_refused_as_such_when_several_others_do(app, api, clock):
    """Two wards offer the procedure, the officer's own does not: 403 "own agency only" on the API and the page
    (before: 422 asking to choose among the agencies, a field the officer neither has nor may use)."""
    clock.set(vn(2026, 11, 25, 9, 0))
    stranger = officer_of_another_ward(app, clock.now(), "tiepnhan.khac", {"receiving_officer"})
    with app.extensions["tthc"]["sessions"].begin() as session:
        third = Agency(code="000.00.96.H56", name="Ủy ban nhân dân phường Ba", level="commune")
        session.add(third)
        session.flush()
        proc = session.scalar(select(Procedure).where(Procedure.code == SAMPLE_CODE))
        session.add(ProcedureOffer(procedure_id=proc.id, agency_id=third.id, settings={}, created_at=clock.now()))
    before = counts(app)
    by_api = api.post("/api/v1/dossiers", stranger, json={"procedure": SAMPLE_CODE, "form": SAMPLE_FORM,
                                                          "channel": "desk", "owner": STRANGER})
    assert by_api.status_code == 403, by_api.get_json()
    assert "thuộc cơ quan mình" in by_api.get_json()["error"]["message"]
    web = Web(app.test_client()).login(stranger)
    page = web.post(PAGE, _data(web, "desk", STRANGER), status=403, **MULTIPART)
    assert "Cán bộ chỉ nộp thay hồ sơ thuộc cơ quan mình" in _summary(page)
    assert counts(app) == before


def test_a_suspended_procedure_is_listed_without_its_link_and_a_form_posted_since_is_kept(app, clock):
    clock.set(vn(2026, 11, 25, 9, 0))
    web = Web(app.test_client()).login(RECEIVER)
    data = _data(web, "desk", STRANGER)  # the page was open, its token taken
    _state(app, "suspended")
    listed = web.get(LIST).get_data(as_text=True)
    assert f'href="{PAGE}"' not in listed and f'id="suspended-{SAMPLE_CODE}"' in listed
    before = counts(app)
    refused = web.post(PAGE, data, status=409, **MULTIPART)
    assert "tạm ngừng tiếp nhận" in _summary(refused)
    body = refused.get_data(as_text=True)
    assert f'value="{STRANGER["cccd"]}"' in body and f'value="{SAMPLE_FORM["ten_ho_kinh_doanh"]}"' in body
    assert counts(app) == before
    _state(app, "active")  # resumed: the same page files
    web.post(PAGE, _data(web, "desk", STRANGER), status=303, **MULTIPART)


def test_an_english_page_says_a_bad_channel_and_a_wrong_file_in_english(app, clock):
    clock.set(vn(2026, 11, 25, 9, 0))
    web = Web(app.test_client()).login(RECEIVER)
    web.post("/ngon-ngu", {"lang": "en", "next": PAGE}, status=302)
    channel = _summary(web.post(PAGE, _data(web, "fax", STRANGER), status=422, **MULTIPART))
    assert "Invalid filing channel" in channel and "online, desk or post" in channel, channel
    wrong = _data(web, "desk", STRANGER)
    wrong["file.giay_de_nghi"] = (io.BytesIO(b"plain text"), "note.txt")
    upload = _summary(web.post(PAGE, wrong, status=422, **MULTIPART))
    assert "note.txt: Only PDF, JPEG or PNG files are accepted" in upload, upload
    assert not VIETNAMESE.search(channel), channel
    assert "Chỉ nhận tệp" not in upload  # the component's name is the procedure's own (Vietnamese), its error not
