"""The receiving officer's filing page (D5) at its edges: an officer of an agency that does not offer the
procedure is refused as such however many other agencies offer it (D29), the page and the API alike; a suspended
procedure is listed without a link, and a form posted after its suspension is shown again with what was typed
(nothing filed, nothing lost); on an English page the refusals of a bad channel and of a wrong file are English;
a paper dossier for an owner who already has one of the procedure open here (filed online by the citizen) is
asked about before a second one is filed."""
from __future__ import annotations

import io
import re

import pytest

from conftest import CITIZEN, SAMPLE_CODE, SAMPLE_FORM, vn
from sqlalchemy import select, update
from staff_support import officer_of_another_ward
from test_desk_filing_page import LIST, OWNER, PAGE, RECEIVER, STRANGER, TOKEN_RE, _data
from web_support import Web, counts, text_of

from engine.data.agency_model import Agency, ProcedureOffer
from engine.data.model import Dossier, Procedure, ProcedureVersion
from engine.law.statuses import RESOLVED

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


def test_d5_a_paper_dossier_for_an_owner_with_one_open_of_the_procedure_here_is_asked_about_first(app, api, clock):
    """The citizen filed online at 09:00 (a slightly different form); at 09:02 the officer registers the paper
    dossier the citizen brought anyway: 409, the open dossier named and linked; confirming files the second one."""
    clock.set(vn(2026, 11, 25, 9, 0))
    online = api.post("/api/v1/dossiers", CITIZEN, json={"procedure": SAMPLE_CODE, "form": {
        **SAMPLE_FORM, "ten_ho_kinh_doanh": "Tạp hóa Bình An 2"}}).get_json()["code"]
    clock.set(vn(2026, 11, 25, 9, 2))
    web = Web(app.test_client()).login(RECEIVER)
    before = counts(app)
    asked = web.post(PAGE, _data(web, "desk", OWNER), status=409, **MULTIPART)
    said = f"Chủ hồ sơ này đang có hồ sơ {online} của thủ tục này, nộp lúc 25/11/2026 09:00, chưa giải quyết xong."
    assert said in text_of(asked) and f'href="/can-bo/ho-so/{online}"' in asked.get_data(as_text=True)
    assert counts(app) == before
    token = TOKEN_RE.search(asked.get_data(as_text=True)).group(1)
    web.post(PAGE, {**_data(web, "desk", OWNER), "submit_token": token, "confirm_duplicate": "1"}, status=303,
             **MULTIPART)
    assert counts(app)[0] == before[0] + 1
    web.post(PAGE, _data(web, "desk", STRANGER), status=303, **MULTIPART)  # another owner: filed at once


@pytest.mark.parametrize("ended", ["withdrawn", "resolved"])
def test_d5_an_owner_whose_dossier_of_the_procedure_is_finished_is_not_asked_about(app, api, clock, ended):
    """Withdrawn, or its result made and waiting to be collected (status 9): nothing left to deal with, nothing
    asked (it was said "not yet finished")."""
    clock.set(vn(2026, 11, 25, 9, 0))
    online = api.post("/api/v1/dossiers", CITIZEN, json={"procedure": SAMPLE_CODE, "form": {
        **SAMPLE_FORM, "ten_ho_kinh_doanh": "Tạp hóa Bình An 2"}}).get_json()["code"]
    if ended == "withdrawn":
        withdrawn = api.post(f"/api/v1/dossiers/{online}/withdraw", CITIZEN, json={"reason": "Nộp nhầm"})
        assert withdrawn.status_code == 200, withdrawn.get_json()
    else:  # as the clerk's issue leaves it (the whole path is tests/test_e2e_*'s)
        with app.extensions["tthc"]["sessions"].begin() as session:
            session.execute(update(Dossier).where(Dossier.code == online).values(status=RESOLVED))
    clock.set(vn(2026, 11, 25, 9, 2))
    web = Web(app.test_client()).login(RECEIVER)
    web.post(PAGE, _data(web, "desk", OWNER), status=303, **MULTIPART)
