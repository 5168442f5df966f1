"""In headless Chromium, what an administrator meets on long work and on a phone (found by a review): the officer
import and the deployment say they are working and take no second click while the server works (a 1,500-row
import is one request of about ten seconds, with no sign of life before); the fields in the tables of the offers
and of the calendar keep a readable width at 375 px (a select showed "Chí" of "Chính cơ quan tiếp nhận")."""
from __future__ import annotations

import pytest
from test_e2e_browser import CHROMIUM, Person, backend, browser, server  # noqa: F401

pytestmark = pytest.mark.skipif(not __import__("pathlib").Path(CHROMIUM).exists(), reason="no chromium")
PHONE = {"viewport": {"width": 375, "height": 800}, "is_mobile": True, "has_touch": True}
CSV = "username,full_name,agency,roles,email,phone\nnhap.mot,Nguyễn Văn Nhập,000.00.06.H56,specialist,,0905000111\n"


# Seen by a listener added after app.js's, at each submit of the form: whether it was refused (a second click), the
# form's and its button's state and the status shown; kept in the tab's sessionStorage to be read on the page that
# answers (Playwright cannot look into a page while its form's navigation is under way)
WATCH = """() => {
  const form = document.querySelector('form[data-busy]');
  form.addEventListener('submit', (event) => {
    const seen = JSON.parse(sessionStorage.getItem('seen') || '[]');
    const status = form.querySelector('.busy-status');
    seen.push([event.defaultPrevented, form.getAttribute('aria-busy'),
               form.querySelector('button').getAttribute('aria-disabled'), status.hidden ? '' : status.textContent]);
    sessionStorage.setItem('seen', JSON.stringify(seen));
    if (seen.length === 1) { setTimeout(() => form.querySelector('button').click(), 0); }  /* a second click */
  });
}"""


def test_the_import_says_it_is_working_and_is_sent_once(browser, server, tmp_path):
    a = Person(browser, server, "demo.admin")
    page = a.goto("/quan-tri/can-bo/nhap")
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    path = tmp_path / "can-bo.csv"
    path.write_text(CSV, encoding="utf-8")
    page.locator("#i-file").set_input_files(str(path))
    page.evaluate(WATCH)
    page.get_by_role("button", name="Nhập", exact=True).click()
    page.wait_for_selector('tr[data-status="created"]')
    first, second = page.evaluate("() => JSON.parse(sessionStorage.getItem('seen'))")
    assert first[:3] == [False, "true", "true"] and "xin đừng gửi lại" in first[3], first
    assert second[0] is True, second  # refused: the form is at work
    assert len(posts) == 1, posts
    assert page.locator("form .busy-status").is_hidden()  # the answer's page is ready for another file
    a.close()


def test_a_second_click_is_sent_again_only_when_the_person_says_so(browser, server, tmp_path):
    """A request stopped with the browser's Stop (no event tells the page) must not leave the form refusing every
    click: a click while it works asks, and sends again when the person agrees."""
    a = Person(browser, server, "demo.admin")
    page = a.goto("/quan-tri/can-bo/nhap")
    asked = []

    def agree(dialog):
        asked.append(dialog.message)
        dialog.accept()

    page.on("dialog", agree)
    path = tmp_path / "can-bo.csv"
    path.write_text(CSV.replace("nhap.mot", "nhap.hai"), encoding="utf-8")
    page.locator("#i-file").set_input_files(str(path))
    page.evaluate(WATCH)
    page.get_by_role("button", name="Nhập", exact=True).click()
    page.wait_for_selector("tr[data-row]")
    first, second = page.evaluate("() => JSON.parse(sessionStorage.getItem('seen'))")[:2]
    assert first[0] is False and second[0] is False, (first, second)  # the second, agreed to, was sent
    assert asked == ["Lần gửi trước vẫn đang chờ máy chủ trả lời. Gửi lại lần nữa?"], asked
    a.close()


@pytest.mark.parametrize("path, selector", [
    ("/quan-tri/thu-tuc/1.001612/noi-cung-cap", "table select"),
    ("/quan-tri/thu-tuc/1.001612/noi-cung-cap", "table input[type=text]"),
    ("/quan-tri/lich", "#notice table select"),
    ("/quan-tri/lich", "#notice table input[type=text]"),
])
def test_the_fields_of_an_admin_table_keep_a_readable_width_on_a_phone(browser, server, path, selector):
    a = Person(browser, server, "demo.admin", **PHONE)
    page = a.goto(path)
    widths = page.eval_on_selector_all(selector, "els => els.map(e => e.getBoundingClientRect().width)")
    assert widths and min(widths) >= 150, widths
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # the table scrolls in its wrapper
    a.close()
