"""D3, D4: a CCCD typed at self-registration is checked by nobody, so the account sees only what it filed until
the person is checked. A citizen who registered herself and filed for her mother (D4: she, the filer, sees that
dossier) and then brings her card to the desk keeps her account: the officer's check makes it hers, with every
dossier it filed, and whoever else may have made it is out (old password, tokens and codes end; the activation
code goes to the phone typed at the desk). An account an administrator shut (most often a stranger's, registered
with someone else's number) stays shut and gives the CCCD up: the real owner signing in with the national e-ID,
or coming to the desk, gets a new account instead of its lock.
"""
from __future__ import annotations

import pytest
from conftest import SAMPLE_CODE, SAMPLE_FORM, vn
from sqlalchemy import select
from test_citizen_accounts import last_code, token, user_named
from test_identity_checked import CLAIMS, OWNER, STRANGER, bearer, desk_dossier, listed, notices_about, sessions, \
    token_of
from web_support import Web, text_of

from engine.cases import eid
from engine.data.agency_model import AdminEvent
from engine.data.model import User
from engine.data.notice_model import Notice, NoticeDelivery

THAT = {"full_name": "Trần Thị Thật", "cccd": "046195000888", "cccd_issued_on": "2021-01-01", "phone": "0999888111",
        "email": "tran.that@example.vn", "password": "matkhau-cua-that"}
MOTHER = {"full_name": "Lê Thị Mẹ", "birth_date": "1960-02-02", "cccd": "046160000999"}
AT_DESK = {"full_name": "Trần Thị Thật", "cccd": THAT["cccd"], "cccd_issued_on": "2021-03-04", "phone": "0905333444"}
NEW_PASSWORD = "mat-khau-that-moi-2026"


@pytest.fixture
def settings(settings):
    """Both channels configured, so that a code has its SMS and email deliveries (none is sent here)."""
    return settings.replace(smtp_host="127.0.0.1", sms_url="http://127.0.0.1:9/sms")


def registered_and_filed(api, clock) -> tuple[dict, str, str]:
    """Monday 07/12/2026 09:00: Trần Thị Thật registers online, files for her mother and for herself."""
    clock.set(vn(2026, 12, 7, 9, 0))
    assert api.client.post("/api/v1/citizens", json=THAT).status_code == 201
    mine = bearer(api, THAT["cccd"], THAT["password"])
    r = api.client.post("/api/v1/dossiers", headers=mine,
                        json={"procedure": SAMPLE_CODE, "form": SAMPLE_FORM, "owner": MOTHER})
    assert r.status_code == 201, r.get_json()
    for_mother = r.get_json()["code"]
    r = api.client.post("/api/v1/dossiers", headers=mine, json={"procedure": SAMPLE_CODE, "form": SAMPLE_FORM})
    assert r.status_code == 201, r.get_json()
    return mine, for_mother, r.get_json()["code"]


def code_sent_to(app, username: str) -> set[tuple[str, str]]:
    """The (channel, address) the latest code of ``username`` went to."""
    with sessions(app)() as session:
        user = session.scalar(select(User).where(User.username == username))
        notice = session.scalar(select(Notice.id).where(Notice.user_id == user.id, Notice.event == "one_time_code")
                                .order_by(Notice.id.desc()).limit(1))
        rows = session.execute(select(NoticeDelivery.channel, NoticeDelivery.address)
                               .where(NoticeDelivery.notice_id == notice))
        return {(channel, address) for channel, address in rows}


def test_the_citizen_checked_at_the_desk_keeps_her_account_and_the_dossier_she_filed_for_her_mother(app, api,
                                                                                                      clock):
    mine, for_mother, own = registered_and_filed(api, clock)
    with sessions(app)() as session:
        first_id = session.scalar(select(User.id).where(User.username == THAT["cccd"]))
    clock.set(vn(2026, 12, 7, 10, 0))  # 10:00: a recovery code is asked for the account (by her, or by anyone)
    web = Web(app.test_client())
    web.post("/quen-mat-khau", {"identifier": THAT["cccd"]}, status=302)
    recovery = last_code(app, THAT["cccd"])

    clock.set(vn(2026, 12, 7, 10, 30))  # 10:30: she brings her card to the desk, as the refusal told her
    r = api.post("/api/v1/citizens/desk", "demo.tiepnhan", json=AT_DESK)
    assert r.status_code == 201, r.get_json()
    made = r.get_json()
    assert made["took_over"] is True and made["unseated"] is False
    assert made["activation_sent"] is True and made["sent_to"] == ["sms"]  # AT_DESK gives a phone, no email
    assert (made["username"], made["standardised"], made["active"], made["identity_checked"], made["phone"]) == \
        (THAT["cccd"], True, True, "desk", AT_DESK["phone"])
    with sessions(app)() as session:
        held = session.scalars(select(User).where(User.cccd == THAT["cccd"])).all()
        assert [u.id for u in held] == [first_id]  # the same account, no second one
        assert held[0].cccd_issued_on.isoformat() == AT_DESK["cccd_issued_on"] and held[0].email is None
    # whoever held the old password, token or recovery code is out
    assert api.client.get("/api/v1/dossiers", headers=mine).status_code == 401
    assert token(api, THAT["cccd"], THAT["password"]).status_code == 401
    web.post("/quen-mat-khau/dat-lai", {"identifier": THAT["cccd"], "code": recovery, "password": NEW_PASSWORD,
                                        "password2": NEW_PASSWORD}, status=422)
    # the activation code went to the phone typed at the desk, and opens the account with a new password
    assert code_sent_to(app, THAT["cccd"]) == {("sms", AT_DESK["phone"])}  # not the registered phone or email
    web.post("/kich-hoat-cong-dan", {"username": THAT["cccd"], "code": last_code(app, THAT["cccd"]),
                                     "password": NEW_PASSWORD, "password2": NEW_PASSWORD}, status=302)
    checked = bearer(api, THAT["cccd"], NEW_PASSWORD)
    seen = listed(api, checked)
    assert for_mother in seen and own in seen  # D4: the filer still sees what she filed for her mother
    assert api.client.get(f"/api/v1/dossiers/{for_mother}", headers=checked).status_code == 200
    clock.set(vn(2026, 12, 7, 11, 0))  # 11:00: the mother's dossier is received: the filer is told
    before = notices_about(app, THAT["cccd"], for_mother)
    api.act("demo.tiepnhan", for_mother, "receive")
    assert notices_about(app, THAT["cccd"], for_mother) > before
    with sessions(app)() as session:
        event = session.scalar(select(AdminEvent).where(AdminEvent.action == "citizen.desk_create"))
        assert (event.actor, event.target) == ("demo.tiepnhan", THAT["cccd"])


