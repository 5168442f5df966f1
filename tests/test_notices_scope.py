"""D29 for the dead letters (notifications that could not be delivered): an administrator of a subtree sees and
sends again only those of the dossiers received or processed in it (never another ward's citizens and their
phone numbers and addresses), and sending one again is an administrative action on the administrators' trail."""
from __future__ import annotations

from sqlalchemy import select, update

from conftest import CITIZEN
from test_notices import deliveries, sessions_of, settings, sms, smtp  # noqa: F401 (fixtures: email and SMS on)
from staff_support import admin_of_another_ward
from web_support import Web

from engine.data.agency_model import AdminEvent
from engine.data.notice_model import NoticeDelivery



def dead_sms(app, code: str) -> int:
    """The SMS of the dossier's filing notice, given up after its attempts (as the dispatcher leaves it)."""
    from engine.data.model import Dossier
    from engine.data.notice_model import Notice

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
