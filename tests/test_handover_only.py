"""D33, D2: the city police's verification (2.000505) is the police's part of the Sở Tư pháp's criminal record
certificate (2.000488), filed only by the Sở's hand-over (``filedBy`` = ``handover`` in its BPMN). Nobody files
it directly (citizen through the API or the portal, receiving officer at the desk), the public catalogue does not
offer it, the JSON catalogue says how it is filed, and the hand-over still opens it."""
from __future__ import annotations

import pytest
from conftest import CITIZEN, vn
from lienthong_support import CHILD_CODE, FOLDER, FORM, PARENT_CODE, SO, build_lienthong, officer
from sqlalchemy import func, select
from web_support import Web, flatten, text_of

from engine.cli.demo import POLICE
from engine.data.model import Dossier, Procedure, ProcedureVersion
from engine.process import procedures


@pytest.fixture
def backend():
    return "sqlite"


def _count(app, code: str) -> int:
    with app.extensions["tthc"]["sessions"]() as session:
        return session.scalar(select(func.count()).select_from(Dossier)
                              .join(ProcedureVersion, ProcedureVersion.id == Dossier.procedure_version_id)
                              .join(Procedure, Procedure.id == ProcedureVersion.procedure_id)
                              .where(Procedure.code == code))


def _monday(api, clock) -> None:
    clock.set(vn(2026, 12, 7, 8, 30))
    api.tokens.clear()


def test_the_police_s_part_declares_it_is_filed_by_hand_over_only(settings):
    police = procedures.load_file(FOLDER / "xac-minh-ly-lich.bpmn", settings.forms_dir)
    assert police.info["filed_by"] == "handover"
    so = procedures.load_file(FOLDER / "ly-lich-tu-phap.bpmn", settings.forms_dir)
    assert so.info["filed_by"] == "applicant"  # the default: filed by the applicant


def test_lint_names_a_bad_filed_by(settings, tmp_path):
    text = (FOLDER / "xac-minh-ly-lich.bpmn").read_text(encoding="utf-8")
    bad = tmp_path / "xac-minh-ly-lich.bpmn"
    bad.write_text(text.replace('name="filedBy" value="handover"', 'name="filedBy" value="citizen-or-police"'),
                   encoding="utf-8")
    (tmp_path / "forms").symlink_to(FOLDER / "forms")
    (tmp_path / "tra-loi-xac-minh.html").symlink_to(FOLDER / "tra-loi-xac-minh.html")
    with pytest.raises(Exception) as err:
        procedures.load_file(bad, settings.forms_dir)
    messages = " ".join(p.message for p in getattr(err.value, "problems", []))
    assert "filedBy" in messages and "'citizen-or-police'" in messages and "handover" in messages, messages


def test_a_citizen_cannot_file_the_police_s_part_through_the_api(app, api, clock):
    build_lienthong(app)
    _monday(api, clock)
    for extra in ({"agency": POLICE}, {}):
        r = api.post("/api/v1/dossiers", CITIZEN, json={"procedure": CHILD_CODE, "form": FORM, **extra})
        assert r.status_code == 422, r.get_json()
        error = r.get_json()["error"]
        assert error["code"] == "handover_only" and error["rule"] == "D33"
        assert "liên thông" in error["message"] and PARENT_CODE in error["message"]
        assert "procedure" in error["fields"]
    assert _count(app, CHILD_CODE) == 0


def test_a_receiving_officer_cannot_file_it_at_the_desk(app, api, clock):
    build_lienthong(app)
    _monday(api, clock)
    r = api.post("/api/v1/dossiers", officer(POLICE, "intake"), json={
        "procedure": CHILD_CODE, "form": FORM, "channel": "desk",
        "owner": {"full_name": "Trần Thị Bình", "birth_date": "1990-05-01", "cccd": "046190000123"}})
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "handover_only", r.get_json()
    assert _count(app, CHILD_CODE) == 0


def test_the_portal_neither_lists_nor_offers_it(app, clock):
    build_lienthong(app)
    web = Web(app.test_client())
    catalogue = web.get("/thu-tuc").get_data(as_text=True)
    assert f"/thu-tuc/{PARENT_CODE}" in catalogue and f"/thu-tuc/{CHILD_CODE}" not in catalogue
    assert f"/thu-tuc/{CHILD_CODE}" not in web.get(f"/thu-tuc?q={CHILD_CODE}").get_data(as_text=True)
    assert f"/thu-tuc/{CHILD_CODE}" not in web.get("/").get_data(as_text=True)
    # its page still says what it is, and where the citizen files instead, without a filing button
    page = web.get(f"/thu-tuc/{CHILD_CODE}")
    assert f"/thu-tuc/{CHILD_CODE}/nop" not in page.get_data(as_text=True)
    assert "liên thông" in text_of(page) and PARENT_CODE in text_of(page)
    web.login(CITIZEN)
    clock.set(vn(2026, 11, 23, 9, 30))
    form = web.get(f"/thu-tuc/{CHILD_CODE}/nop", status=422)
    assert "chỉ nhận hồ sơ do cơ quan khác chuyển đến theo cơ chế liên thông" in text_of(form)
    posted = web.post(f"/thu-tuc/{CHILD_CODE}/nop", {**flatten(FORM), "agency": POLICE}, status=422,
                      content_type="multipart/form-data")
    assert "liên thông" in text_of(posted)
    assert _count(app, CHILD_CODE) == 0
    web.post("/ngon-ngu", {"lang": "en"}, status=302)  # in English: the refusal's sense, the engine's words after
    english = text_of(web.get(f"/thu-tuc/{CHILD_CODE}/nop", status=422))
    assert "only takes dossiers another agency hands over to it" in english and PARENT_CODE in english
    assert "citizens and organisations do not file it directly" in text_of(web.get(f"/thu-tuc/{CHILD_CODE}"))


def test_the_json_catalogue_keeps_it_and_says_how_it_is_filed(app, api):
    build_lienthong(app)
    listed = {p["code"]: p for p in api.get("/api/v1/procedures").get_json()}
    assert listed[CHILD_CODE]["filed_by"] == "handover" and listed[PARENT_CODE]["filed_by"] == "applicant"
    assert {"code", "name", "version", "agency", "level", "duration", "fees", "components"} <= set(listed[CHILD_CODE])
    one = api.get(f"/api/v1/procedures/{CHILD_CODE}").get_json()
    assert one["filed_by"] == "handover" and "form_schema" in one
    offered = api.get(f"/api/v1/procedures?agency={POLICE}").get_json()
    assert [p["filed_by"] for p in offered if p["code"] == CHILD_CODE] == ["handover"]


def test_the_hand_over_still_opens_the_police_s_sub_dossier(app, api, clock):
    build_lienthong(app)
    _monday(api, clock)
    r = api.post("/api/v1/dossiers", CITIZEN, json={"procedure": PARENT_CODE, "form": FORM, "agency": SO})
    assert r.status_code == 201, r.get_json()
    clock.set(vn(2026, 12, 7, 9, 0))
    api.tokens.clear()
    parent = api.act(officer(SO, "intake"), r.get_json()["code"], "receive")
    [handover] = parent["handovers"]
    assert handover["procedure"] == CHILD_CODE and handover["agency"] == POLICE
    assert _count(app, CHILD_CODE) == 1
