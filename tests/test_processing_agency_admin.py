"""D29: a dossier received by one agency and processed by another (its offer names the processing agency) is held
by both; the administrator of either may suspend, resume or terminate it (engine.cases.operations), and the action
is audited under the agency of the actor's own subtree that holds it (receiving first, then processing), as the
resending of its dead letters is (engine.cases.dispatch.retry). An administrator of an unrelated agency is
refused as before."""
from __future__ import annotations

import pytest
from conftest import CITIZEN, PASSWORD, password_hash
from sqlalchemy import select
from test_offers import DEMO, DEPT, WARD_A, WARD_B, put_offers
from test_offers import province  # noqa: F401  (the fixture)
from web_support import Web, text_of

from engine.cases import accounts
from engine.data import agencies
from engine.data.agency_model import AdminEvent
from engine.data.model import Dossier
from engine.law.statuses import STOPPED

REFUSED = {"code": "outside_your_agencies", "message": "Cơ quan này không thuộc phạm vi quản trị của bạn."}


@pytest.fixture
def backend():
    return "sqlite"


@pytest.fixture
def processed(api, province, app, clock):  # noqa: F811
    """The province of test_offers with the Sở's and ward B's own administrators; ward A receives the procedure
    and the Sở processes it; one dossier filed at ward A. Returns (code, {agency code: id})."""
    with app.extensions["tthc"]["sessions"].begin() as session:
        made = {code: agencies.by_code(session, code) for code in (WARD_A, WARD_B, DEPT)}
        accounts.ensure_officer(session, clock.now(), "d.admin", "Quản trị Sở", {"administrator"}, made[DEPT],
                                PASSWORD, password_hash=password_hash())
        accounts.ensure_officer(session, clock.now(), "b.admin", "Quản trị phường B", {"administrator"},
                                made[WARD_B], PASSWORD, password_hash=password_hash())
        ids = {code: agency.id for code, agency in made.items()}
    assert put_offers(api, {"agencies": [DEMO, {"agency": WARD_A, "processing_agency": DEPT}]}).status_code == 200
    filed = api.file(CITIZEN, agency=WARD_A)
    assert (filed["agency"], filed["processing_agency"]) == (WARD_A, DEPT), filed
    return filed["code"], ids


def trail(app, code: str) -> list[tuple[str, int]]:
    with app.extensions["tthc"]["sessions"]() as session:
        return [tuple(row) for row in session.execute(
            select(AdminEvent.action, AdminEvent.agency_id).where(AdminEvent.target == code)
            .order_by(AdminEvent.id))]


def dossier(app, code: str) -> Dossier:
    with app.extensions["tthc"]["sessions"]() as session:
        return session.scalar(select(Dossier).where(Dossier.code == code))


def test_the_processing_agencys_administrator_suspends_resumes_and_terminates_through_the_api(api, app,
                                                                                            processed):
    code, ids = processed
    for how in ("suspend", "resume", "terminate"):
        r = api.post(f"/api/v1/dossiers/{code}/{how}", "d.admin", json={"reason": f"Sở quyết định: {how}"})
        assert r.status_code == 200, (how, r.get_json())
    row = dossier(app, code)
    assert row.status == STOPPED and row.suspended_at is None and row.ended_at is not None
    # on the Sở's administrators' trail, not on the receiving ward's
    assert trail(app, code) == [("dossier.suspend", ids[DEPT]), ("dossier.resume", ids[DEPT]),
                                ("dossier.terminate", ids[DEPT])]
    r = api.get(f"/api/v1/dossiers/{code}/audit", "d.admin")  # and may verify its chain
    assert r.status_code == 200 and r.get_json()["valid"], r.get_json()


def test_the_processing_agencys_administrator_operates_from_the_dossier_page(app, processed):
    code, ids = processed
    sở = Web(app.test_client()).login("d.admin")
    page = sở.get(f"/quan-tri/ho-so/{code}").get_data(as_text=True)
    assert 'id="op-suspend"' in page and 'id="op-terminate"' in page
    assert "Sở Công Thương" in page and "UBND phường An Cựu" in page  # receiving and processing, both named
    # every link of the page answers (the chain's check is the Sở's too)
    assert "Mở hồ sơ" in sở.get(f"/quan-tri/nhat-ky?ho-so={code}").get_data(as_text=True)

    sở.post(f"/quan-tri/ho-so/{code}/tam-dung", {"reason": "Chờ xác minh của Sở", "confirm": "1"}, status=302)
    page = sở.get(f"/quan-tri/ho-so/{code}").get_data(as_text=True)
    assert 'id="suspended-badge"' in page and 'id="op-resume"' in page
    sở.post(f"/quan-tri/ho-so/{code}/tiep-tuc", {"reason": "Sở đã xác minh", "confirm": "1"}, status=302)
    sở.post(f"/quan-tri/ho-so/{code}/cham-dut", {"reason": "Hồ sơ nộp trùng", "confirm": "1"}, status=302)
    assert dossier(app, code).status == STOPPED
    assert trail(app, code) == [("dossier.suspend", ids[DEPT]), ("dossier.resume", ids[DEPT]),
                                ("dossier.terminate", ids[DEPT])]
    listed = text_of(sở.get("/quan-tri/nhat-ky?thao-tac=dossier.terminate"))
    assert "Chấm dứt hồ sơ" in listed and code in listed


