"""Issue 13's "done when", in a real browser (headless Debian Chromium, as tests/test_e2e_browser.py): a province
administrator creates a ward, an officer with the receiving role (who activates the account with the code sent to
them), and offers an existing procedure to the ward; a citizen files there; that officer sees the dossier, and an
officer of another ward does not. Screenshots go to tests/artifacts/.
"""
from __future__ import annotations

import re

from conftest import CITIZEN, PASSWORD
from staff_support import ADMIN_P, PROVINCE, build_province, last_code
from test_e2e_browser import Person, backend, browser, pytestmark, server  # noqa: F401 (fixtures, skip mark)
from test_e2e_payments import _file

WARD, WARD_NAME = "000.00.41.H56", "Ủy ban nhân dân phường Hương An"
OFFICER = "huongan.tiepnhan"


def _submit(page, button: str) -> None:
    """Press ``button`` and wait for the page that says it was done: a success, or done with a warning (an officer
    created where no mail server or SMS service can carry the activation code, as in these tests)."""
    page.get_by_role("button", name=button).click()
    page.wait_for_selector(".flash-success, .flash-warn")


def test_a_new_ward_its_officer_and_offer_and_a_dossier_only_that_ward_sees(app, browser, server):  # noqa: F811
    build_province(app)  # the province's root and its administrator; the demo ward stays where it is
    admin = Person(browser, server, ADMIN_P)
    page = admin.page
    assert page.url.endswith("/quan-tri")  # an administrator lands on the administration's home

    admin.goto("/quan-tri/co-quan")  # 1. the ward, under the province
    page.locator("#a-id").fill(WARD)
    page.locator("#a-name").fill(WARD_NAME)
    page.locator("#a-level").select_option("commune")
    page.locator("#a-parent").select_option(PROVINCE)
    _submit(page, "Tạo cơ quan")
    assert WARD_NAME in admin.goto("/quan-tri/co-quan").inner_text("main")

    admin.goto("/quan-tri/can-bo")  # 2. its receiving officer: no password travels, a code goes to them
    page.locator("#o-username").fill(OFFICER)
    page.locator("#o-full_name").fill("Phan Thị Hương")
    page.locator("#o-agency").select_option(WARD)
    page.locator("#o-role-receiving_officer").check()
    page.locator("#o-email").fill("huong.phan@example.vn")
    page.locator("#o-phone").fill("0905123456")
    _submit(page, "Tạo tài khoản")
    assert PASSWORD not in page.content()
    admin.shot("61-officer-created.png")

    admin.goto("/quan-tri/thu-tuc/1.001612/noi-cung-cap")  # 3. the existing procedure, offered by the ward too
    page.locator(f'tr[data-agency="{WARD}"] input[name="agency"]').check()
    page.get_by_role("button", name="Lưu").click()
    page.wait_for_selector(".flash-success")
    assert page.locator(f'tr[data-agency="{WARD}"] input[name="agency"]').is_checked()
    assert page.locator('tr[data-agency="000.00.06.H56"] input[name="agency"]').is_checked()  # not taken away
    admin.shot("62-offered.png")
    admin.close()

    officer = Person(browser, server)  # the officer sets a first password with the code from their SMS/email
    officer.goto("/kich-hoat")
    officer.page.locator("#c-username").fill(OFFICER)
    officer.page.locator("#c-code").fill(last_code(app, OFFICER))
    officer.page.locator("#c-password").fill("Mat-khau-moi-2026")
    officer.page.locator("#c-password2").fill("Mat-khau-moi-2026")
    _submit(officer.page, "Đặt mật khẩu")

    citizen = Person(browser, server, CITIZEN)  # 4. a citizen files there (any offering agency, any residence)
    citizen.goto("/thu-tuc/1.001612")
    assert WARD_NAME in citizen.page.inner_text("main")
    code = _file(citizen, agency=WARD)
    assert re.fullmatch(re.escape(WARD) + r"-\d{6}-\d{4}", code)
    citizen.close()

    officer.page.goto(server + "/dang-nhap")  # 5. that ward's officer sees it ...
    officer.page.get_by_label("Tên đăng nhập").fill(OFFICER)
    officer.page.get_by_label("Mật khẩu").fill("Mat-khau-moi-2026")
    officer.page.get_by_role("button", name="Đăng nhập").click()
    officer.page.wait_for_selector(".flash-success")
    officer.goto("/can-bo/cong-viec")
    assert officer.page.locator(f'tr[data-dossier="{code}"]').count() == 1
    officer.shot("63-new-ward-inbox.png")
    officer.act(code, "receive")
    officer.close()

    other = Person(browser, server, "demo.tiepnhan")  # ... and the demo ward's officer does not
    other.goto("/can-bo/cong-viec")
    assert other.page.locator(f'tr[data-dossier="{code}"]').count() == 0
    response = other.page.goto(f"{server}/can-bo/ho-so/{code}")
    assert response.status in (403, 404)
    other.close()
