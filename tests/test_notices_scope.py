"""D29 for the dead letters (notifications that could not be delivered): an administrator of a subtree sees and
sends again only those of the dossiers received or processed in it (never another ward's citizens and their
phone numbers and addresses), and sending one again is an administrative action on the administrators' trail.
A one-time code that could not be sent is listed without the code."""
from __future__ import annotations

import re

from sqlalchemy import select, update

from conftest import CITIZEN
from test_notices import deliveries, sessions_of, settings, sms, smtp  # noqa: F401 (fixtures: email and SMS on)
from staff_support import admin_of_another_ward
from web_support import Web

from engine.cases import citizens, codeseal
from engine.data.agency_model import AdminEvent
from engine.data.model import Dossier, User
from engine.data.notice_model import Notice, NoticeDelivery



def dead_sms(app, code: str) -> int:
    """The SMS of the dossier's filing notice, given up after its attempts (as the dispatcher leaves it)."""
    with sessions_of(app).begin() as session:
        dossier_id = session.scalar(select(Dossier.id).where(Dossier.code == code))
        delivery_id = session.scalar(select(NoticeDelivery.id).join(Notice, Notice.id == NoticeDelivery.notice_id)
                                     .where(Notice.dossier_id == dossier_id, NoticeDelivery.channel == "sms"))
        session.execute(update(NoticeDelivery).where(NoticeDelivery.id == delivery_id)
                        .values(state="dead", attempts=3, last_error="503"))
    return delivery_id


def test_an_administrator_of_another_ward_neither_sees_nor_resends_the_wards_dead_letters(api, app, clock):
    delivery = dead_sms(app, api.file(CITIZEN)["code"])  # received by the demo ward (Thuận Hóa)
    other = Web(app.test_client()).login(admin_of_another_ward(app, clock.now()))
    page = other.get("/quan-tri/thong-bao").get_data(as_text=True)
    assert f'data-delivery="{delivery}"' not in page and "0912345678" not in page
    other.post(f"/quan-tri/thong-bao/{delivery}/gui-lai", status=404)
    assert [d.state for d in deliveries(app, id=delivery)] == ["dead"]

    ward = Web(app.test_client()).login("demo.admin")  # the ward's own administrator
    assert f'data-delivery="{delivery}"' in ward.get("/quan-tri/thong-bao").get_data(as_text=True)
    ward.post(f"/quan-tri/thong-bao/{delivery}/gui-lai", status=302)
    assert [d.state for d in deliveries(app, id=delivery)] == ["pending"]

    with sessions_of(app)() as session:
        trail = session.execute(select(AdminEvent.actor, AdminEvent.action, AdminEvent.target)
                                .where(AdminEvent.action == "notice.resend")).all()
    assert [tuple(row) for row in trail] == [("demo.admin", "notice.resend", str(delivery))]
    assert "Gửi lại thông báo không gửi được" in ward.get("/quan-tri/nhat-ky").get_data(as_text=True)


def test_a_dead_one_time_code_is_listed_without_its_code(api, app, clock):
    with sessions_of(app).begin() as session:  # the citizen asks for a recovery code (by SMS and email)
        citizens.request_recovery(session, app.extensions["tthc"]["settings"], clock.now(), CITIZEN, "127.0.0.1")
    with sessions_of(app).begin() as session:  # the province's administrator (no agency: every agency)
        demo = session.scalar(select(User).where(User.username == "demo.admin"))
        session.add(User(username="admin.tinh", full_name="Quản Trị Tỉnh", password_hash=demo.password_hash,
                         roles_text="administrator", agency_id=None, created_at=clock.now()))
    admin = Web(app.test_client()).login("admin.tinh")
    with sessions_of(app).begin() as session:
        notice = session.scalar(select(Notice).where(Notice.event == "one_time_code").order_by(Notice.id.desc()))
        sent = codeseal.unsealed(app.extensions["tthc"]["settings"], notice, notice.body)  # as the dispatcher sends
        code = re.search(r"\b[0-9]{6}\b", sent).group(0)
        ids = [d.id for d in notice.deliveries]
        session.execute(update(NoticeDelivery).where(NoticeDelivery.id.in_(ids)).values(state="dead", attempts=3))
    page = admin.get("/quan-tri/thong-bao").get_data(as_text=True)
    assert all(f'data-delivery="{i}"' in page for i in ids)
    assert code not in page and "Mã xác thực một lần (nội dung được ẩn)" in page
