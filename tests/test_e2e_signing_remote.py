"""In a real browser (Debian's headless Chromium): a leader whose key a remote signing service holds (CSC API)
approves, chooses to sign, sees "Chờ xác nhận", confirms on the service's page (what their phone shows), signs
again and the request completes with a valid signature made by that service's key (D35). A leader whose key is
on a PKCS#11 token (SoftHSM2) signs with the token's PIN."""
from __future__ import annotations

from pathlib import Path

import pytest
from device_support import TOKEN, TOKEN_PIN, softhsm_token
from signing_support import in_thread, remote_leader, to_signing, use_method
from sqlalchemy import select
from test_e2e_browser import CHROMIUM, Person
from test_e2e_browser import backend, browser, server  # noqa: F401,F811 (fixtures)

from engine.paperwork import documents, results

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason=f"{CHROMIUM} is absent: install Debian's chromium (CI does) to run browser tests")


def _to_signature(app, browser, server, clock) -> tuple[str, Person]:
    code, leader = to_signing(app, browser, server, clock)
    leader.open_signing(code)
    return code, leader


def _signed_by(app, settings, clock, code: str) -> list:
    with app.extensions["tthc"]["sessions"]() as session:
        from engine.data.model import Document, Dossier
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        doc = session.scalar(select(Document).where(Document.dossier_id == dossier.id,
                                                    Document.kind == "result_draft", Document.state == "signed"))
        content = documents.read(settings.data_dir, doc)
    checks: list = []
    in_thread(lambda: checks.extend(results.verify(settings, content, clock.now())))
    return [(c.field, c.signer, c.valid) for c in checks]


def test_remote_signing_waits_for_the_confirmation_on_the_signers_device(browser, server, app, settings, clock):
    with remote_leader(app, settings, clock) as services:
        code, leader = _to_signature(app, browser, server, clock)
        assert leader.page.locator("#pin").count() == 0  # the service asks the signer, not this page
        leader.page.locator("#sign").click()
        assert "Chờ xác nhận" in leader.page.locator(".flash-info").inner_text()
        leader.shot("31-remote-waiting.png")
        leader.page.locator("#sign").click()  # asked again before the answer: still waiting, nothing signed
        assert "Chờ xác nhận" in leader.page.locator(".flash-info").inner_text()

        phone = leader.context.new_page()
        phone.goto(f"{services.url}/csc/xac-nhan")
        assert "Xác nhận ký số" in phone.inner_text("h1")
        request = phone.locator("section.yeu-cau")
        assert request.count() == 1 and code in request.inner_text() and "Phạm Minh Lãnh" in request.inner_text()
        phone.screenshot(path=str(Path(__file__).resolve().parent / "artifacts" / "32-remote-confirm.png"))
        request.get_by_role("button", name="Đồng ý").click()
        assert "Đã đồng ý ký" in phone.inner_text("body")

        leader.page.locator("#sign").click()
        leader.page.wait_for_selector(".flash-success")
        assert "Đã ký số" in leader.page.locator(".flash-success").inner_text()
        assert leader.page.locator(f'li[data-signing="{code}"]').count() == 0
        assert _signed_by(app, settings, clock, code) == [(results.FIELD_PERSONAL, "Phạm Minh Lãnh", True)]
        leader.close()


def test_remote_signing_refused_on_the_device_leaves_the_request_waiting(browser, server, app, settings, clock):
    with remote_leader(app, settings, clock) as services:
        code, leader = _to_signature(app, browser, server, clock)
        leader.page.locator("#sign").click()
        phone = leader.context.new_page()
        phone.goto(f"{services.url}/csc/xac-nhan")
        phone.locator("section.yeu-cau").get_by_role("button", name="Từ chối").click()
        leader.page.locator("#sign").click()
        assert "từ chối" in leader.page.locator("#error-summary").inner_text()
        assert leader.page.locator("#signing-state").inner_text() == "Chờ ký số"
        leader.close()


def test_a_leader_signs_with_the_pin_of_a_pkcs11_token(browser, server, app, settings, clock, tmp_path):
    pki = results.pki(settings)
    module = softhsm_token(tmp_path / "hsm", pki, clock.now(), {"demo.lanhdao": ("Phạm Minh Lãnh", "UBND")})
    use_method(app, "demo.lanhdao", {"kind": "pkcs11", "module": module, "token": TOKEN, "key": "demo.lanhdao"},
         clock.now())
    code, leader = _to_signature(app, browser, server, clock)
    leader.page.get_by_label("Mã PIN của khóa ký số").fill("000000")
    leader.page.locator("#sign").click()
    assert "Mã PIN của thiết bị ký số không đúng" in leader.page.locator("#error-summary").inner_text()
    leader.page.get_by_label("Mã PIN của khóa ký số").fill(TOKEN_PIN)
    leader.page.locator("#sign").click()
    leader.page.wait_for_selector(".flash-success")
    assert _signed_by(app, settings, clock, code) == [(results.FIELD_PERSONAL, "Phạm Minh Lãnh", True)]
    leader.close()
