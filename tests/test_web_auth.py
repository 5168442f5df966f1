"""Signing in to the web pages: sessions, CSRF, lockout after repeated failures, registration (D3), language.

Runs on SQLite and PostgreSQL (the lockout counts attempts in the database).
"""
from __future__ import annotations

import re

import pytest
from conftest import CITIZEN, PASSWORD
from sqlalchemy import func, select
from web_support import Web, counts, text_of

from engine.data.model import User
from engine.data.portal_model import LoginAttempt


@pytest.fixture
def web(app):
    return Web(app.test_client())


def attempts(app, username: str) -> int:
    with app.extensions["tthc"]["sessions"]() as session:
        return session.scalar(select(func.count()).select_from(LoginAttempt).where(LoginAttempt.username == username))


def test_a_citizen_signs_in_lands_on_their_dossiers_and_signs_out(web):
    r = web.post("/dang-nhap", {"username": CITIZEN, "password": PASSWORD}, status=302)
    assert r.headers["Location"] == "/ca-nhan/ho-so"
    assert "Hồ sơ của tôi" in text_of(web.get("/ca-nhan/ho-so"))
    web.logout()
    assert web.get("/ca-nhan/ho-so", status=302).headers["Location"].startswith("/dang-nhap?next=")


def test_an_officer_lands_in_the_inbox_and_a_citizen_may_not_enter_it(app, web):
    r = web.post("/dang-nhap", {"username": "demo.tiepnhan", "password": PASSWORD}, status=302)
    assert r.headers["Location"] == "/can-bo/cong-viec"
    citizen = Web(app.test_client()).login(CITIZEN)
    page = citizen.get("/can-bo/cong-viec", status=403)
    assert "Không có quyền" in text_of(page)


def test_a_wrong_password_is_refused_with_a_vietnamese_message(web):
    r = web.post("/dang-nhap", {"username": CITIZEN, "password": "sai-mat-khau"}, status=401)
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in text_of(r)
    r = web.post("/dang-nhap", {"username": "", "password": ""}, status=422)
    assert "Nhập tên đăng nhập" in text_of(r)


def test_five_failures_lock_the_account_for_fifteen_minutes(app, web, clock):
    for _ in range(4):
        web.post("/dang-nhap", {"username": CITIZEN, "password": "sai-mat-khau"}, status=401)
    r = web.post("/dang-nhap", {"username": CITIZEN, "password": "sai-mat-khau"}, status=401)
    assert "tạm khóa 15 phút" in text_of(r)
    r = web.post("/dang-nhap", {"username": CITIZEN, "password": PASSWORD}, status=401)  # even the right one
    assert "tạm khóa đến 09:15 ngày 23/11/2026" in text_of(r)
    assert attempts(app, CITIZEN) == 5  # attempts during the lockout do not extend it
    clock.advance(minutes=14, seconds=59)
    web.post("/dang-nhap", {"username": CITIZEN, "password": PASSWORD}, status=401)
    clock.advance(seconds=1)
    web.post("/dang-nhap", {"username": CITIZEN, "password": PASSWORD}, status=302)


def test_a_success_clears_the_failures_before_it(app, web, clock):
    for _ in range(4):
        web.post("/dang-nhap", {"username": CITIZEN, "password": "sai-mat-khau"}, status=401)
    web.login(CITIZEN)
    web.logout()
    for _ in range(4):
        web.post("/dang-nhap", {"username": CITIZEN, "password": "sai-mat-khau"}, status=401)
    web.login(CITIZEN)


def test_unknown_user_names_are_locked_too_without_revealing_whether_they_exist(web):
    for _ in range(5):
        r = web.post("/dang-nhap", {"username": "khong.ton.tai", "password": "x" * 8}, status=401)
    assert "tạm khóa" in text_of(r)


def test_every_form_needs_its_csrf_token(app, web):
    r = web.post("/dang-nhap", {"username": CITIZEN, "password": PASSWORD}, csrf=False, status=400)
    assert "CSRF" in text_of(r) and "Không có gì được thay đổi" in text_of(r)
    assert attempts(app, CITIZEN) == 0
    r = web.post("/dang-nhap", {"username": CITIZEN, "password": PASSWORD, "csrf_token": "gia-mao"}, csrf=False,
                 status=400)
    web.login(CITIZEN)
    before = counts(app)
    web.post("/thu-tuc/1.001612/nop", {"f.ten_ho_kinh_doanh": "X"}, csrf=False, status=400)
    web.post("/dang-xuat", csrf=False, status=400)
    assert counts(app) == before
    assert web.get("/ca-nhan/ho-so").status_code == 200  # still signed in


def test_the_json_api_needs_no_csrf_token(app):
    client = app.test_client()
    r = client.post("/api/v1/auth/token", json={"username": CITIZEN, "password": PASSWORD})
    assert r.status_code == 200 and r.get_json()["token"]


