"""D5, D10, D12: a dossier filed at the desk or by post is supplemented the way it came in. The applicant hands
the missing paper in to the one-stop, whose receiving officer records it (through the same
POST /api/v1/dossiers/{code}/supplement, or the "Ghi nhận hồ sơ bổ sung" form of the officer's dossier page);
the completed dossier goes back to intake. An online dossier stays the citizen's to supplement on the portal.
"""
from __future__ import annotations

from conftest import CITIZEN, SAMPLE_FORM, STEP_DATA, vn
from sqlalchemy import select
from staff_support import officer_of_another_ward
from web_support import Web, flatten, text_of

from engine.data.model import AuditEvent, Dossier, User

RECEIVER, SPECIALIST = "demo.tiepnhan", "demo.chuyenvien"
OWNER = {"full_name": "Trần Thị Bình", "birth_date": "1990-05-06", "cccd": "046190000123"}  # no account
REQUEST = STEP_DATA["request_supplement"]
COMPLETED = {**SAMPLE_FORM, "ten_ho_kinh_doanh": "Tạp hóa Bình An Mới"}  # the form as the paper now says


def _paper_dossier(api, clock, channel: str) -> str:
    """Wed 25/11/2026 09:00 the officer records a paper dossier; 09:10 the same officer asks for a supplement;
    Thu 26/11/2026 09:00 the applicant comes back with the missing paper."""
    clock.set(vn(2026, 11, 25, 9, 0))
    code = api.file(RECEIVER, owner=OWNER, channel=channel)["code"]
    clock.set(vn(2026, 11, 25, 9, 10))
    assert api.act(RECEIVER, code, "request_supplement", REQUEST)["status"] == 5
    clock.set(vn(2026, 11, 26, 9, 0))
    api.tokens.clear()  # the clock moved past the tokens' life
    return code


def _supplement(api, user: str, code: str, body: dict | None = None):
    api.tokens.clear()  # the clock moved past the tokens' life
    return api.post(f"/api/v1/dossiers/{code}/supplement", user, json=body or {"form": COMPLETED})


def _last_event(app, code: str) -> tuple[str, str, dict]:
    with app.extensions["tthc"]["sessions"]() as session:
        event = session.scalars(select(AuditEvent).join(Dossier, Dossier.id == AuditEvent.dossier_id)
                                .where(Dossier.code == code).order_by(AuditEvent.id.desc())).first()
        return event.action, session.get(User, event.actor_id).username, event.data


def test_the_receiving_officer_records_a_desk_dossiers_supplement_and_it_goes_back_to_intake(api, app, clock):
    code = _paper_dossier(api, clock, "desk")
    r = _supplement(api, RECEIVER, code)
    assert r.status_code == 200, r.get_json()
    out = api.get(f"/api/v1/dossiers/{code}", RECEIVER).get_json()
    assert out["status"] == 1
    assert out["form"]["ten_ho_kinh_doanh"] == "Tạp hóa Bình An Mới"
    assert out["history"][-1]["action"] == "supplement"
    action, actor, data = _last_event(app, code)
    assert (action, actor) == ("supplement", RECEIVER)
    assert "tại Bộ phận Một cửa" in data["note"]  # the trail says how the paper came back
    # the completed dossier is checked again at intake: the officer has the intake task again
    assert api.task_for(RECEIVER, code)["step"] == "intake"


def test_a_post_dossiers_supplement_is_recorded_by_the_officer_with_the_note_given(api, app, clock):
    code = _paper_dossier(api, clock, "post")
    r = _supplement(api, RECEIVER, code, {"form": COMPLETED, "note": "Bưu điện chuyển đến sáng 26/11"})
    assert r.status_code == 200, r.get_json()
    out = api.get(f"/api/v1/dossiers/{code}", RECEIVER).get_json()
    assert (out["status"], out["form"]["ten_ho_kinh_doanh"]) == (1, "Tạp hóa Bình An Mới")
    assert _last_event(app, code) == ("supplement", RECEIVER, {"note": "Bưu điện chuyển đến sáng 26/11"})


