"""Rolling back a procedure (the administrators' versions, api.md "Administration"): version 2 shortened the
processing time by mistake; the administrator restores version 1: its file, forms and layout are deployed again
as version 3, current, and new filings take version 1's time limit. There was no such action: re-uploading the
old file was the only way, and nothing offered it. Version 2's open dossiers go on on version 2."""
from __future__ import annotations

from sqlalchemy import select

from conftest import CITIZEN, SAMPLE_CODE
from engine.data.agency_model import AdminEvent
from engine.data.model import Dossier, Procedure, ProcedureVersion
from test_versions import ADMIN, deploy, variant
from web_support import new_client, text_of

BASE = f"/api/v1/procedures/{SAMPLE_CODE}/versions"


def _versions(app):
    with app.extensions["tthc"]["sessions"]() as session:
        proc = session.scalar(select(Procedure).where(Procedure.code == SAMPLE_CODE))
        rows = session.scalars(select(ProcedureVersion).where(ProcedureVersion.procedure_id == proc.id)
                               .order_by(ProcedureVersion.version)).all()
        return proc.latest_version_id, {v.version: (v.id, v.content_hash, v.info["duration"]["value"], v.state)
                                        for v in rows}


def test_restoring_version_1_deploys_its_content_as_version_3_current_and_audited(api, app):
    assert deploy(api, variant(duration="5")).status_code == 201
    on_two = api.file()["code"]
    r = api.post(f"{BASE}/1/restore", ADMIN)
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["version"] == 3 and r.get_json()["current"] and r.get_json()["state"] == "active"
    latest, found = _versions(app)
    assert latest == found[3][0] and found[3][1] == found[1][1] and found[3][2] == found[1][2] == 3
    assert found[2][2] == 5 and found[2][3] == "active"  # version 2 is left as it was
    code = api.file()["code"]
    with app.extensions["tthc"]["sessions"]() as session:
        versions = dict(session.execute(select(Dossier.code, ProcedureVersion.version)
                                        .join(ProcedureVersion, ProcedureVersion.id == Dossier.procedure_version_id)
                                        .where(Dossier.code.in_([code, on_two]))).all())
        event = session.scalar(select(AdminEvent).where(AdminEvent.action == "version_restore"))
    assert versions == {code: 3, on_two: 2}
    assert event.target == f"{SAMPLE_CODE} v3" and event.details["restored"] == 1, event.details
    again = api.post(f"{BASE}/1/restore", ADMIN)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_current"
    assert api.post(f"{BASE}/3/restore", ADMIN).status_code == 409
    assert api.post(f"{BASE}/9/restore", ADMIN).status_code == 404
    for who in (CITIZEN, "demo.tiepnhan"):
        assert api.post(f"{BASE}/2/restore", who).status_code == 403, who


def test_a_procedure_whose_versions_were_all_retired_comes_back_by_restoring_one(api, app):
    for n in (1,):
        assert api.post(f"{BASE}/{n}/retire", ADMIN).status_code == 200
    assert api.get(f"/api/v1/procedures/{SAMPLE_CODE}").status_code == 404
    r = api.post(f"{BASE}/1/restore", ADMIN)
    assert r.status_code == 201 and r.get_json()["version"] == 2, r.get_json()
    assert api.get(f"/api/v1/procedures/{SAMPLE_CODE}").status_code == 200
    assert api.file()["code"]


def test_the_versions_page_offers_the_rollback_after_a_confirmation(api, app):
    assert deploy(api, variant(duration="5")).status_code == 201
    web = new_client(app).login(ADMIN)
    page = web.get(f"/quan-tri/thu-tuc/{SAMPLE_CODE}").get_data(as_text=True)
    assert page.count("Khôi phục phiên bản này") == 1  # version 1 only: version 2 is current
    url = f"/quan-tri/thu-tuc/{SAMPLE_CODE}/phien-ban/1/khoi-phuc"
    asked = text_of(web.post(url, {}, status=200))
    assert "Khôi phục phiên bản 1 của thủ tục" in asked and _versions(app)[1].keys() == {1, 2}  # nothing yet
    done = web.post(url, {"confirm": "1"}, status=302)
    page = text_of(web.get(done.headers["Location"]))
    assert "Đã khôi phục phiên bản 1 thành phiên bản 3, hiện hành." in page and "Phiên bản 3 (hiện hành)" in page
    again = web.post(url, {"confirm": "1"}, status=302)
    assert "Phiên bản hiện hành (3) đã có đúng nội dung của phiên bản 1" in text_of(web.get(again.headers["Location"]))
    assert web.post(url, {"confirm": "1"}, status=400, csrf=False)  # CSRF, as every form