def test_the_session_cookie_is_httponly_samesite_and_secure_outside_testing(app, web):
    r = web.post("/dang-nhap", {"username": CITIZEN, "password": PASSWORD}, status=302)
    cookie = next(h for h in r.headers.getlist("Set-Cookie") if h.startswith("tthc_session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    app.testing = False
    try:
        r = Web(app.test_client()).post("/dang-nhap", {"username": CITIZEN, "password": PASSWORD}, status=302)
        cookie = next(h for h in r.headers.getlist("Set-Cookie") if h.startswith("tthc_session="))
        assert "Secure" in cookie
    finally:
        app.testing = True


def test_the_session_ends_after_the_token_lifetime(web, clock, settings):
    web.login(CITIZEN)
    clock.advance(hours=settings.token_hours, seconds=1)
    assert web.get("/ca-nhan/ho-so", status=302).headers["Location"].startswith("/dang-nhap")


def test_login_redirects_only_to_paths_of_this_site(web):
    for target, expected in (("/thu-tuc", "/thu-tuc"), ("//evil.example/x", "/ca-nhan/ho-so"),
                             ("https://evil.example/", "/ca-nhan/ho-so"), ("/\\evil.example", "/ca-nhan/ho-so")):
        r = web.post("/dang-nhap", {"username": CITIZEN, "password": PASSWORD, "next": target}, status=302)
        assert r.headers["Location"] == expected, target
        web.logout()


def test_a_locked_account_cannot_sign_in_and_an_open_session_ends(app, web):
    web.login(CITIZEN)
    with app.extensions["tthc"]["sessions"].begin() as session:
        session.scalar(select(User).where(User.username == CITIZEN)).locked_reason = "trùng CCCD (theo Nghị định 45/2020/NĐ-CP)"
    assert web.get("/ca-nhan/ho-so", status=302).headers["Location"].startswith("/dang-nhap")
    r = web.post("/dang-nhap", {"username": CITIZEN, "password": PASSWORD}, status=401)
    assert "Tài khoản bị khóa: trùng CCCD (theo Nghị định 45/2020/NĐ-CP)" in text_of(r)


# -- registration (D3) ---------------------------------------------------------------------------------
NEW_CITIZEN = {"full_name": "Lê Thị Hoa", "cccd": "046190000123", "cccd_issued_on": "2021-06-01",
               "phone": "0905123456", "email": "hoa@example.vn", "password": "mat-khau-123",
               "password2": "mat-khau-123"}


def test_a_citizen_registers_a_standardised_account_and_is_signed_in(app, web):
    r = web.post("/dang-ky", NEW_CITIZEN, status=302)
    assert r.headers["Location"] == "/thu-tuc"
    assert "Tên đăng nhập của bạn là số CCCD 046190000123" in text_of(web.get("/thu-tuc"))
    with app.extensions["tthc"]["sessions"]() as session:
        user = session.scalar(select(User).where(User.username == "046190000123"))
        assert user.standardised and user.roles == {"citizen"}


def test_a_second_account_with_the_same_cccd_is_refused_with_the_reason(web):
    r = web.post("/dang-ky", {**NEW_CITIZEN, "cccd": CITIZEN}, status=409)
    assert "mỗi CCCD chỉ có một tài khoản (theo Nghị định 45/2020/NĐ-CP)" in text_of(r)


def test_registration_errors_are_shown_next_to_each_field(app, web):
    before = counts(app)
    bad = {**NEW_CITIZEN, "cccd": "123", "phone": "abc", "cccd_issued_on": "2099-01-01", "password2": "khac"}
    r = web.post("/dang-ky", bad, status=422)
    page = r.get_data(as_text=True)
    assert 'id="password2-error"' in page and "Mật khẩu nhập lại không khớp" in page
    r = web.post("/dang-ky", {**bad, "password2": bad["password"]}, status=422)
    page = r.get_data(as_text=True)
    for field in ("cccd", "phone", "cccd_issued_on"):
        assert f'id="{field}-error"' in page and re.search(f'aria-describedby="[^"]*{field}-error"', page), field
    assert "Số CCCD phải gồm đúng 12 chữ số" in page
    assert counts(app) == before


# -- language -------------------------------------------------------------------------------------------
def test_vietnamese_is_the_default_and_english_is_available(web):
    page = web.get("/thu-tuc/1.001612")
    assert '<html lang="vi">' in page.get_data(as_text=True) and "Thời hạn giải quyết" in text_of(page)
    web.post("/ngon-ngu", {"lang": "en", "next": "/thu-tuc/1.001612"}, status=302)
    page = web.get("/thu-tuc/1.001612")
    assert '<html lang="en">' in page.get_data(as_text=True)
    assert "Processing time" in text_of(page) and "Required documents" in text_of(page)
    assert "100,000 đ" in text_of(page)  # the amount the English way (it read "100.000 đ": a hundred đồng)
    web.post("/ngon-ngu", {"lang": "xx"}, status=302)  # unknown: ignored
    assert '<html lang="en">' in web.get("/").get_data(as_text=True)
    web.login(CITIZEN)  # the choice survives signing in
    assert '<html lang="en">' in web.get("/ca-nhan/ho-so").get_data(as_text=True)