def test_another_agencys_receiving_officer_and_a_specialist_may_not_record_it(api, app, clock):
    code = _paper_dossier(api, clock, "desk")
    stranger = officer_of_another_ward(app, clock.now(), "tiepnhan.khac", {"receiving_officer"})
    assert _supplement(api, stranger, code).status_code in (403, 404)
    assert _supplement(api, SPECIALIST, code).status_code == 403
    out = api.get(f"/api/v1/dossiers/{code}", RECEIVER).get_json()
    assert (out["status"], out["form"]["ten_ho_kinh_doanh"]) == (5, SAMPLE_FORM["ten_ho_kinh_doanh"])


def test_an_online_dossier_is_supplemented_by_its_citizen_not_by_the_officer(api, clock):
    clock.set(vn(2026, 11, 25, 9, 0))
    code = api.file(CITIZEN)["code"]
    clock.set(vn(2026, 11, 25, 9, 30))
    api.act(RECEIVER, code, "request_supplement", REQUEST)
    clock.set(vn(2026, 11, 26, 9, 0))
    api.tokens.clear()
    r = _supplement(api, RECEIVER, code)
    assert r.status_code == 403
    assert "trực tuyến" in r.get_json()["error"]["message"]
    r = _supplement(api, CITIZEN, code)
    assert r.status_code == 200, r.get_json()
    out = api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()
    assert (out["status"], out["form"]["ten_ho_kinh_doanh"]) == (1, "Tạp hóa Bình An Mới")
    assert out["history"][-1]["action"] == "supplement"


def test_the_officers_dossier_page_records_the_supplement(api, app, clock):
    code = _paper_dossier(api, clock, "desk")
    web = Web(app.test_client()).login(RECEIVER)
    page = web.get(f"/can-bo/ho-so/{code}").get_data(as_text=True)
    assert 'id="form-desk-supplement"' in page and "Ghi nhận hồ sơ bổ sung" in page
    assert 'value="Tạp hóa Bình An"' in page  # the form as it stands, to correct
    path = f"/can-bo/ho-so/{code}/bo-sung"
    web.post(path, flatten(COMPLETED), csrf=False, status=400)
    bad = web.post(path, {**flatten(COMPLETED), "f.dien_thoai": "x"}, status=422)
    assert 'id="form-desk-supplement"' in bad.get_data(as_text=True)
    assert "Chưa thực hiện được" in text_of(bad)
    assert api.get(f"/api/v1/dossiers/{code}", RECEIVER).get_json()["status"] == 5  # nothing kept
    done = web.post(path, {**flatten(COMPLETED), "note": ""}, status=302)
    assert done.headers["Location"].endswith(f"/can-bo/ho-so/{code}")
    after = web.get(f"/can-bo/ho-so/{code}")
    assert f"Đã ghi nhận hồ sơ bổ sung của hồ sơ {code}." in text_of(after)
    assert 'id="form-desk-supplement"' not in after.get_data(as_text=True)
    out = api.get(f"/api/v1/dossiers/{code}", RECEIVER).get_json()
    assert (out["status"], out["form"]["ten_ho_kinh_doanh"]) == (1, "Tạp hóa Bình An Mới")
    assert _last_event(app, code)[:2] == ("supplement", RECEIVER)


def test_the_page_offers_no_form_for_an_online_dossier_nor_to_a_specialist(api, app, clock):
    clock.set(vn(2026, 11, 25, 9, 0))
    online = api.file(CITIZEN)["code"]
    clock.set(vn(2026, 11, 25, 9, 30))
    api.act(RECEIVER, online, "request_supplement", REQUEST)
    desk = _paper_dossier(api, clock, "desk")
    officer = Web(app.test_client()).login(RECEIVER)
    assert 'id="form-desk-supplement"' not in officer.get(f"/can-bo/ho-so/{online}").get_data(as_text=True)
    specialist = Web(app.test_client()).login(SPECIALIST)
    assert 'id="form-desk-supplement"' not in specialist.get(f"/can-bo/ho-so/{desk}").get_data(as_text=True)
    specialist.post(f"/can-bo/ho-so/{desk}/bo-sung", flatten(COMPLETED), status=403)
