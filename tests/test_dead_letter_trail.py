"""D29: an administrator's action is audited under the agency of their own subtree that holds what they acted on."""
from __future__ import annotations

import pytest
from conftest import CITIZEN, PASSWORD, password_hash
from sqlalchemy import select
from test_offers import DEMO, DEPT, WARD_A, put_offers
from web_support import Web

from engine.cases import accounts
from engine.data import agencies
from engine.data.agency_model import AdminEvent, Agency
from engine.data.model import Dossier
from engine.data.notice_model import Notice, NoticeDelivery


@pytest.fixture
def backend():
    return "sqlite"


def test_a_dead_letter_resent_by_the_processing_agencys_administrator_is_on_that_agencys_trail(api, app, clock):
    """Ward An Cựu receives a dossier the Sở Công Thương processes (its offer names it, D29). The Sở's
    administrator sees the dossier's dead letter and sends it again: the action goes on the administrators' trail
    under the Sở, which its administrator reads on /quan-tri/nhat-ky; it was filed under the receiving ward,
    outside the actor's subtree, so the Sở's trail never showed it (and the ward's showed an outsider's action)."""
    sessions = app.extensions["tthc"]["sessions"]
    with sessions.begin() as session:  # the province of test_offers, with the Sở's own administrator
        root = agencies.place(session, Agency(code="000.00.00.H56", name="UBND tỉnh Huế", level="province"), None)
        made = {code: agencies.place(session, Agency(code=code, name=name, level=level), root)
                for code, name, level in ((WARD_A, "UBND phường An Cựu", "commune"),
                                          (DEPT, "Sở Công Thương", "department"))}
        accounts.ensure_officer(session, clock.now(), "tinh.admin", "Quản trị tỉnh", {"administrator"}, root,
                                PASSWORD, password_hash=password_hash())
        accounts.ensure_officer(session, clock.now(), "d.admin", "Quản trị Sở", {"administrator"}, made[DEPT],
                                PASSWORD, password_hash=password_hash())
        dept_id = made[DEPT].id
    assert put_offers(api, {"agencies": [DEMO, {"agency": WARD_A, "processing_agency": DEPT}]}).status_code == 200
    code = api.file(CITIZEN, agency=WARD_A)["code"]
    with sessions.begin() as session:  # the filing notice's SMS, given up after its attempts
        dossier_id = session.scalar(select(Dossier.id).where(Dossier.code == code))
        notice = session.scalar(select(Notice).where(Notice.dossier_id == dossier_id))
        session.add(NoticeDelivery(notice_id=notice.id, channel="sms", address="0912345678", state="dead",
                                   attempts=3, next_attempt_at=clock.now()))
        session.flush()
        delivery = session.scalar(select(NoticeDelivery.id).where(NoticeDelivery.notice_id == notice.id))

    sở = Web(app.test_client()).login("d.admin")
    assert f'data-delivery="{delivery}"' in sở.get("/quan-tri/thong-bao").get_data(as_text=True)
    sở.post(f"/quan-tri/thong-bao/{delivery}/gui-lai", status=302)
    with sessions() as session:
        [agency_id] = session.scalars(select(AdminEvent.agency_id).where(AdminEvent.action == "notice.resend")).all()
    assert agency_id == dept_id
    assert "Gửi lại thông báo không gửi được" in sở.get("/quan-tri/nhat-ky").get_data(as_text=True)
