"""Sessions that end on the server (issue #11, item 6), login limits per client address (item 13) and the Secure
session cookie on plain-HTTP networks (item 14). Real SQLite and PostgreSQL."""
from __future__ import annotations

import re

import pytest
from conftest import CITIZEN, PASSWORD
from sqlalchemy import func, select
from web_support import Web, text_of

from engine.cases import accounts, portal_cases
from engine.core.settings import load_settings
from engine.data.model import ApiToken, User
from engine.data.portal_model import LoginAttempt, WebSession
from engine.web import create_app

COOKIE = "tthc_session"
MY_DOSSIERS = "/ca-nhan/ho-so"


@pytest.fixture
def web(app):
    return Web(app.test_client())


def copy_of(app, web: Web) -> Web:
    """Another browser holding a copy of ``web``'s session cookie (as a thief would)."""
    other = Web(app.test_client())
    other.client.set_cookie(COOKIE, web.client.get_cookie(COOKIE).value)
    return other


def signed_in(web: Web) -> bool:
    r = web.get(MY_DOSSIERS, status=None)
    return r.status_code == 200


def token_for(app, username: str = CITIZEN) -> str:
    r = app.test_client().post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.get_json()
    return r.get_json()["token"]


def token_works(app, token: str) -> bool:
    return app.test_client().get("/api/v1/dossiers", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def citizen(app, session) -> User:
    return session.scalar(select(User).where(User.username == CITIZEN))


# -- item 6: sessions end on the server ------------------------------------------------------------------------
def test_a_cookie_copied_before_logout_is_refused_after_it(app, web):
    web.login(CITIZEN)
    thief = copy_of(app, web)
    assert signed_in(thief)
    web.logout()
    assert not signed_in(web) and not signed_in(thief)
    r = thief.get(MY_DOSSIERS, status=302)
    assert r.headers["Location"].startswith("/dang-nhap?next=")
    with app.extensions["tthc"]["sessions"]() as session:
        assert session.scalar(select(func.count()).select_from(WebSession)) == 0


def test_logging_out_in_one_browser_leaves_the_others_signed_in(app, web):
    web.login(CITIZEN)
    other = Web(app.test_client()).login(CITIZEN)
    web.logout()
    assert signed_in(other)


def test_a_password_change_ends_every_other_session_and_token(app, web):
    web.login(CITIZEN)
    old_copy = copy_of(app, web)
    elsewhere = Web(app.test_client()).login(CITIZEN)
    token = token_for(app)
    assert token_works(app, token)
    r = web.post("/doi-mat-khau", {"current_password": PASSWORD, "new_password": "mat-khau-moi-2026",
                                   "new_password2": "mat-khau-moi-2026"}, status=302)
    assert "Đã đổi mật khẩu" in text_of(web.get(r.headers["Location"]))
    assert signed_in(web)  # the browser that made the change has a fresh session
    assert not signed_in(old_copy) and not signed_in(elsewhere) and not token_works(app, token)
    Web(app.test_client()).login(CITIZEN, "mat-khau-moi-2026")
    r = Web(app.test_client()).post("/dang-nhap", {"username": CITIZEN, "password": PASSWORD}, status=401)
    assert "không đúng" in text_of(r)


def test_a_wrong_current_password_changes_nothing(app, web):
    web.login(CITIZEN)
    other = Web(app.test_client()).login(CITIZEN)
    r = web.post("/doi-mat-khau", {"current_password": "sai-mat-khau", "new_password": "mat-khau-moi-2026",
                                   "new_password2": "mat-khau-moi-2026"}, status=422)
    assert "Mật khẩu hiện tại không đúng" in text_of(r)
    r = web.post("/doi-mat-khau", {"current_password": PASSWORD, "new_password": "mat-khau-moi-2026",
                                   "new_password2": "khac"}, status=422)
    assert "Mật khẩu nhập lại không khớp" in text_of(r)
    # a NUL was taken, and the login refuses any password with one: the account was locked out for good
    nul = "mat-khau\x00moi-2026"
    r = web.post("/doi-mat-khau", {"current_password": PASSWORD, "new_password": nul, "new_password2": nul},
                 status=422)
    assert "Mật khẩu không được chứa ký tự điều khiển" in text_of(r)
    assert signed_in(web) and signed_in(other)
    web.logout()
    web.login(CITIZEN, PASSWORD)


def test_the_password_page_needs_a_sign_in(web):
    assert web.get("/doi-mat-khau", status=302).headers["Location"].startswith("/dang-nhap?next=")


def test_a_suspension_ends_every_session_and_token_for_good(app, web):
    web.login(CITIZEN)
    thief = copy_of(app, web)
    token = token_for(app)
    with app.extensions["tthc"]["sessions"].begin() as session:
        accounts.suspend(session, citizen(app, session), "Nghi bị chiếm đoạt tài khoản")
    assert not signed_in(web) and not signed_in(thief) and not token_works(app, token)
    r = Web(app.test_client()).post("/dang-nhap", {"username": CITIZEN, "password": PASSWORD}, status=401)
    assert "Tài khoản bị khóa: Nghi bị chiếm đoạt tài khoản" in text_of(r)
    with app.extensions["tthc"]["sessions"].begin() as session:
        accounts.reinstate(session, citizen(app, session))
        assert session.scalar(select(func.count()).select_from(ApiToken)) == 0
    assert not signed_in(thief) and not token_works(app, token)  # reinstating revives nothing
    Web(app.test_client()).login(CITIZEN)


def test_a_session_expires_after_token_hours(app, web, clock):
    web.login(CITIZEN)
    clock.advance(hours=7, minutes=59)
    assert signed_in(web)
    clock.advance(minutes=1)
    assert not signed_in(web)


# -- item 13: failures per client address ---------------------------------------------------------------------
def from_address(app, addr: str) -> Web:
    web = Web(app.test_client())
    web.client.environ_base["REMOTE_ADDR"] = addr
    return web


def test_twenty_failed_names_from_one_address_make_it_wait(app, clock):
    attacker = from_address(app, "203.0.113.7")
    for i in range(portal_cases.ADDRESS_FAILURES):
        attacker.post("/dang-nhap", {"username": f"0010990000{i:02d}", "password": "doan-mo-123"}, status=401)
    r = attacker.post("/dang-nhap", {"username": CITIZEN, "password": PASSWORD}, status=429)  # even the right one
    assert "Quá 20 lần đăng nhập sai từ cùng một địa chỉ trong 15 phút; vui lòng thử lại sau 09:15 ngày " \
           "23/11/2026" in text_of(r)
    assert r.headers["Retry-After"] == "900"
    api = attacker.client.post("/api/v1/auth/token", json={"username": CITIZEN, "password": PASSWORD})
    assert api.status_code == 429 and api.headers["Retry-After"] == "900"
    assert api.get_json()["error"]["code"] == "too_many_attempts"
    with app.extensions["tthc"]["sessions"]() as session:  # refusals are not recorded: the wait never grows
        assert session.scalar(select(func.count()).select_from(LoginAttempt)) == portal_cases.ADDRESS_FAILURES
    from_address(app, "198.51.100.9").login(CITIZEN)  # another address is not held up
    clock.advance(minutes=15)
    attacker.login(CITIZEN)


def test_the_api_counts_towards_the_same_limit(app):
    client = from_address(app, "203.0.113.8").client
    for i in range(portal_cases.ADDRESS_FAILURES):
        r = client.post("/api/v1/auth/token", json={"username": f"ten.{i}", "password": "doan-mo-123"})
        assert r.status_code == 401
    r = client.post("/api/v1/auth/token", json={"username": CITIZEN, "password": PASSWORD})
    assert r.status_code == 429 and "Quá 20 lần đăng nhập sai" in r.get_json()["error"]["message"]


def test_behind_a_proxy_the_forwarded_address_is_counted(settings, clock):
    app = create_app(settings.replace(proxy_hops=1), clock=clock)
    app.testing = True
    try:
        proxy = Web(app.test_client())
        for i in range(portal_cases.ADDRESS_FAILURES):
            proxy.post("/dang-nhap", {"username": f"ten.{i}", "password": "doan-mo-123"}, status=401,
                       headers={"X-Forwarded-For": "203.0.113.7"})
        proxy.post("/dang-nhap", {"username": "ten.x", "password": "doan-mo-123"}, status=429,
                   headers={"X-Forwarded-For": "203.0.113.7"})
        proxy.post("/dang-nhap", {"username": CITIZEN, "password": PASSWORD}, status=302,
                   headers={"X-Forwarded-For": "198.51.100.9"})
    finally:
        app.extensions["tthc"]["engine"].dispose()


# -- item 14: the Secure cookie on plain HTTP -------------------------------------------------------------------
@pytest.fixture
def production(settings, clock):
    """The app as `tthc serve` runs it (not in testing mode: the cookie is Secure)."""
    def make(**changes):
        made = create_app(settings.replace(**changes), clock=clock)
        apps.append(made)
        return made

    apps: list = []
    yield make
    for made in apps:
        made.extensions["tthc"]["engine"].dispose()


def csrf_of(client) -> str:
    page = client.get("/dang-nhap").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_over_plain_http_a_secure_cookie_that_never_comes_back_is_explained(production):
    app = production()
    client = app.test_client()
    assert "Secure" in client.get("/dang-nhap").headers["Set-Cookie"]
    token = csrf_of(client)
    browser = app.test_client(use_cookies=False)  # the browser kept the Secure cookie from the http:// page
    r = browser.post("/dang-nhap", data={"csrf_token": token, "username": CITIZEN, "password": PASSWORD})
    assert r.status_code == 400
    page = text_of(r)
    assert "session_cookie_secure = false" in page and "TTHC_SESSION_COOKIE_SECURE=false" in page
    assert "Đăng nhập" in page and 'name="username"' in r.get_data(as_text=True)  # the login page itself
    r = browser.post("/dang-xuat", data={"csrf_token": token})  # any other form says the same
    assert r.status_code == 400 and "session_cookie_secure = false" in text_of(r)
    over_https = app.test_client(use_cookies=False).post(
        "/dang-nhap", base_url="https://localhost", data={"csrf_token": token, "username": CITIZEN,
                                                         "password": PASSWORD})
    assert over_https.status_code == 400 and "session_cookie_secure" not in text_of(over_https)
    assert "mã bảo vệ (CSRF)" in text_of(over_https)


def test_session_cookie_secure_false_lets_a_plain_http_network_sign_in(production):
    app = production(session_cookie_secure=False)
    client = app.test_client()
    assert "Secure" not in client.get("/dang-nhap").headers["Set-Cookie"]
    r = client.post("/dang-nhap", data={"csrf_token": csrf_of(client), "username": CITIZEN, "password": PASSWORD})
    assert r.status_code == 302 and r.headers["Location"] == MY_DOSSIERS


def test_the_setting_comes_from_the_environment():
    assert load_settings({"TTHC_SESSION_COOKIE_SECURE": "false"}).session_cookie_secure is False
    assert load_settings({}).session_cookie_secure is True


def test_the_new_password_must_differ_and_not_be_one_everybody_tries(app, web, api):
    """"Đổi mật khẩu" with the current password as the new one said "Đã đổi mật khẩu" and ended every other
    session; 12345678 was taken as a password (the lockout lets 5 guesses a quarter-hour: it is among them)."""
    web.login(CITIZEN)
    other = Web(app.test_client()).login(CITIZEN)
    r = web.post("/doi-mat-khau", {"current_password": PASSWORD, "new_password": PASSWORD,
                                   "new_password2": PASSWORD}, status=422)
    assert "Mật khẩu mới phải khác mật khẩu hiện tại" in text_of(r)
    for weak in ("12345678", "PASSWORD", "aaaaaaaaaa", "abababab"):
        r = web.post("/doi-mat-khau", {"current_password": PASSWORD, "new_password": weak, "new_password2": weak},
                     status=422)
        assert "Mật khẩu quá dễ đoán" in text_of(r), weak
    assert signed_in(web) and signed_in(other)  # nothing changed
    r = api.client.post("/api/v1/citizens", json={"full_name": "Trần Thị Bình", "cccd": "046160000778",
                                                  "cccd_issued_on": "2021-06-01", "phone": "0905123457",
                                                  "password": "12345678"})
    assert r.status_code == 422 and "password" in r.get_json()["error"]["fields"], r.get_json()
    web.post("/ngon-ngu", {"lang": "en"}, status=302)
    r = web.post("/doi-mat-khau", {"current_password": PASSWORD, "new_password": PASSWORD,
                                   "new_password2": PASSWORD}, status=422)
    assert "The new password must differ from the current one" in text_of(r)
