"""D2, D3, D4: a CCCD typed at self-registration was checked by nobody (there is no population register to ask);
the national e-ID and an officer who sees the card are the two real checks. Anyone who knows a person's CCCD
(it is printed on the receipt) may register with it, but such an account sees, is told of and acts on only the
dossiers it filed itself, never those the desk filed for the real owner. When the real owner then signs in with
the e-ID, the account becomes theirs and the stranger is out; at the desk too, once the officer has seen the
card (tests/test_identity_adopt.py: the one-stop's take-over in full).
"""
from __future__ import annotations

from datetime import datetime

from conftest import SAMPLE_CODE, SAMPLE_FORM, vn
from sqlalchemy import select

from engine.cases import accounts, eid
from engine.data.model import Dossier, User
from engine.data.notice_model import Notice

OWNER = {"full_name": "Lê Thị Chủ", "birth_date": "1995-05-05", "cccd": "046195000777"}
STRANGER = {"full_name": "Kẻ Lạ Mặt", "cccd": OWNER["cccd"], "cccd_issued_on": "2021-01-01", "phone": "0999888777",
            "email": "ke.la@example.vn", "password": "matkhau-cua-ke-la"}
CLAIMS = {"sub": "vneid-777", "cccd": OWNER["cccd"], "name": OWNER["full_name"], "phone_number": "0912777000"}


def sessions(app):
    return app.extensions["tthc"]["sessions"]


def desk_dossier(api) -> str:
    """The receiving officer files the paper dossier Lê Thị Chủ brought to the one-stop desk (owner: her CCCD)."""
    r = api.post("/api/v1/dossiers", "demo.tiepnhan",
                 json={"procedure": SAMPLE_CODE, "form": SAMPLE_FORM, "owner": OWNER, "channel": "desk"})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["code"]


def bearer(api, username: str, password: str) -> dict:
    r = api.client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert r.status_code == 200, r.get_json()
    return {"Authorization": f"Bearer {r.get_json()['token']}"}


def token_of(app, at: datetime, cccd: str) -> dict:
    """An API token of the standardised account of ``cccd`` (an e-ID or desk account has no password to ask one
    with: the token stands for the session the sign-in opens)."""
    with sessions(app).begin() as session:
        user = session.scalar(select(User).where(User.cccd == cccd, User.standardised))
        token, _ = accounts.issue_token(session, user, at, 8)
    return {"Authorization": f"Bearer {token}"}


def listed(api, headers: dict) -> list[str]:
    return [d["code"] for d in api.client.get("/api/v1/dossiers", headers=headers).get_json()]


def notices_about(app, username: str, code: str) -> int:
    with sessions(app)() as session:
        user = session.scalar(select(User).where(User.username == username))
        dossier_id = session.scalar(select(Dossier.id).where(Dossier.code == code))
        return len(session.scalars(select(Notice.id).where(Notice.user_id == user.id,
                                                           Notice.dossier_id == dossier_id)).all())