def test_an_unrelated_wards_administrator_is_still_refused_with_the_same_answer(api, app, processed):
    code, _ids = processed
    for how in ("suspend", "resume", "terminate"):
        r = api.post(f"/api/v1/dossiers/{code}/{how}", "b.admin", json={"reason": "không phải của tôi"})
        assert r.status_code == 404 and r.get_json()["error"]["code"] == "dossier_not_found", r.get_json()
    r = api.get(f"/api/v1/dossiers/{code}/audit", "b.admin")  # api.md: 404, as for a dossier that does not exist
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "dossier_not_found"
    # where the Sở, which holds it, is let in (it was refused with this very answer)
    assert api.get(f"/api/v1/dossiers/{code}/audit", "d.admin").status_code == 200
    ward_b = Web(app.test_client()).login("b.admin")
    ward_b.get(f"/quan-tri/ho-so/{code}", status=404)
    ward_b.post(f"/quan-tri/ho-so/{code}/tam-dung", {"reason": "không phải của tôi", "confirm": "1"}, status=404)
    assert dossier(app, code).suspended_at is None and trail(app, code) == []


def test_the_receiving_wards_administrator_still_operates_under_the_ward(api, app, processed):
    """Ward A's administrator (and the province's) hold it by its receiving agency: audited under ward A."""
    code, ids = processed
    assert api.post(f"/api/v1/dossiers/{code}/suspend", "a.admin", json={"reason": "Phường tạm dừng"}).status_code \
        == 200
    assert api.post(f"/api/v1/dossiers/{code}/resume", "tinh.admin", json={"reason": "Tỉnh cho tiếp tục"}) \
        .status_code == 200
    ward_a = Web(app.test_client()).login("a.admin")
    page = ward_a.get(f"/quan-tri/ho-so/{code}").get_data(as_text=True)
    assert 'id="op-terminate"' in page
    assert '<dd id="processing-agency">Sở Công Thương</dd>' in page  # the page says who processes it
    ward_a.post(f"/quan-tri/ho-so/{code}/cham-dut", {"reason": "Hồ sơ nộp trùng", "confirm": "1"}, status=302)
    assert trail(app, code) == [("dossier.suspend", ids[WARD_A]), ("dossier.resume", ids[WARD_A]),
                                ("dossier.terminate", ids[WARD_A])]


def test_the_processing_agencys_administrator_sees_and_retries_the_timer_incidents_of_its_dossiers(
        api, app, settings, clock, processed):
    """The timer service's incidents follow the same rule: the Sở's administrator lists and retries the incident of
    a dossier it processes (it saw none, and retrying answered 403); ward B's administrator still sees none."""
    from test_operations import break_dossier

    from engine import timers
    from engine.data.model import Incident

    code, ids = processed
    api.act("a.canbo", code, "receive")
    break_dossier(app, code, clock.now())
    timers.sweep(app.extensions["tthc"]["sessions"], settings, clock.now())
    with app.extensions["tthc"]["sessions"]() as session:
        incident = session.scalar(select(Incident.id).join(Dossier, Dossier.id == Incident.dossier_id)
                                  .where(Dossier.code == code))
    sở = Web(app.test_client()).login("d.admin")
    assert f'data-incident="{incident}"' in sở.get("/quan-tri/su-co").get_data(as_text=True)
    r = sở.post(f"/quan-tri/su-co/{incident}/chay-lai", status=302)
    assert "Chạy lại vẫn lỗi" in text_of(sở.get(r.headers["Location"]))
    assert ("incident.retry", ids[DEPT]) in [(a, i) for a, i in trail_of_incident(app, incident)]
    ward_b = Web(app.test_client()).login("b.admin")
    assert "data-incident=" not in ward_b.get("/quan-tri/su-co").get_data(as_text=True)
    ward_b.post(f"/quan-tri/su-co/{incident}/chay-lai", status=404)  # hidden, as another agency's dossier


def trail_of_incident(app, incident: int) -> list[tuple[str, int]]:
    with app.extensions["tthc"]["sessions"]() as session:
        return [tuple(row) for row in session.execute(
            select(AdminEvent.action, AdminEvent.agency_id).where(AdminEvent.target == str(incident)))]
