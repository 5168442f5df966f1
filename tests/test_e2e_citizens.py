"""In a real browser (headless Chromium, as tests/test_e2e_browser.py): a citizen who forgot the password asks
for a code from the login page, reads it on their phone (here: the notice the engine wrote for the SMS), sets a
new password, is told every session ended, and signs in with it."""
from __future__ import annotations

import re

import pytest
from conftest import CITIZEN, PASSWORD
from sqlalchemy import select
from test_e2e_browser import CHROMIUM, ARTIFACTS, Person, backend, browser, server  # noqa: F401  (fixtures)

from engine.cases import codeseal
from engine.data.model import User
from engine.data.notice_model import Notice

pytestmark = pytest.mark.skipif(not __import__("pathlib").Path(CHROMIUM).exists(),
                                reason=f"{CHROMIUM} is absent: install Debian's chromium (CI does) to run browser tests")
NEW_PASSWORD = "mat-khau-moi-2026"


def sms_code(app) -> str:
    with app.extensions["tthc"]["sessions"]() as session:
        uid = session.scalar(select(User.id).where(User.username == CITIZEN))
        notice = session.scalar(select(Notice).where(Notice.user_id == uid, Notice.event == "one_time_code")
                                .order_by(Notice.id.desc()).limit(1))
        body = codeseal.unsealed(app.extensions["tthc"]["settings"], notice, notice.body)  # as the dispatcher sends
    return re.search(r"\b(\d{6})\b", body).group(1)


def test_a_citizen_recovers_the_password_in_the_browser(app, browser, server):  # noqa: F811
    citizen = Person(browser, server)
    page = citizen.goto("/dang-nhap")
    page.get_by_role("link", name="Quên mật khẩu?").click()
    page.get_by_label("Số CCCD hoặc số điện thoại").fill(CITIZEN)
    page.get_by_role("button", name="Gửi mã khôi phục").click()
    page.wait_for_selector(".flash-info")
    assert "mã khôi phục đã được gửi" in page.locator(".flash-info").inner_text()
    assert page.get_by_label("Số CCCD hoặc số điện thoại").input_value() == CITIZEN  # carried to the next step
    page.get_by_label("Mã khôi phục").fill(sms_code(app))
    page.get_by_label("Mật khẩu mới (bắt buộc)", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Nhập lại mật khẩu mới").fill(NEW_PASSWORD)
    citizen.shot("citizen-reset.png")
    page.get_by_role("button", name="Đặt lại mật khẩu").click()
    page.wait_for_selector(".flash-success")
    assert "Đã đặt lại mật khẩu" in page.locator(".flash-success").inner_text()
    page.get_by_label("Tên đăng nhập").fill(CITIZEN)
    page.get_by_label("Mật khẩu").fill(PASSWORD)  # the old one no longer works
    page.get_by_role("button", name="Đăng nhập").click()
    assert "không đúng" in page.locator("#error-summary").inner_text()
    page.get_by_label("Tên đăng nhập").fill(CITIZEN)
    page.get_by_label("Mật khẩu").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_selector(".flash-success")
    assert "Xin chào" in page.locator(".flash-success").inner_text()
    citizen.close()
    assert (ARTIFACTS / "citizen-reset.png").exists()
