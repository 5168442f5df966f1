"""The desk handing a self-registered account to the citizen whose card the officer holds (D3) tells the phone and
email the account had before (whoever made it online learns it is no longer theirs, and a CCCD mistyped at the desk
is seen by the person it belonged to), and the administrators' log keeps what the account said before, in words.
An account an administrator suspended keeps the administrator's reason when it gives its CCCD up.

Mon 07/12/2026 09:00 Trần Thị Thật registers online (0999888111, tran.that@example.vn) and files; 10:30 she is at
the desk with her card and a new phone, 0905333444."""
from __future__ import annotations

from conftest import vn
from sqlalchemy import select
from test_identity_adopt import AT_DESK, THAT, registered_and_filed, settings  # noqa: F401 (both channels)
from test_identity_checked import sessions
from web_support import Web, text_of

from engine.data.agency_model import AdminEvent
from engine.data.model import User
from engine.data.notice_model import Notice, NoticeDelivery


def test_the_old_phone_and_email_are_told_and_the_log_keeps_the_account_as_it_was(app, api, clock):
    registered_and_filed(api, clock)
    clock.set(vn(2026, 12, 7, 10, 30))
    r = api.post("/api/v1/citizens/desk", "demo.tiepnhan", json=AT_DESK)
    assert r.status_code == 201 and r.get_json()["took_over"], r.get_json()
    with sessions(app)() as session:
        user = session.scalar(select(User).where(User.username == THAT["cccd"]))
        told = session.scalar(select(Notice).where(Notice.user_id == user.id, Notice.event == "account_status"))
        assert told is not None and "07/12/2026 10:30" in told.body and "0905333444" not in told.body
        sent = {(d.channel, d.address) for d in session.scalars(select(NoticeDelivery)
                                                                .where(NoticeDelivery.notice_id == told.id))}
        assert sent == {("sms", "0999888111"), ("email", "tran.that@example.vn")}
        event = session.scalar(select(AdminEvent).where(AdminEvent.action == "citizen.desk_create"))
        assert event.details["before"] == {"full_name": THAT["full_name"], "phone": "0999888111",
                                           "email": "tran.that@example.vn"}
    page = text_of(Web(app.test_client()).login("demo.admin").get("/quan-tri/nhat-ky"))
    assert "Giao tài khoản tự đăng ký cho người có thẻ CCCD" in page and "took_over" not in page


def test_a_suspended_account_keeps_the_administrators_reason_when_it_gives_its_cccd_up(app, api, clock):
    registered_and_filed(api, clock)
    clock.set(vn(2026, 12, 7, 9, 30))
    r = api.client.patch(f"/api/v1/citizens/{THAT['cccd']}", headers=api.headers("demo.admin"),
                         json={"active": False, "reason": "Gửi hồ sơ rác nhiều lần"})
    assert r.status_code == 200, r.get_json()
    clock.set(vn(2026, 12, 7, 10, 30))
    r = api.post("/api/v1/citizens/desk", "demo.tiepnhan", json=AT_DESK)
    assert r.status_code == 201 and r.get_json()["unseated"], r.get_json()
    with sessions(app)() as session:
        old = session.scalar(select(User).where(User.cccd == THAT["cccd"], User.username != THAT["cccd"]))
        assert old.locked_reason == "Gửi hồ sơ rác nhiều lần" and not old.standardised