def test_the_desk_page_tells_the_officer_the_online_account_was_checked_and_handed_over(app, api, clock):
    registered_and_filed(api, clock)
    clock.set(vn(2026, 12, 7, 10, 30))
    web = Web(app.test_client()).login("demo.tiepnhan")
    page = text_of(web.post("/can-bo/cong-dan/tao", AT_DESK, status=200, follow_redirects=True))
    assert "đã được xác minh và giao cho công dân" in page and "mật khẩu cũ" in page
    assert "Mã kích hoạt đã được gửi" in page


@pytest.mark.parametrize("shut", [{"active": False}, {"cancelled": True}])
def test_the_owner_signs_in_with_eid_after_an_administrator_shut_the_strangers_account(app, api, clock, shut):
    clock.set(vn(2026, 12, 7, 9, 0))  # Lê Thị Chủ's paper dossier at the desk
    code = desk_dossier(api)
    clock.set(vn(2026, 12, 7, 9, 30))  # a stranger registers with her CCCD
    assert api.client.post("/api/v1/citizens", json=STRANGER).status_code == 201
    clock.set(vn(2026, 12, 7, 10, 0))  # she complains; the administrator shuts the stranger's account
    r = api.client.patch(f"/api/v1/citizens/{OWNER['cccd']}", headers=api.headers("demo.admin"),
                         json={**shut, "reason": "Đăng ký bằng CCCD của người khác"})
    assert r.status_code == 200, r.get_json()
    clock.set(vn(2026, 12, 7, 10, 30))  # 10:30: she signs in with the national e-ID
    with sessions(app).begin() as session:
        user = eid.account_for(session, clock.now(), dict(CLAIMS))
        assert (user.username, user.full_name, user.identity_checked, user.standardised, user.locked_reason) == \
            (OWNER["cccd"], OWNER["full_name"], "eid", True, None)
    squatter = session_user(app, STRANGER["full_name"])
    assert squatter.username != OWNER["cccd"] and not squatter.standardised and squatter.locked_reason
    assert token(api, squatter.username, STRANGER["password"]).status_code == 401
    assert code in listed(api, token_of(app, clock.now(), OWNER["cccd"]))
    with sessions(app).begin() as session:  # signing in again opens the same account
        assert eid.account_for(session, clock.now(), dict(CLAIMS)).id == user.id
    with sessions(app)() as session:
        event = session.scalar(select(AdminEvent).where(AdminEvent.action == "citizen.unseat"))
        assert (event.actor, event.target) == (OWNER["cccd"], squatter.username)


def test_at_the_desk_a_shut_strangers_account_stays_shut_and_the_owner_gets_a_new_one(app, api, clock):
    clock.set(vn(2026, 12, 7, 9, 30))
    assert api.client.post("/api/v1/citizens", json=STRANGER).status_code == 201
    clock.set(vn(2026, 12, 7, 10, 0))
    r = api.client.patch(f"/api/v1/citizens/{OWNER['cccd']}", headers=api.headers("demo.admin"),
                         json={"active": False, "reason": "Đăng ký bằng CCCD của người khác"})
    assert r.status_code == 200, r.get_json()
    clock.set(vn(2026, 12, 7, 10, 30))
    web = Web(app.test_client()).login("demo.tiepnhan")
    page = text_of(web.post("/can-bo/cong-dan/tao", {"full_name": OWNER["full_name"], "cccd": OWNER["cccd"],
                                                     "cccd_issued_on": "2021-06-01", "phone": "0912777000"},
                            status=200, follow_redirects=True))
    assert "Một tài khoản tự đăng ký với số CCCD này đã bị khóa" in page
    made = user_named(app, OWNER["cccd"])
    assert (made.full_name, made.identity_checked, made.standardised, made.locked_reason) == \
        (OWNER["full_name"], "desk", True, None)
    squatter = session_user(app, STRANGER["full_name"])
    assert squatter.id != made.id and not squatter.standardised  # locked still, for the administrator's reason
    assert squatter.locked_reason == "Đăng ký bằng CCCD của người khác"


def session_user(app, full_name: str) -> User:
    with sessions(app)() as session:
        return session.scalar(select(User).where(User.full_name == full_name))