def test_a_stranger_registered_with_the_owners_cccd_gets_nothing_until_the_owner_signs_in_with_eid(app, api,
                                                                                                     clock):
    clock.set(vn(2026, 12, 7, 9, 0))  # Monday 07/12/2026 09:00: Lê Thị Chủ's paper dossier at the desk
    code = desk_dossier(api)
    clock.set(vn(2026, 12, 7, 9, 30))  # 09:30: a stranger who read her CCCD registers with it
    r = api.client.post("/api/v1/citizens", json=STRANGER)
    assert r.status_code == 201, r.get_json()
    assert r.get_json() == {"username": OWNER["cccd"], "full_name": "Kẻ Lạ Mặt", "standardised": True}
    stranger = bearer(api, OWNER["cccd"], STRANGER["password"])
    assert api.client.get(f"/api/v1/dossiers/{code}", headers=stranger).status_code == 404
    assert code not in listed(api, stranger)
    r = api.client.post(f"/api/v1/dossiers/{code}/return-channel", headers=stranger,
                        json={"return_channel": "post", "return_address": "99 Đường Lạ, phường Kim Long, Huế"})
    assert r.status_code == 404
    r = api.client.post(f"/api/v1/dossiers/{code}/withdraw", headers=stranger, json={"reason": "Không cần nữa"})
    assert r.status_code == 404
    assert api.get(f"/api/v1/dossiers/{code}", "demo.tiepnhan").get_json()["status"] != 7  # not withdrawn
    clock.set(vn(2026, 12, 7, 9, 45))  # the officer receives it: the receipt goes to nobody's account
    api.act("demo.tiepnhan", code, "receive")
    assert notices_about(app, OWNER["cccd"], code) == 0
    # a second registration with the CCCD is told how the real owner gets the account
    r = api.client.post("/api/v1/citizens", json={**STRANGER, "phone": "0988000111"})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "cccd_taken"
    assert "VNeID" in r.get_json()["error"]["message"] and "Bộ phận Một cửa" in r.get_json()["error"]["message"]

    clock.set(vn(2026, 12, 7, 10, 0))  # 10:00: Lê Thị Chủ signs in with the national e-ID
    with sessions(app).begin() as session:
        user = eid.account_for(session, clock.now(), dict(CLAIMS))
        assert (user.username, user.full_name, user.phone, user.email, user.identity_checked) == \
            (OWNER["cccd"], OWNER["full_name"], "0912777000", None, "eid")
    assert api.client.get("/api/v1/dossiers", headers=stranger).status_code == 401  # the token ended
    r = api.client.post("/api/v1/auth/token", json={"username": OWNER["cccd"], "password": STRANGER["password"]})
    assert r.status_code == 401  # the password too
    owner = token_of(app, clock.now(), OWNER["cccd"])
    assert code in listed(api, owner)
    assert api.client.get(f"/api/v1/dossiers/{code}", headers=owner).status_code == 200
    # signing in again opens the same account, as it is
    with sessions(app).begin() as session:
        assert eid.account_for(session, clock.now(), dict(CLAIMS)).id == user.id


def test_the_owner_at_the_desk_takes_the_strangers_account_over(app, api, clock):
    clock.set(vn(2026, 12, 7, 9, 0))
    code = desk_dossier(api)
    clock.set(vn(2026, 12, 7, 9, 30))
    assert api.client.post("/api/v1/citizens", json=STRANGER).status_code == 201
    stranger = bearer(api, OWNER["cccd"], STRANGER["password"])
    clock.set(vn(2026, 12, 7, 10, 30))  # 10:30: Lê Thị Chủ at the desk, her card in the officer's hand
    r = api.post("/api/v1/citizens/desk", "demo.tiepnhan",
                 json={"full_name": OWNER["full_name"], "cccd": OWNER["cccd"], "cccd_issued_on": "2021-06-01",
                       "phone": "0912777000"})
    assert r.status_code == 201, r.get_json()
    made = r.get_json()
    assert (made["username"], made["standardised"], made["active"]) == (OWNER["cccd"], True, True)
    assert made["identity_checked"] == "desk" and made["took_over"] is True
    assert api.client.get("/api/v1/dossiers", headers=stranger).status_code == 401
    r = api.client.post("/api/v1/auth/token", json={"username": OWNER["cccd"], "password": STRANGER["password"]})
    assert r.status_code == 401
    with sessions(app)() as session:  # one account, now with the facts the officer typed from the card
        held = session.scalars(select(User).where(User.cccd == OWNER["cccd"])).all()
        assert [(u.full_name, u.phone, u.email) for u in held] == [(OWNER["full_name"], "0912777000", None)]
    owner = token_of(app, clock.now(), OWNER["cccd"])
    assert code in listed(api, owner)
    assert api.client.get(f"/api/v1/dossiers/{code}", headers=owner).status_code == 200


def test_a_self_registered_account_still_sees_and_stores_what_it_files_itself(app, api, clock):
    clock.set(vn(2026, 12, 7, 9, 0))
    assert api.client.post("/api/v1/citizens", json=STRANGER).status_code == 201
    mine = bearer(api, OWNER["cccd"], STRANGER["password"])
    r = api.client.post("/api/v1/dossiers", headers=mine, json={"procedure": SAMPLE_CODE, "form": SAMPLE_FORM})
    assert r.status_code == 201, r.get_json()
    code = r.get_json()["code"]
    assert code in listed(api, mine)
    assert api.client.get(f"/api/v1/dossiers/{code}", headers=mine).status_code == 200
    assert api.client.get("/api/v1/me/documents", headers=mine).status_code == 200
