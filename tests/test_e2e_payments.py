"""End to end in a real browser (Debian's headless Chromium, as tests/test_e2e_browser.py): a citizen files, the
one-stop receives, the citizen is told to pay the intake fee, pays on the gateway simulator (its own server on
127.0.0.1 speaking VNPay's signed protocol, which notifies the engine), and sees the status move on and the
e-receipt appear. Screenshots go to tests/artifacts/.
"""
from __future__ import annotations

import re

import pytest
from payment_support import configure
from test_e2e_browser import Person, backend, browser, pytestmark, server  # noqa: F401 (fixtures, skip mark)
from web_support import PDF

from engine.web import paysim

CITIZEN = "001099000001"


@pytest.fixture
def gateway(app, server, settings):
    """The simulator on a free port of 127.0.0.1; the demo agency takes its fees through it."""
    sim = paysim.Simulator(settings.payment_secret, f"{server}/api/v1/payments/vnpay/ipn")
    with paysim.Running(sim) as running:
        configure(app, "vnpay", running.pay_url)
        yield running


def _file(citizen: Person, agency: str | None = None) -> str:
    """File the sample at ``agency`` (chosen on the page when several agencies offer it)."""
    page = citizen.goto("/thu-tuc/1.001612/nop")
    if agency is not None:
        page.locator("#agency").select_option(agency)
    page.get_by_label("Tên hộ kinh doanh").fill("Tạp hóa Bình An")
    page.get_by_label("Địa chỉ trụ sở hộ kinh doanh").fill("12 Lê Lợi, phường Thuận Hóa, Huế")
    page.get_by_label("Ngành, nghề kinh doanh").fill("Bán lẻ hàng tạp hóa")
    page.get_by_label("Vốn kinh doanh (đồng)").fill("50.000.000")
    page.get_by_label("Số lượng lao động").fill("2")
    page.get_by_label("Số điện thoại (bắt buộc)").fill("0912345678")
    page.locator("#file-giay_de_nghi").set_input_files(
        {"name": "giay-de-nghi.pdf", "mimeType": "application/pdf", "buffer": PDF})
    page.get_by_role("button", name="Nộp hồ sơ").click()
    return page.locator("#dossier-code").inner_text()


def test_a_citizen_pays_the_fee_on_the_gateway_and_gets_the_receipt(browser, server, gateway):  # noqa: F811
    citizen = Person(browser, server, CITIZEN)
    page = citizen.page
    citizen.goto("/thu-tuc/1.001612")
    assert "Toàn trình" in page.inner_text("main")  # D27: the agency now takes the fee online
    code = _file(citizen)
    assert re.fullmatch(r"000\.00\.06\.H56-261123-\d{4}", code)

    desk = Person(browser, server, "demo.tiepnhan")
    desk.act(code, "receive")

    citizen.goto(f"/ca-nhan/ho-so/{code}")
    assert "Yêu cầu thực hiện nghĩa vụ tài chính" in page.inner_text("#status")
    assert "Chờ thanh toán" in page.inner_text("#payment-state") and "100.000 đ" in page.inner_text("#payment-state")
    citizen.shot("21-payment-due.png")
    page.get_by_role("button", name="Thanh toán trực tuyến").click()

    page.wait_for_selector("#order")  # the simulator's page: the order and its amount
    assert page.url.startswith(gateway.url) and "100.000 đ" in page.inner_text("#amount")
    citizen.shot("22-gateway.png")
    page.get_by_role("button", name="Thanh toán", exact=True).click()

    page.wait_for_selector(".flash-success")  # back on the portal, after the IPN
    assert page.url.startswith(f"{server}/ca-nhan/ho-so/{code}")
    assert "Đã nhận thanh toán" in page.inner_text(".flash-success")
    assert "Đang xử lý" in page.inner_text("#status")
    assert page.locator("#payment-state").count() == 0
    assert "Đã thanh toán" in page.inner_text("#payments") and "Trực tuyến" in page.inner_text("#payments")
    with page.expect_download() as download:
        page.locator("#payments .receipt-link").click()
    assert download.value.suggested_filename.startswith(f"bien-lai-{code}")
    citizen.shot("23-paid-with-receipt.png")
    assert gateway.sim.ipn_answers == [{"RspCode": "00", "Message": "Confirm Success"}]
    citizen.close()
    desk.close()


def test_a_cancelled_payment_keeps_the_fee_owed(browser, server, gateway):  # noqa: F811
    citizen = Person(browser, server, CITIZEN)
    page = citizen.page
    code = _file(citizen)
    desk = Person(browser, server, "demo.tiepnhan")
    desk.act(code, "receive")
    citizen.goto(f"/ca-nhan/ho-so/{code}")
    page.get_by_role("button", name="Thanh toán trực tuyến").click()
    page.get_by_role("button", name="Hủy").click()
    page.wait_for_selector(".flash-error")
    assert "Thanh toán chưa thành công" in page.inner_text(".flash-error")
    assert "Chờ thanh toán" in page.inner_text("#payment-state")
    assert "Yêu cầu thực hiện nghĩa vụ tài chính" in page.inner_text("#status")
    citizen.close()
    desk.close()
