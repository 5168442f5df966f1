"""In a real browser (headless Chromium, as tests/test_e2e_browser.py): an administrator suspends a dossier with a
reason from its page, confirms, sees the specialist's inbox mark it suspended, and resumes it."""
from __future__ import annotations

from conftest import Api
from test_e2e_browser import Person, backend, browser, pytestmark, server  # noqa: F401,F811  (its fixtures, its skip)
from test_operations import received, row


def test_an_administrator_suspends_and_resumes_a_dossier_from_its_page(browser, server, app):
    code = received(Api(app.test_client()))
    admin = Person(browser, server, "demo.admin")
    page = admin.goto(f"/quan-tri/ho-so/{code}")
    page.get_by_label("Lý do").first.fill("Chờ kết quả xác minh của công an")
    page.locator("#op-suspend").click()
    page.wait_for_selector("#confirm-button")  # the confirmation step keeps the reason
    assert page.locator("#confirm-reason").input_value() == "Chờ kết quả xác minh của công an"
    admin.shot("ops-confirm-suspend.png")
    page.locator("#confirm-button").click()
    page.wait_for_selector(".flash-success")
    assert f"Đã tạm dừng hồ sơ {code}." in page.locator(".flash-success").inner_text()
    assert page.locator("#suspended-badge").is_visible()
    assert row(app, code).suspended_at is not None

    specialist = Person(browser, server, "demo.chuyenvien")
    inbox = specialist.goto("/can-bo/cong-viec")
    assert inbox.locator(f'tr[data-dossier="{code}"] [data-suspended="1"]').is_visible()
    specialist.shot("ops-inbox-suspended.png")

    page = admin.goto(f"/quan-tri/ho-so/{code}")
    page.get_by_label("Lý do").first.fill("Đã có kết quả xác minh")
    page.locator("#op-resume").click()
    page.locator("#confirm-button").click()
    page.wait_for_selector(".flash-success")
    assert f"Đã tiếp tục hồ sơ {code}." in page.locator(".flash-success").inner_text()
    assert row(app, code).suspended_at is None
    inbox = specialist.goto("/can-bo/cong-viec")
    assert inbox.locator(f'tr[data-dossier="{code}"] [data-suspended="1"]').count() == 0
    specialist.close()
    admin.close()
