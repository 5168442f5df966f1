"""D3: the registration page says every wrong field at once, each next to its field.

A citizen who types the password twice differently AND an invalid phone number or email learns all of it from
the one post (422, the page's answer for a refused form), not the password first and the rest only after they
post again. What they typed comes back filled in, except the two passwords; nothing is registered.
"""
from __future__ import annotations

import re

import pytest
from conftest import vn
from web_support import Web, counts, text_of

TYPED = {"full_name": "Lê Thị Hoa", "cccd": "046190000123", "cccd_issued_on": "2021-06-01",
         "phone": "0905123456", "email": "hoa@example.vn", "password": "mat-khau-123", "password2": "mat-khau-456"}


@pytest.fixture
def backend():
    """A page's validation, the same on both databases."""
    return "sqlite"


@pytest.fixture
def web(app, clock):
    clock.set(vn(2026, 11, 23, 9, 0))
    return Web(app.test_client())


def has_error(page: str, field: str) -> bool:
    """The error is next to its field: the field's error paragraph, and the input pointing at it."""
    return f'id="{field}-error"' in page and bool(re.search(
        f'id="{field}"[^>]*aria-describedby="[^"]*{field}-error"', page))


def test_a_password_mismatch_and_a_bad_phone_and_email_are_all_said_on_the_one_post(app, web):
    before = counts(app)
    r = web.post("/dang-ky", {**TYPED, "phone": "abc", "email": "khong-phai-email"}, status=422)
    page = r.get_data(as_text=True)
    for field in ("password2", "phone", "email"):
        assert has_error(page, field), field
    said = text_of(r)
    assert "Mật khẩu nhập lại không khớp" in said
    assert "Số điện thoại không hợp lệ" in said and "Địa chỉ email không hợp lệ" in said
    assert counts(app) == before
    # what was typed stays, the passwords do not
    assert 'value="Lê Thị Hoa"' in page and 'value="abc"' in page and 'value="khong-phai-email"' in page
    assert 'value="046190000123"' in page and "mat-khau-123" not in page and "mat-khau-456" not in page


def test_a_mismatch_with_a_short_password_says_both_and_the_other_fields_errors(web):
    """D3: the password's own problem (under 8 characters) is said beside the mismatch and a wrong CCCD."""
    r = web.post("/dang-ky", {**TYPED, "cccd": "123", "password": "ngan", "password2": "khac"}, status=422)
    page = r.get_data(as_text=True)
    for field in ("password", "password2", "cccd"):
        assert has_error(page, field), field
    assert "Mật khẩu cần ít nhất 8 ký tự" in text_of(r) and "Số CCCD phải gồm đúng 12 chữ số" in text_of(r)


def test_the_errors_said_together_are_in_english_with_the_language_switch(web):
    web.post("/ngon-ngu", {"lang": "en", "next": "/dang-ky"}, status=302)
    r = web.post("/dang-ky", {**TYPED, "phone": "abc", "email": "khong-phai-email"}, status=422)
    said = text_of(r)
    for text in ("The passwords do not match", "Invalid phone number", "Invalid email address"):
        assert text in said, text


def test_a_mismatch_alone_is_said_alone(app, web):
    """Every other field right: only the repeated password is refused, and nothing is registered."""
    before = counts(app)
    r = web.post("/dang-ky", TYPED, status=422)
    page = r.get_data(as_text=True)
    assert has_error(page, "password2")
    assert not any(has_error(page, f) for f in ("full_name", "cccd", "cccd_issued_on", "phone", "email", "password"))
    assert counts(app) == before
