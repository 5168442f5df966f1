"""Citizen accounts (issue 13, item 4; D3): made at the desk and activated by a one-time code, recovered by a
one-time code (same answer whether the account exists, a per-address limit, every session ended), suspended,
reinstated or cancelled by an administrator (confirmation, audit, the citizen told), and the D3 lock explained.
Real SQLite and PostgreSQL, the real app, real codes read where the citizen reads them (their notices).
"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from conftest import CITIZEN, PASSWORD
from sqlalchemy import func, select
from web_support import Web, text_of

from engine.cases import citizens, codeseal
from engine.data.agency_model import AdminEvent, OneTimeCode
from engine.data.model import Dossier, User
from engine.data.notice_model import Notice

WALK_IN = {"full_name": "Lê Thị Hoa", "cccd": "046190000123", "cccd_issued_on": "2022-01-15",
           "phone": "0905111222", "email": "hoa.le@example.vn"}
NEW_PASSWORD = "mat-khau-moi-2026"


def session_of(app):
    return app.extensions["tthc"]["sessions"]()


def last_code(app, username: str) -> str:
    """The six digits of the latest code sent to ``username`` (what their SMS or email says)."""
    with session_of(app) as session:
        user = session.scalar(select(User).where(User.username == username))
        notice = session.scalar(select(Notice).where(Notice.user_id == user.id, Notice.event == "one_time_code")
                                .order_by(Notice.id.desc()).limit(1))
        body = codeseal.unsealed(app.extensions["tthc"]["settings"], notice, notice.body)  # as the dispatcher sends
    return re.search(r"\b(\d{6})\b", body).group(1)


def codes_sent(app) -> int:
    with session_of(app) as session:
        return session.scalar(select(func.count(OneTimeCode.id)))


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def user_named(app, username: str) -> User:
    with session_of(app) as session:
        return session.scalar(select(User).where(User.username == username))


def token(api, username: str, password: str):
    return api.client.post("/api/v1/auth/token", json={"username": username, "password": password})


# -- 1. the desk ------------------------------------------------------------------------------------------------
def test_the_desk_makes_a_standardised_account_the_citizen_activates_with_the_code(app, api, backend):
    r = api.post("/api/v1/citizens/desk", "demo.tiepnhan", json=WALK_IN)
    assert r.status_code == 201, r.get_json()
    made = r.get_json()
    assert made["username"] == WALK_IN["cccd"] and made["standardised"] and made["active"]
    assert "code" not in str(made).lower() or "activation_sent" in made  # the code never travels in the answer
    assert not re.search(r"\b\d{6}\b", r.get_data(as_text=True))
    assert token(api, WALK_IN["cccd"], "anything-at-all").status_code == 401  # no password until activation
    code = last_code(app, WALK_IN["cccd"])
    web = Web(app.test_client())
    r = web.post("/kich-hoat-cong-dan", {"username": WALK_IN["cccd"], "code": wrong(code), "password": NEW_PASSWORD,
                                         "password2": NEW_PASSWORD}, status=422)
    assert "Mã kích hoạt không đúng" in text_of(r)
    r = web.post("/kich-hoat-cong-dan", {"username": WALK_IN["cccd"], "code": code, "password": NEW_PASSWORD,
                                         "password2": NEW_PASSWORD}, status=302)
    assert web.get("/ca-nhan/ho-so").status_code == 200  # signed in
    assert token(api, WALK_IN["cccd"], NEW_PASSWORD).status_code == 200
    web.logout()
    web.post("/kich-hoat-cong-dan", {"username": WALK_IN["cccd"], "code": code, "password": "another-password",
                                     "password2": "another-password"}, status=422)  # a code works once
    with session_of(app) as session:
        event = session.scalar(select(AdminEvent).where(AdminEvent.action == "citizen.desk_create"))
        assert event.actor == "demo.tiepnhan" and event.target == WALK_IN["cccd"]


def test_the_desk_page_makes_the_account_and_says_where_to_activate(app):
    web = Web(app.test_client()).login("demo.tiepnhan")
    r = web.post("/can-bo/cong-dan/tao", WALK_IN, status=200, follow_redirects=True)
    assert "đã được tạo và chuẩn hóa" in text_of(r) and "/kich-hoat-cong-dan" in r.get_data(as_text=True)
    r = web.post("/can-bo/cong-dan/tao", {**WALK_IN, "cccd": "12345"}, status=422)
    assert "12 chữ số" in text_of(r)


def test_a_cccd_already_standardised_locks_the_desk_account_and_the_officer_and_the_citizen_are_told_why(app, api):
    r = api.post("/api/v1/citizens/desk", "demo.tiepnhan", json={**WALK_IN, "cccd": CITIZEN})
    assert r.status_code == 201, r.get_json()
    made = r.get_json()
    assert made["username"] == f"{CITIZEN}.2" and not made["standardised"] and not made["active"]
    assert "chuẩn hóa cho một tài khoản khác" in made["locked_reason"]
    web = Web(app.test_client()).login("demo.tiepnhan")
    page = web.post("/can-bo/cong-dan/tao", {**WALK_IN, "cccd": CITIZEN}, status=200, follow_redirects=True)
    assert "bị khóa" in text_of(page) and "Quên mật khẩu" in text_of(page)
    # the citizen activates it anyway and signs in: the page says why and what to do
    code = last_code(app, f"{CITIZEN}.2")
    citizen = Web(app.test_client())
    r = citizen.post("/kich-hoat-cong-dan", {"username": f"{CITIZEN}.2", "code": code, "password": NEW_PASSWORD,
                                             "password2": NEW_PASSWORD}, status=403)
    assert "đã được chuẩn hóa cho một tài khoản khác" in text_of(r)
    r = citizen.post("/dang-nhap", {"username": f"{CITIZEN}.2", "password": NEW_PASSWORD}, status=403)
    text = text_of(r)
    assert "chuẩn hóa cho một tài khoản khác" in text and "Bộ phận Một cửa" in text and "/quen-mat-khau" in \
        r.get_data(as_text=True)
    assert "D3" not in text
    assert citizen.get("/ca-nhan/ho-so", status=302)  # not signed in
    r = token(api, f"{CITIZEN}.2", NEW_PASSWORD)
    assert r.status_code == 401 and r.get_json()["error"]["code"] == "cccd_standardised_elsewhere"
    # a wrong password never shows the explanation (it would tell a stranger the account exists)
    r = citizen.post("/dang-nhap", {"username": f"{CITIZEN}.2", "password": "not-the-password"}, status=401)
    assert "chuẩn hóa" not in text_of(r)
    # the administrator cannot lift that lock
    r = api.client.patch(f"/api/v1/citizens/{CITIZEN}.2", headers=api.headers("demo.admin"),
                         json={"active": True, "reason": "Công dân yêu cầu"})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "cccd_standardised_elsewhere"


@pytest.mark.parametrize("who", ["demo.chuyenvien", CITIZEN])
def test_only_the_receiving_desk_makes_accounts(api, who):
    before = api.get("/api/v1/openapi.json").status_code
    r = api.post("/api/v1/citizens/desk", who, json=WALK_IN)
    assert r.status_code == 403 and before == 200


def test_the_desk_refuses_bad_facts_with_the_fields_named(api):
    r = api.post("/api/v1/citizens/desk", "demo.tiepnhan", json={**WALK_IN, "phone": "12", "cccd_issued_on": "2999-01-01"})
    assert r.status_code == 422
    assert set(r.get_json()["error"]["fields"]) == {"phone", "cccd_issued_on"}


# -- 2. recovery ---------------------------------------------------------------------------------------------
def test_recovery_answers_the_same_either_way_and_a_reset_ends_every_session(app, api, backend):
    web = Web(app.test_client())
    old_token = api.headers(CITIZEN)
    signed_in = Web(app.test_client()).login(CITIZEN)
    before = codes_sent(app)
    unknown = web.post("/quen-mat-khau", {"identifier": "079000000999"}, status=302)
    assert codes_sent(app) == before
    known = web.post("/quen-mat-khau", {"identifier": CITIZEN}, status=302)
    assert codes_sent(app) == before + 1
    assert unknown.headers["Location"].split("?")[0] == known.headers["Location"].split("?")[0]
    flash_unknown = text_of(web.get(unknown.headers["Location"]))
    by_phone = web.post("/quen-mat-khau", {"identifier": "0912345678"}, status=302)  # the demo citizen's phone
    flash_known = text_of(web.get(by_phone.headers["Location"]))
    assert "Nếu số này thuộc một tài khoản" in flash_unknown and "Nếu số này thuộc một tài khoản" in flash_known
    sent = codes_sent(app)
    for typed in ("+84912345678", "0912 345 678"):  # the same number as people write it (the account: 0912345678)
        web.post("/quen-mat-khau", {"identifier": typed}, status=302)
        assert codes_sent(app) == sent + 1, typed
        sent += 1
    code = last_code(app, CITIZEN)  # the phone's request replaced the first code
    r = web.post("/quen-mat-khau/dat-lai", {"identifier": CITIZEN, "code": wrong(code), "password": NEW_PASSWORD,
                                            "password2": NEW_PASSWORD}, status=422)
    assert "không đúng hoặc đã hết hạn" in text_of(r)
    web.post("/quen-mat-khau/dat-lai", {"identifier": CITIZEN, "code": code, "password": NEW_PASSWORD,
                                        "password2": "different-one"}, status=422)
    web.post("/quen-mat-khau/dat-lai", {"identifier": CITIZEN, "code": code, "password": NEW_PASSWORD,
                                        "password2": NEW_PASSWORD}, status=302)
    assert api.client.get("/api/v1/dossiers", headers=old_token).status_code == 401  # the old token ended
    assert signed_in.get("/ca-nhan/ho-so", status=302)  # and so did the browser's session
    assert token(api, CITIZEN, PASSWORD).status_code == 401
    assert token(api, CITIZEN, NEW_PASSWORD).status_code == 200
    web.post("/quen-mat-khau/dat-lai", {"identifier": CITIZEN, "code": code, "password": "third-password",
                                        "password2": "third-password"}, status=422)  # used once


def test_five_wrong_guesses_end_a_recovery_code(app):
    web = Web(app.test_client())
    web.post("/quen-mat-khau", {"identifier": CITIZEN}, status=302)
    code = last_code(app, CITIZEN)
    for _ in range(5):
        web.post("/quen-mat-khau/dat-lai", {"identifier": CITIZEN, "code": wrong(code), "password": NEW_PASSWORD,
                                            "password2": NEW_PASSWORD}, status=422)
    web.post("/quen-mat-khau/dat-lai", {"identifier": CITIZEN, "code": code, "password": NEW_PASSWORD,
                                        "password2": NEW_PASSWORD}, status=422)


def test_recovery_requests_are_limited_per_address_whatever_they_name(app, clock):
    web = Web(app.test_client())
    for i in range(citizens.RECOVERY_LIMIT):
        web.post("/quen-mat-khau", {"identifier": f"0790000{i:05d}"}, status=302)
    before = codes_sent(app)
    r = web.post("/quen-mat-khau", {"identifier": CITIZEN}, status=429)
    assert int(r.headers["Retry-After"]) > 0 and codes_sent(app) == before
    other = Web(app.test_client())
    other.post("/quen-mat-khau", {"identifier": CITIZEN}, status=302,
               environ_base={"REMOTE_ADDR": "10.0.0.9"})  # another address is not held back
    clock.advance(seconds=citizens.RECOVERY_WINDOW.total_seconds() + 1)
    web.post("/quen-mat-khau", {"identifier": CITIZEN}, status=302)


def test_recovery_pages_refuse_a_missing_csrf_token(app):
    web = Web(app.test_client())
    web.post("/quen-mat-khau", {"identifier": CITIZEN}, csrf=False, status=400)


# -- 3. suspend, reinstate, cancel ------------------------------------------------------------------------------
def citizen_id(app, username: str = CITIZEN) -> int:
    return user_named(app, username).id


def test_the_administrator_finds_citizens_by_cccd_or_phone_page_by_page(app, api):
    for i in range(citizens.PAGE + 3):
        r = api.post("/api/v1/citizens/desk", "demo.tiepnhan",
                     json={**WALK_IN, "cccd": f"0461900{i:05d}", "phone": f"09051{i:05d}"})
        assert r.status_code == 201
    admin = Web(app.test_client()).login("demo.admin")
    first = admin.get("/quan-tri/cong-dan").get_data(as_text=True)
    assert first.count("data-citizen=") == citizens.PAGE and "Trang sau" in first
    after = re.search(r'q=&amp;truoc=(\d+)', first).group(1)
    second = admin.get(f"/quan-tri/cong-dan?truoc={after}").get_data(as_text=True)
    assert second.count("data-citizen=") == 4 and "Trang sau" not in second  # 3 more and the demo citizen
    assert admin.get(f"/quan-tri/cong-dan?q={CITIZEN}").get_data(as_text=True).count("data-citizen=") == 1
    assert f'data-citizen="{CITIZEN}"' in admin.get("/quan-tri/cong-dan?q=0912345678").get_data(as_text=True)
    # as people write a number: spaced, dotted, or in its international form (the account stores 0912345678)
    for typed in ("0912 345 678", "0912.345.678", "+84912345678", "84912345678", "001 099 000 001"):
        assert f'data-citizen="{CITIZEN}"' in admin.get("/quan-tri/cong-dan", query_string={"q": typed}).get_data(
            as_text=True), typed
    assert admin.get("/quan-tri/cong-dan?truoc=abc").status_code == 200  # a bad cursor is the first page
    officer = Web(app.test_client()).login("demo.tiepnhan")
    officer.get("/quan-tri/cong-dan", status=403)
    officer.get(f"/quan-tri/cong-dan/{citizen_id(app)}", status=403)


def test_suspending_asks_for_confirmation_then_locks_audits_and_tells_the_citizen(app, api, backend):
    uid = citizen_id(app)
    signed_in = Web(app.test_client()).login(CITIZEN)
    admin = Web(app.test_client()).login("demo.admin")
    admin.post(f"/quan-tri/cong-dan/{uid}/suspend", {"reason": "  "}, status=422)
    r = admin.post(f"/quan-tri/cong-dan/{uid}/suspend", {"reason": "Nghi giả mạo"}, status=200)
    assert "Xác nhận" in text_of(r) and user_named(app, CITIZEN).locked_reason is None  # nothing yet
    admin.post(f"/quan-tri/cong-dan/{uid}/suspend", {"reason": "Nghi giả mạo", "confirm": "1"}, csrf=False,
               status=400)  # no CSRF token, no change
    assert user_named(app, CITIZEN).locked_reason is None
    admin.post(f"/quan-tri/cong-dan/{uid}/suspend", {"reason": "Nghi giả mạo", "confirm": "1"}, status=302)
    assert user_named(app, CITIZEN).locked_reason == "Nghi giả mạo"
    assert signed_in.get("/ca-nhan/ho-so", status=302)  # the session ended at once
    assert token(api, CITIZEN, PASSWORD).status_code == 401
    with session_of(app) as session:
        event = session.scalar(select(AdminEvent).where(AdminEvent.action == "citizen.suspend"))
        assert event.actor == "demo.admin" and event.target == CITIZEN and event.details["reason"] == "Nghi giả mạo"
        told = session.scalar(select(Notice).where(Notice.user_id == uid, Notice.event == "account_status"))
        assert "tạm khóa" in told.title and "Nghi giả mạo" in told.body
    admin.post(f"/quan-tri/cong-dan/{uid}/reinstate", {"reason": "Đã xác minh", "confirm": "1"}, status=302)
    assert token(api, CITIZEN, PASSWORD).status_code == 200


def test_a_cancelled_account_cannot_sign_in_and_its_dossiers_stay(app, api, backend):
    code = api.file()["code"]
    r = api.client.patch(f"/api/v1/citizens/{CITIZEN}", headers=api.headers("demo.admin"),
                         json={"cancelled": True, "reason": "Công dân đề nghị hủy"})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["cancelled"] and not r.get_json()["active"]
    assert token(api, CITIZEN, PASSWORD).status_code == 401
    with session_of(app) as session:
        assert session.scalar(select(Dossier.id).where(Dossier.code == code)) is not None
    assert api.get(f"/api/v1/dossiers/{code}", "demo.tiepnhan").status_code == 200
    for change in ({"cancelled": False, "reason": "x"}, {"active": True, "reason": "x"}):
        r = api.client.patch(f"/api/v1/citizens/{CITIZEN}", headers=api.headers("demo.admin"), json=change)
        assert r.status_code == 409 and r.get_json()["error"]["code"] == "account_cancelled"
    web = Web(app.test_client())
    web.post("/quen-mat-khau", {"identifier": CITIZEN}, status=302)  # no code for a cancelled account
    with session_of(app) as session:
        assert session.scalar(select(func.count(OneTimeCode.id)).where(OneTimeCode.purpose == "recovery")) == 0


def test_the_change_api_refuses_without_right_reason_or_account(api):
    patch = api.client.patch
    assert patch(f"/api/v1/citizens/{CITIZEN}", headers=api.headers("demo.tiepnhan"),
                 json={"active": False, "reason": "x"}).status_code == 403
    assert patch(f"/api/v1/citizens/{CITIZEN}", headers=api.headers(CITIZEN),
                 json={"active": False, "reason": "x"}).status_code == 403
    assert patch("/api/v1/citizens/079000000999", headers=api.headers("demo.admin"),
                 json={"active": False, "reason": "x"}).status_code == 404
    assert patch("/api/v1/citizens/demo.tiepnhan", headers=api.headers("demo.admin"),
                 json={"active": False, "reason": "x"}).status_code == 404  # officers are not citizens here
    r = patch("/api/v1/citizens/desk", headers=api.headers("demo.admin"), json={"active": False, "reason": "x"})
    assert r.status_code == 405 and r.headers["Allow"] == "OPTIONS, POST"
    r = patch(f"/api/v1/citizens/{CITIZEN}", headers=api.headers("demo.admin"), json={"active": False})
    assert r.status_code == 422 and "reason" in r.get_json()["error"]["fields"]
    r = patch(f"/api/v1/citizens/{CITIZEN}", headers=api.headers("demo.admin"), json={"reason": "x"})
    assert r.status_code == 422
    r = patch(f"/api/v1/citizens/{CITIZEN}", headers=api.headers("demo.admin"), json={"active": "no", "reason": "x"})
    assert r.status_code == 422 and "active" in r.get_json()["error"]["fields"]
    assert patch(f"/api/v1/citizens/{CITIZEN}", json={"active": False, "reason": "x"}).status_code == 401


def test_the_operator_prints_a_code_for_a_citizen_whose_phone_gets_no_sms(app, settings):
    from click.testing import CliRunner

    from engine.cli import main

    env = {"TTHC_DATA_DIR": str(settings.data_dir), "TTHC_DATABASE_URL": settings.database_url,
           "TTHC_PKI_DIR": str(settings.pki_dir), "TTHC_PKI_PASSPHRASE": settings.pki_passphrase}
    result = CliRunner().invoke(main, ["citizen", "code", CITIZEN, "--purpose", "recovery"], env=env)
    assert result.exit_code == 0, result.output
    printed = re.search(r"\brecovery\t(\d{6})\t", result.output).group(1)
    assert printed == last_code(app, CITIZEN)  # the same code went to the citizen's channels
    Web(app.test_client()).post("/quen-mat-khau/dat-lai", {"identifier": CITIZEN, "code": printed,
                                                           "password": NEW_PASSWORD, "password2": NEW_PASSWORD},
                                status=302)
    with session_of(app) as session:
        event = session.scalar(select(AdminEvent).where(AdminEvent.action == "citizen.code_recovery"))
        assert event is not None and event.actor is None and event.target == CITIZEN  # the operator's command
    result = CliRunner().invoke(main, ["citizen", "code", "demo.admin"], env=env)
    assert result.exit_code == 2 and "không có tài khoản công dân" in result.output


def test_odd_characters_in_the_activation_and_recovery_forms_are_refused_cleanly(app, backend):
    web = Web(app.test_client())
    for name in ("0010990\x0000001", "\x00"):
        web.post("/kich-hoat-cong-dan", {"username": name, "code": "123456", "password": NEW_PASSWORD,
                                         "password2": NEW_PASSWORD}, status=422)
        web.post("/quen-mat-khau", {"identifier": name}, status=302)
        web.post("/quen-mat-khau/dat-lai", {"identifier": name, "code": "123456", "password": NEW_PASSWORD,
                                            "password2": NEW_PASSWORD}, status=422)
