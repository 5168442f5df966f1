"""In headless Chromium: a form sent after its session ended loses nothing typed. The server refuses the post
(CSRF, nothing changed); its page offers the form again through the sign-in page; the form comes back filled
as it was sent, and says so. A form that went through leaves nothing kept behind."""
from __future__ import annotations

import pytest
from conftest import CITIZEN, PASSWORD, SAMPLE_CODE
from test_e2e_browser import CHROMIUM, Person, backend, browser, server  # noqa: F401

pytestmark = pytest.mark.skipif(not __import__("pathlib").Path(CHROMIUM).exists(), reason="no chromium")

TYPED = {"f.ten_ho_kinh_doanh": "Tạp hóa Hồng Hà (gõ trước khi hết phiên)",
         "f.dia_chi_tru_so": "45 Trần Hưng Đạo, phường Phú Hội, Huế",
         "f.nganh_nghe_kinh_doanh": "Bán lẻ văn phòng phẩm"}


def _field(page, name: str):
    return page.locator(f'form [name="{name}"]').first


def test_a_form_sent_after_its_session_ended_comes_back_as_typed(browser, server):
    p = Person(browser, server, CITIZEN)
    page = p.goto(f"/thu-tuc/{SAMPLE_CODE}/nop")
    for name, value in TYPED.items():
        _field(page, name).fill(value)
    p.context.clear_cookies()  # the session is over (signed out elsewhere, its hours ran out)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_selector("#draft-kept:not([hidden])")
    assert "Không có gì được thay đổi" in page.inner_text("main")
    page.locator("#draft-again").click()
    page.get_by_label("Tên đăng nhập").fill(CITIZEN)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_selector(".draft-restored")
    assert page.url.endswith(f"/thu-tuc/{SAMPLE_CODE}/nop")
    for name, value in TYPED.items():
        assert _field(page, name).input_value() == value, name
    assert "điền lại những gì bạn nhập" in page.inner_text(".draft-restored")
    # kept once: the same page opened again is the empty form
    page.reload()
    page.wait_for_selector("form")
    assert not page.locator(".draft-restored").count()
    assert _field(page, "f.ten_ho_kinh_doanh").input_value() != TYPED["f.ten_ho_kinh_doanh"]
    assert not p.errors, p.errors
    p.close()


def test_a_form_refused_for_its_data_keeps_nothing_for_later(browser, server):
    """A post that reached the server (here refused for a missing field, re-shown with the person's values) ends
    the keeping: opening the form later is not filled with an old draft."""
    p = Person(browser, server, CITIZEN)
    page = p.goto(f"/thu-tuc/{SAMPLE_CODE}/nop")
    _field(page, "f.ten_ho_kinh_doanh").fill("Chỉ một trường")
    page.evaluate("document.querySelectorAll('form [required]').forEach(f => f.removeAttribute('required'))")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_selector("#error-summary")
    assert page.evaluate("window.sessionStorage.getItem('tthc-draft')") is None
    page = p.goto(f"/thu-tuc/{SAMPLE_CODE}/nop")
    assert not page.locator(".draft-restored").count()
    p.close()


def test_the_refusal_page_offers_the_form_again_in_the_page_language(app):
    """Without a browser: the refused post's page links back to the form it came from (through the sign-in
    page when no one is signed in), in English on an English page, and never to another site."""
    client = app.test_client()
    with client.session_transaction() as s:
        s["lang"] = "en"
    form_page = f"http://localhost/thu-tuc/{SAMPLE_CODE}/nop?co_quan=x"
    r = client.post(f"/thu-tuc/{SAMPLE_CODE}/nop", data={"f.ten_ho_kinh_doanh": "x"}, headers={"Referer": form_page})
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and 'id="draft-kept"' in html and "Sign in again and reopen the form" in html
    assert f'href="/dang-nhap?next=/thu-tuc/{SAMPLE_CODE}/nop?co_quan%3Dx"' in html, html[html.find("draft-again") - 200:][:400]
    assert "still kept in this browser" in html
    elsewhere = client.post(f"/thu-tuc/{SAMPLE_CODE}/nop", data={}, headers={"Referer": "http://evil.example/x"})
    assert elsewhere.status_code == 400 and 'id="draft-kept"' not in elsewhere.get_data(as_text=True)


def test_a_kept_form_is_never_shown_to_the_next_person_at_the_same_computer(browser, server):
    """A kiosk: the first citizen's session ends as they send; the next person signs in on the same tab and
    opens the same form, which stays empty (and what was kept is gone)."""
    p = Person(browser, server, CITIZEN)
    page = p.goto(f"/thu-tuc/{SAMPLE_CODE}/nop")
    _field(page, "f.ten_ho_kinh_doanh").fill("Hồ sơ của người trước")
    p.context.clear_cookies()
    page.locator("form button[type=submit]").last.click()
    page.wait_for_selector("#draft-kept:not([hidden])")
    page.locator("#draft-again").click()
    page.get_by_label("Tên đăng nhập").fill("demo.tiepnhan")  # another person, who may open the form too
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_load_state()
    page = p.goto(f"/thu-tuc/{SAMPLE_CODE}/nop")
    page.wait_for_selector("form")
    assert not page.locator(".draft-restored").count()
    assert "Hồ sơ của người trước" not in (page.locator('[name="f.ten_ho_kinh_doanh"]').first.input_value()
                                           if page.locator('[name="f.ten_ho_kinh_doanh"]').count() else "")
    assert page.evaluate("window.sessionStorage.getItem('tthc-draft')") is None
    p.close()
