"""In headless Chromium: a form sent after its session ended loses nothing typed. The server refuses the post
(CSRF, nothing changed); its page offers the form again through the sign-in page; the form comes back filled
as it was sent, and says so. A form that went through leaves nothing kept behind."""
from __future__ import annotations

import pytest
from conftest import CITIZEN, PASSWORD, SAMPLE_CODE
from test_e2e_browser import CHROMIUM, Person, backend, browser, server  # noqa: F401
from web_support import Web

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
    again = page.locator("#draft-again")
    link = again.get_attribute("href")
    assert link == f"/dang-nhap?next=%2Fthu-tuc%2F{SAMPLE_CODE}%2Fnop" and again.inner_text() == \
        "Đăng nhập lại và mở lại biểu mẫu", (link, again.inner_text())
    # a button with nothing typed on the way (the language switch, there and back) does not end the keeping
    page.get_by_role("button", name="English").click()
    page.wait_for_selector("html[lang=en]")
    page.get_by_role("button", name="Tiếng Việt").click()
    page.wait_for_selector("html[lang=vi]")
    assert page.evaluate("JSON.parse(window.sessionStorage.getItem('tthc-draft')).state") == "kept"
    page = p.goto(link)
    page.get_by_label("Tên đăng nhập").fill(CITIZEN)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_selector(".draft-restored")
    assert page.url.endswith(f"/thu-tuc/{SAMPLE_CODE}/nop")
    for name, value in TYPED.items():
        assert _field(page, name).input_value() == value, name
    assert "điền lại với những gì bạn đã nhập" in page.inner_text(".draft-restored")
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
    """Without a browser: the refused post's page carries the offer (hidden until the page's script finds a kept
    form), in English on an English page; a refusal of another kind carries none."""
    client = app.test_client()
    with client.session_transaction() as s:
        s["lang"] = "en"
    r = client.post(f"/thu-tuc/{SAMPLE_CODE}/nop", data={"f.ten_ho_kinh_doanh": "x"})
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and '<div id="draft-kept" class="panel" hidden data-login="/dang-nhap">' in html
    assert "kept in this browser tab for 30 minutes" in html and 'data-via-login="Sign in again and reopen the form"' in html
    assert "Reopen the form" in html
    missing = Web(app.test_client()).login(CITIZEN).get("/ca-nhan/ho-so/khong-co", status=404)
    assert 'id="draft-kept"' not in missing.get_data(as_text=True)


def test_a_form_for_anyone_is_offered_again_without_signing_in(browser, server):
    """The recovery form needs no account: its refusal page links straight back to it, not to the sign-in page."""
    p = Person(browser, server)
    page = p.goto("/quen-mat-khau")
    page.locator('[name="identifier"]').fill("0912345678")
    p.context.clear_cookies()
    page.get_by_role("button", name="Gửi mã khôi phục").click()
    page.wait_for_selector("#draft-kept:not([hidden])")
    assert page.locator("#draft-again").get_attribute("href") == "/quen-mat-khau"
    assert page.locator("#draft-again").inner_text() == "Mở lại biểu mẫu"
    page.locator("#draft-again").click()
    page.wait_for_selector(".draft-restored")
    assert page.locator('[name="identifier"]').input_value() == "0912345678"
    assert not p.errors, p.errors
    p.close()


def test_a_button_with_nothing_typed_never_brings_back_an_older_form(browser, server):
    """A sending that a form's own listener cancelled (a second click not confirmed) keeps nothing, so no earlier
    form can be offered again by a later refusal; and signing out forgets what was kept."""
    p = Person(browser, server, CITIZEN)
    page = p.goto(f"/thu-tuc/{SAMPLE_CODE}/nop")
    _field(page, "f.ten_ho_kinh_doanh").fill("Gõ rồi bỏ")
    page.evaluate("""() => { const f = document.querySelector('form[action$="/nop"]');
                             f.addEventListener('submit', e => e.preventDefault()); f.requestSubmit(); }""")
    assert page.evaluate("window.sessionStorage.getItem('tthc-draft')") is None, "a cancelled sending was kept"
    page.evaluate("""() => sessionStorage.setItem('tthc-draft', JSON.stringify({state: 'kept', at: Date.now(),
                      owner: document.body.dataset.draftOwner, page: location.pathname, action: '', n: 0,
                      fields: []}))""")
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_load_state()
    assert page.evaluate("window.sessionStorage.getItem('tthc-draft')") is None
    p.close()


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
