"""Calendar administration in a real browser (headless Chromium, as tests/test_e2e_browser.py): the province's
administrator enters the Tết 2027 notice on /quan-tri/lich (pasted lines and a line typed in the form), previews
which open deadline moves and from what to what, applies it, and the receiving officer sees the dossier's new due.
The dossier is the one of tests/test_calendar_notices.py: received Friday 29/01/2027 09:00, due Wednesday 03/02
09:00; the notice's days off 02/02–10/02 move it to Friday 12/02/2027 09:00."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from conftest import vn
from engine.data.model import CalendarOverride, Dossier
from test_calendar_notices import before_tet, province  # noqa: F401 - fixtures
from test_e2e_browser import ARGS, CHROMIUM, Person, browser, server  # noqa: F401 - fixtures


@pytest.fixture
def backend():
    return "sqlite"


def test_the_administrator_previews_and_applies_the_tet_notice_and_the_officer_sees_the_new_due(
        browser, server, app, before_tet):
    code = before_tet
    admin = Person(browser, server, "demo.admin")
    page = admin.goto("/quan-tri/lich?nam=2027")
    page.get_by_label("Các dòng của thông báo").fill("2027-02-02..2027-02-10 nghỉ Tết Nguyên đán")
    page.locator("input[name=from1]").fill("2027-02-20")
    page.locator("select[name=kind1]").select_option("working")
    page.locator("input[name=name1]").fill("làm bù thứ Bảy")
    page.get_by_role("button", name="Xem trước").click()
    page.wait_for_selector("#moves")
    rows = page.locator(f'#moves tr[data-dossier="{code}"]')
    assert "03/02/2027 09:00" in rows.first.inner_text() and "12/02/2027 09:00" in rows.first.inner_text()
    assert page.locator("#changes tr[data-day]").count() == 10
    admin.shot("calendar-preview.png")
    with app.extensions["tthc"]["sessions"]() as session:  # the preview wrote nothing
        assert session.scalars(select(CalendarOverride)).first() is None
    page.get_by_role("button", name="Áp dụng").click()
    page.wait_for_selector(".flash-success")
    assert "10 ngày thay đổi, 1 hồ sơ" in page.locator(".flash-success").inner_text()
    assert page.locator("#applied tr[data-day]").count() == 10
    admin.close()

    with app.extensions["tthc"]["sessions"]() as session:
        assert session.scalar(select(Dossier.due_at).where(Dossier.code == code)) == vn(2027, 2, 12, 9, 0)
    officer = Person(browser, server, "demo.tiepnhan")
    page = officer.goto(f"/can-bo/ho-so/{code}")
    assert "12/02/2027" in page.locator("main").inner_text()
    officer.close()
