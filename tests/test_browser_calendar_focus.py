"""In headless Chromium: the working-calendar page fits a phone (its fieldset no longer takes its table's
min-content width), the calendar preview's "Quay lại" brings the notice back into the form as typed, and a
refused form takes the focus to its error summary even where the template gave the summary no tabindex."""
from __future__ import annotations

import pytest
from conftest import PASSWORD
from test_e2e_browser import CHROMIUM, Person, backend, browser, server  # noqa: F401

pytestmark = pytest.mark.skipif(not __import__("pathlib").Path(CHROMIUM).exists(), reason="no chromium")
PHONE = {"viewport": {"width": 375, "height": 800}, "is_mobile": True, "has_touch": True}


def _focused(page) -> str:
    page.wait_for_selector("#error-summary")
    page.wait_for_timeout(200)
    return page.evaluate("document.activeElement ? document.activeElement.id : ''")


@pytest.mark.parametrize("english", [False, True])
def test_the_calendar_page_fits_a_phone(browser, server, english):
    a = Person(browser, server, "demo.admin", **PHONE)
    page = a.goto("/quan-tri/lich")
    if english:
        page.get_by_role("button", name="English").click()
        page.wait_for_selector('html[lang="en"]')
        page.wait_for_load_state("load")  # its stylesheet too: a loaded machine measured the page unstyled (661 px)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.evaluate("document.querySelector('#notice fieldset').getBoundingClientRect().right") <= 375
    a.close()


def test_other_pages_with_fieldsets_still_fit_a_phone(browser, server):
    a = Person(browser, server, "demo.admin", **PHONE)
    for path in ("/quan-tri/lich?nam=2027", "/quan-tri/co-quan/000.00.06.H56"):
        a.goto(path)
        assert a.page.evaluate("document.documentElement.scrollWidth") <= 375, path
    a.close()


def test_back_from_the_calendar_preview_keeps_the_notice_typed(browser, server):
    a = Person(browser, server, "demo.admin")
    page = a.goto("/quan-tri/lich?nam=2027&co_quan=000.00.06.H56")
    page.locator("#lines").fill("2027-12-28..2027-12-29, nghỉ, Nghỉ thử một")
    page.locator("input[name=from1]").fill("2027-12-30")
    page.locator("input[name=name1]").fill("Nghỉ thử hai")
    page.locator("input[name=from2]").fill("2027-12-18")
    page.locator("select[name=kind2]").select_option("working")
    page.locator("input[name=name2]").fill("Làm bù thử")
    page.get_by_role("button", name="Xem trước").click()
    page.wait_for_selector("#apply")
    page.get_by_text("Quay lại", exact=True).click()
    page.wait_for_selector("#notice")
    assert page.locator("#lines").input_value() == "2027-12-28..2027-12-29, nghỉ, Nghỉ thử một"
    assert page.locator("input[name=from1]").input_value() == "2027-12-30"
    assert page.locator("input[name=name1]").input_value() == "Nghỉ thử hai"
    assert page.locator("input[name=from2]").input_value() == "2027-12-18"
    assert page.locator("select[name=kind2]").input_value() == "working"
    assert page.locator("input[name=name2]").input_value() == "Làm bù thử"
    assert page.locator("#nam").input_value() == "2027"
    assert page.locator("#co_quan").input_value() == "000.00.06.H56"
    assert not page.locator("#error-summary").count()
    # and the notice kept is the one previewed again
    page.get_by_role("button", name="Xem trước").click()
    page.wait_for_selector("#apply")
    assert page.locator('#changes tr[data-day="2027-12-30"]').count() == 1
    a.close()


def test_a_refused_registration_moves_the_focus_to_its_errors(browser, server):
    p = Person(browser, server)
    page = p.goto("/dang-ky")
    for sel, val in {"#full_name": "Trần Thị Bình", "#cccd": "12345", "#cccd_issued_on": "2020-05-01",
                     "#phone": "0912000111", "#password": "matkhau-123", "#password2": "matkhau-123"}.items():
        page.locator(sel).fill(val)
    page.get_by_role("button", name="Đăng ký").click()
    assert _focused(page) == "error-summary"
    p.close()


def test_a_refused_sign_in_moves_the_focus_to_its_errors(browser, server):
    p = Person(browser, server)
    page = p.goto("/dang-nhap")
    page.get_by_label("Tên đăng nhập").fill("demo.admin")
    page.get_by_label("Mật khẩu").fill(PASSWORD + "-sai")
    page.get_by_role("button", name="Đăng nhập").click()
    assert _focused(page) == "error-summary"
    p.close()


def test_a_refused_agency_edit_moves_the_focus_to_its_errors(browser, server):
    a = Person(browser, server, "demo.admin")
    page = a.goto("/quan-tri/co-quan/000.00.06.H56")
    page.locator("#e-office_hours").fill("xyz 25:00-26:00")
    page.get_by_role("button", name="Lưu").click()
    assert _focused(page) == "error-summary"
    a.close()
