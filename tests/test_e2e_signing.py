"""In a real browser (Debian's headless Chromium): the leader approves, finds the result under "Chờ ký số",
previews it, is refused with a wrong PIN, signs with the right one; the clerk issues, the one-stop returns, and
the citizen downloads the certificate with both signatures valid (D22, D35)."""
from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CITIZEN
from signing_support import in_thread, to_signing
from test_e2e_browser import CHROMIUM, Person
from test_e2e_browser import backend, browser, server  # noqa: F401,F811 (fixtures)

from engine.paperwork import results

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason=f"{CHROMIUM} is absent: install Debian's chromium (CI does) to run browser tests")


def test_the_leader_signs_with_the_pin_and_the_citizen_downloads_the_signed_certificate(browser, server, app,
                                                                                       settings, clock):
    code, leader = to_signing(app, browser, server, clock)
    leader.goto("/can-bo/cong-viec")
    waiting = leader.page.locator(f'li[data-signing="{code}"]')
    assert "Chờ ký số" in leader.page.inner_text("#to-sign-title") and "1/GCN-UBND" in waiting.inner_text()
    leader.shot("21-waiting-to-sign.png")
    leader.open_signing(code)
    with leader.page.expect_download() as preview:
        leader.page.locator("#preview").click()
    assert Path(preview.value.path()).read_bytes().startswith(b"%PDF")
    assert leader.page.locator("#pin").get_attribute("type") == "password"
    leader.page.get_by_label("Mã PIN của khóa ký số").fill("sai-ma-pin")
    leader.page.locator("#sign").click()
    assert "Mã PIN không đúng" in leader.page.locator("#error-summary").inner_text()
    leader.shot("22-wrong-pin.png")
    leader.sign(code)
    assert leader.page.locator(f'li[data-signing="{code}"]').count() == 0

    clerk = Person(browser, server, "demo.vanthu")
    clerk.act(code, "issue_result")  # the number the register gave, filled in
    desk = Person(browser, server, "demo.tiepnhan")
    desk.act(code, "return_result")

    citizen = Person(browser, server, CITIZEN)
    page = citizen.goto(f"/ca-nhan/ho-so/{code}")
    assert page.locator("#status").inner_text() == "Đã trả kết quả"
    with page.expect_download() as download:
        page.locator("a.result-link", has_text=f"ket-qua-{code}.pdf").click()
    content = Path(download.value.path()).read_bytes()
    checks: list = []
    in_thread(lambda: checks.extend(results.verify(settings, content, clock.now())))  # pyHanko's validator
    assert [(c.field, c.valid) for c in checks] == [(results.FIELD_PERSONAL, True),
                                                   (results.FIELD_ORGANISATION, True)]
    assert checks[0].signer == "Phạm Minh Lãnh"
    for person in (leader, clerk, desk, citizen):
        person.close()
