"""An administrator may not take over an officer's account by pointing its email or phone at themself and then
sending a reset code there (README: "no password goes through an administrator"): the old channels are told of
the change, and for 72 hours after it no password reset of the officer starts (engine.cases.staff)."""
from __future__ import annotations

import pytest
from conftest import PASSWORD, vn
from sqlalchemy import select
from web_support import Web, text_of

from engine.cases import staff
from engine.data.model import User
from engine.data.notice_model import Notice, NoticeDelivery

LEADER, ADMIN = "demo.lanhdao", "demo.admin"
OWN_PHONE, ADMINS_PHONE = "0912000333", "0988000111"


@pytest.fixture
def settings(settings):
    """Both channels configured, so that a notice has its email and SMS deliveries (none is sent here)."""
    return settings.replace(smtp_host="127.0.0.1", sms_url="http://127.0.0.1:9/sms")


def give_phone(app, username: str, phone: str) -> None:
    with app.extensions["tthc"]["sessions"].begin() as session:
        session.scalar(select(User).where(User.username == username)).phone = phone


def reset(api, username: str):
    return api.post(f"/api/v1/officers/{username}/password-reset", ADMIN, json={})


def test_an_administrators_change_of_the_phone_holds_resets_for_72_hours(app, api, clock):
    give_phone(app, LEADER, OWN_PHONE)
    clock.set(vn(2026, 12, 7, 9, 0))  # Monday
    r = api.client.patch(f"/api/v1/officers/{LEADER}", headers=api.headers(ADMIN), json={"phone": ADMINS_PHONE})
    assert r.status_code == 200, r.get_json()
    with app.extensions["tthc"]["sessions"]() as session:  # the old phone was told, through the API's change too
        leader = session.scalar(select(User).where(User.username == LEADER))
        notice = session.scalar(select(Notice).where(Notice.user_id == leader.id, Notice.event == "account_status"))
        assert notice is not None and "07/12/2026 09:00" in notice.body
        assert [d.address for d in session.scalars(select(NoticeDelivery)
                                                   .where(NoticeDelivery.notice_id == notice.id))] == [OWN_PHONE]
    clock.set(vn(2026, 12, 7, 9, 5))
    r = reset(api, LEADER)
    assert r.status_code == 409, r.get_json()
    assert r.get_json()["error"]["code"] == "contact_recently_changed"
    assert "10/12/2026 09:00" in r.get_json()["error"]["message"]
    page = Web(app.test_client()).login(ADMIN)
    answer = page.post(f"/quan-tri/can-bo/{LEADER}/dat-lai-mat-khau", status=409)
    assert "vừa được quản trị viên thay đổi" in text_of(answer)
    page.post("/ngon-ngu", {"lang": "en"}, status=302)
    answer = page.post(f"/quan-tri/can-bo/{LEADER}/dat-lai-mat-khau", status=409)
    assert "cannot be reset until 72 hours after the change" in text_of(answer)
    with app.extensions["tthc"]["sessions"]() as session:  # no code went anywhere
        leader = session.scalar(select(User).where(User.username == LEADER))
        assert session.scalar(select(Notice.id).where(Notice.user_id == leader.id,
                                                      Notice.event == "one_time_code")) is None
    # the leader still signs in with their own password (and may change it themself)
    r = api.client.post("/api/v1/auth/token", json={"username": LEADER, "password": PASSWORD})
    assert r.status_code == 200
    clock.set(vn(2026, 12, 10, 9, 1))  # Thursday, past the 72 hours
    api.tokens.clear()
    r = reset(api, LEADER)
    assert r.status_code == 202, r.get_json()
    assert r.get_json()["sent_to"] == ["sms"]


def test_the_old_phone_is_told_who_changed_it_and_when(app, clock, settings):
    give_phone(app, LEADER, OWN_PHONE)
    at = vn(2026, 12, 7, 9, 0)
    with app.extensions["tthc"]["sessions"].begin() as session:
        admin = session.scalar(select(User).where(User.username == ADMIN))
        staff.update(session, at, admin, LEADER, {"phone": ADMINS_PHONE}, settings=settings)
    with app.extensions["tthc"]["sessions"]() as session:
        leader = session.scalar(select(User).where(User.username == LEADER))
        assert leader.phone == ADMINS_PHONE
        notice = session.scalar(select(Notice).where(Notice.user_id == leader.id).order_by(Notice.id.desc()))
        sends = [(d.channel, d.address) for d in session.scalars(select(NoticeDelivery)
                                                                 .where(NoticeDelivery.notice_id == notice.id))]
        assert sends == [("sms", OWN_PHONE)]  # the old phone, not the administrator's
        assert f"Quản trị viên {admin.full_name} ({ADMIN})" in notice.body
        assert "số điện thoại" in notice.body and "07/12/2026 09:00" in notice.body
        assert notice.event == "account_status" and notice.read_at is not None
    with app.extensions["tthc"]["sessions"]() as session:  # the hold: from the audit trail
        leader = session.scalar(select(User).where(User.username == LEADER))
        assert staff.contact_hold(session, leader, vn(2026, 12, 7, 9, 5)) == vn(2026, 12, 10, 9, 0)
        assert staff.contact_hold(session, leader, vn(2026, 12, 10, 9, 1)) is None


def test_an_officers_own_change_of_contact_holds_nothing(app, clock, settings):
    at = vn(2026, 12, 7, 9, 0)
    with app.extensions["tthc"]["sessions"].begin() as session:
        admin = session.scalar(select(User).where(User.username == ADMIN))
        staff.update(session, at, admin, ADMIN, {"phone": ADMINS_PHONE}, settings=settings)
        assert staff.contact_hold(session, admin, vn(2026, 12, 7, 9, 5)) is None
        assert session.scalar(select(Notice.id).where(Notice.user_id == admin.id)) is None  # nothing to warn of


def test_an_officer_never_activated_may_be_reset_right_after_the_change(app, api, clock):
    clock.set(vn(2026, 12, 7, 9, 0))
    r = api.post("/api/v1/officers", ADMIN, json={"username": "moi.tiepnhan", "full_name": "Cán Bộ Mới",
                                                  "agency": "000.00.06.H56", "roles": ["receiving_officer"],
                                                  "email": "moi@example.org"})
    assert r.status_code == 201, r.get_json()
    r = api.client.patch("/api/v1/officers/moi.tiepnhan", headers=api.headers(ADMIN), json={"phone": ADMINS_PHONE})
    assert r.status_code == 200, r.get_json()
    clock.set(vn(2026, 12, 7, 9, 5))
    assert reset(api, "moi.tiepnhan").status_code == 202
