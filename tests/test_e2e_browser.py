"""End to end in a real browser: Debian's headless Chromium driven by Playwright, against the real app served
by werkzeug on 127.0.0.1 (SQLite copy of the demo database, FixedClock time).

A citizen files with an upload -> the receiving officer asks for a supplement -> the citizen supplements ->
the officer receives -> specialist proposes -> leader approves -> clerk issues -> the officer returns ->
the citizen downloads the result and rates it; then a second dossier reuses that result from the citizen's
store (no upload) and is withdrawn. Screenshots of the key pages go to tests/artifacts/.
Playwright never downloads a browser here: it drives /usr/bin/chromium (CI installs Debian's chromium).
"""
from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
from conftest import CITIZEN, PASSWORD, STEP_DATA
from sqlalchemy import select
from werkzeug.serving import make_server
from web_support import PDF, PNG

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason=f"{CHROMIUM} is absent: install Debian's chromium (CI does) to run browser tests")


@pytest.fixture
def backend():
    return "sqlite"


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def server(app):
    """The real app over HTTP on a free port of 127.0.0.1, in a thread, for the length of one test."""
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(timeout=10)


class Person:
    """One person's browser window (own cookies), signed in through the login form."""

    def __init__(self, browser, base: str, username: str | None = None, **context):
        self.base = base
        self.context = browser.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", **context)
        self.context.set_default_timeout(20_000)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("console", lambda msg: self.errors.append(msg.text)  # what the page's CSP blocked
                     if "Content Security Policy" in msg.text else None)
        if username:
            self.login(username)

    def goto(self, path: str):
        self.page.goto(self.base + path)
        return self.page

    def login(self, username: str) -> None:
        page = self.goto("/dang-nhap")
        page.get_by_label("Tên đăng nhập").fill(username)
        page.get_by_label("Mật khẩu").fill(PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()
        page.wait_for_selector(".flash-success")

    def shot(self, name: str, full_page: bool = True) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / name), full_page=full_page)

    def open_task(self, code: str) -> None:
        page = self.goto("/can-bo/cong-viec")
        page.locator(f'tr[data-dossier="{code}"] a').first.click()
        page.wait_for_selector("h1")

    def act(self, code: str, action: str, fill: dict[str, str] | None = None) -> None:
        self.open_task(code)
        page = self.page
        page.locator(f"#action-{action} > summary").click()
        form = page.locator(f"#form-{action}")
        for selector, value in (fill or {}).items():
            form.locator(selector).fill(value)
        form.locator("button[type=submit]").click()
        page.wait_for_selector(".flash-success")
        assert "Đã thực hiện" in page.locator(".flash-success").inner_text()

    def open_signing(self, code: str) -> None:
        """From the inbox's "Chờ ký số" list to the signing page of ``code``."""
        page = self.goto("/can-bo/cong-viec")
        page.locator(f'li[data-signing="{code}"] a').click()
        page.wait_for_selector("#sign")

    def sign(self, code: str, pin: str = PASSWORD) -> None:
        self.open_signing(code)
        self.page.get_by_label("Mã PIN của khóa ký số").fill(pin)
        self.page.locator("#sign").click()
        self.page.wait_for_selector(".flash-success")
        assert "Đã ký số" in self.page.locator(".flash-success").inner_text()

    def close(self) -> None:
        assert not self.errors, self.errors
        self.context.close()


def test_a_dossier_goes_from_filing_to_rating_in_the_browser(browser, server, app):
    citizen = Person(browser, server, CITIZEN)
    page = citizen.page
    assert page.url.endswith("/ca-nhan/ho-so")

    # the catalogue: search without accents, then the procedure
    citizen.goto("/thu-tuc")
    page.get_by_label("Tìm theo tên hoặc mã thủ tục").fill("ho kinh doanh")
    page.get_by_role("button", name="Tìm").click()
    page.get_by_role("link", name="Đăng ký thành lập hộ kinh doanh").click()
    # D27: "Một phần" while the agency has no payment gateway (tests/test_e2e_payments.py pays online)
    assert "Một phần" in page.inner_text("main") and "100.000 đ" in page.inner_text("main")
    citizen.shot("01-procedure.png")
    page.get_by_role("link", name="Nộp hồ sơ trực tuyến").click()

    # filing: the form comes from the JSON Schema; the server checks it and explains next to the field
    assert page.get_by_label("Số căn cước công dân").input_value() == CITIZEN  # auto-filled (D24)
    page.get_by_label("Tên hộ kinh doanh").fill("Tạp hóa Bình An")
    page.get_by_label("Địa chỉ trụ sở hộ kinh doanh").fill("12 Lê Lợi, phường Thuận Hóa, Huế")
    page.get_by_label("Ngành, nghề kinh doanh").fill("Bán lẻ hàng tạp hóa")
    page.get_by_label("Vốn kinh doanh (đồng)").fill("50.000.000")
    page.get_by_label("Số lượng lao động").fill("2")
    page.get_by_label("Số điện thoại (bắt buộc)").fill("12345")
    page.locator("#file-giay_de_nghi").set_input_files(
        {"name": "giay-de-nghi.pdf", "mimeType": "application/pdf", "buffer": PDF})
    page.get_by_role("button", name="Nộp hồ sơ").click()
    assert page.locator("#f-dien_thoai-error").inner_text().endswith("Gồm đúng 10 chữ số, bắt đầu bằng số 0")
    # focused once the page is rendered (as the autofocus below): waited for, with a deadline, not read at once
    page.wait_for_function("document.activeElement && document.activeElement.id === 'error-summary'", timeout=10000)
    citizen.shot("02-filing-errors.png")
    page.get_by_label("Số điện thoại (bắt buộc)").fill("0912345678")
    # the file chosen before the refusal is kept, ticked: not chosen again (engine.cases.held_uploads)
    assert page.get_by_label("Giữ tệp đã chọn: giay-de-nghi.pdf", exact=False).is_checked()
    page.get_by_role("button", name="Nộp hồ sơ").click()
    code = page.locator("#dossier-code").inner_text()
    assert re.fullmatch(r"000\.00\.06\.H56-261123-\d{4}", code)
    assert page.locator("#intake-due").inner_text() == "23/11/2026 10:00"
    citizen.shot("03-receipt.png")

    # the receiving officer: inbox (amber: due within the hour), claim, itemised supplement request
    desk = Person(browser, server, "demo.tiepnhan")
    desk.goto("/can-bo/cong-viec")
    row = desk.page.locator(f'tr[data-dossier="{code}"]')
    assert "row-at_risk" in row.get_attribute("class") and "còn 1 giờ làm việc" in row.inner_text()
    desk.shot("04-inbox.png")
    phone_desk = Person(browser, server, "demo.tiepnhan", viewport={"width": 390, "height": 844})
    phone_desk.goto("/can-bo/cong-viec")
    assert phone_desk.page.evaluate("document.documentElement.scrollWidth") <= 390
    phone_desk.shot("11-phone-inbox.png", full_page=False)
    desk.open_task(code)
    desk.page.get_by_role("button", name="Nhận xử lý").click()
    desk.page.wait_for_selector(".flash-success")
    desk.page.locator("#diagram-section > summary").click()
    desk.page.wait_for_selector('#bpmn-canvas[data-ready="1"]')
    assert desk.page.locator(".current-step").count() >= 1  # the current step is highlighted
    desk.shot("05-task-with-diagram.png")
    desk.act(code, "request_supplement", {"#items-0-component": "Giấy đề nghị đăng ký hộ kinh doanh",
                                          "#items-0-problem": "Thiếu chữ ký của chủ hộ",
                                          "#items-0-required": "Ký và tải lên lại bản có chữ ký"})

    # the citizen sees the items and answers them
    citizen.goto(f"/ca-nhan/ho-so/{code}")
    assert "Thiếu chữ ký của chủ hộ" in page.inner_text("#supplement-title + p + .table-wrap")
    citizen.shot("06-supplement-request.png")
    page.locator("#file-giay_de_nghi").set_input_files(
        {"name": "giay-de-nghi-da-ky.pdf", "mimeType": "application/pdf", "buffer": PDF + b"%signed\n"})
    page.locator("#file-giay_to_phap_ly_chu_ho").set_input_files(
        {"name": "cccd.png", "mimeType": "image/png", "buffer": PNG})
    page.get_by_label("Ghi chú cho cán bộ").fill("Đã ký và bổ sung bản CCCD")
    page.get_by_role("button", name="Gửi hồ sơ bổ sung").click()
    page.wait_for_selector(".flash-success")
    assert page.locator("#status").inner_text() == "Mới đăng ký"

    # a second supplement request is refused by D10 and the page offers the reasons of D11
    desk.open_task(code)
    desk.page.locator("#action-request_supplement > summary").click()
    desk.page.locator("#items-0-component").fill("Bản sao giấy tờ pháp lý của cá nhân đối với chủ hộ kinh doanh")
    desk.page.locator("#items-0-problem").fill("Ảnh mờ")
    desk.page.locator("#items-0-required").fill("Chụp lại rõ nét")
    desk.page.locator("#form-request_supplement button[type=submit]").click()
    assert "(theo Điều 11 Nghị định 118/2025/NĐ-CP)" in desk.page.locator("#error-summary").inner_text()
    assert desk.page.locator("#second-reason").is_visible() and desk.page.locator("#reason-other").is_visible()
    desk.shot("12-rule-refusal-d10.png")

    # intake, assessment, approval, signing, return
    desk.act(code, "receive")
    specialist = Person(browser, server, "demo.chuyenvien")
    specialist.act(code, "propose_approval", {"#propose_approval-y_kien_tham_dinh": "Hồ sơ đủ điều kiện"})
    leader = Person(browser, server, "demo.lanhdao")
    leader.act(code, "approve", {"#approve-y_kien_phe_duyet": "Đồng ý cấp"})
    leader.sign(code)  # "Chờ ký số": the leader signs with their own PIN (D35)
    clerk = Person(browser, server, "demo.vanthu")
    clerk.act(code, "issue_result")  # the number the register gave, filled in
    desk.act(code, "return_result")

    # the citizen downloads the result and rates the service
    citizen.goto(f"/ca-nhan/ho-so/{code}")
    assert page.locator("#status").inner_text() == "Đã trả kết quả"
    with page.expect_download() as download:
        page.locator("a.result-link").first.click()
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
    page.get_by_label("5 — Rất hài lòng").check()
    page.get_by_label("Góp ý (không bắt buộc)").fill("Nhanh và rõ ràng")
    page.get_by_role("button", name="Gửi đánh giá").click()
    page.wait_for_selector(".flash-success")
    assert "Bạn đã đánh giá 5/5" in page.inner_text("main")
    citizen.shot("07-returned-and-rated.png")

    # the public lookup shows status and dates only
    visitor = Person(browser, server)
    visitor.goto(f"/tra-cuu?q={code}")
    assert "Đã trả kết quả" in visitor.page.inner_text("table") and "Nguyễn Văn An" not in visitor.page.content()
    visitor.shot("08-lookup.png")

    # a phone-width screen: no sideways scrolling
    phone = Person(browser, server, CITIZEN, viewport={"width": 390, "height": 844}, is_mobile=True,
                   has_touch=True, device_scale_factor=2)
    phone.goto(f"/ca-nhan/ho-so/{code}")
    assert phone.page.evaluate("document.documentElement.scrollWidth") <= 390
    phone.shot("09-phone-390x844.png", full_page=False)
    for person in (citizen, desk, specialist, leader, clerk, visitor, phone, phone_desk):
        person.close()


def test_a_second_dossier_reuses_the_result_from_the_store_and_is_withdrawn(browser, server, app, api):
    from engine.data.model import Document, Dossier

    # A first dossier with its signed result, through the API (fast), in this thread where Playwright's loop runs:
    # the signatures and their verification run outside it (engine.core.loops)
    first = [api.file(CITIZEN)["code"]]
    for user, action in (("demo.tiepnhan", "receive"), ("demo.chuyenvien", "propose_approval"),
                         ("demo.lanhdao", "approve"), ("demo.vanthu", "issue_result")):
        api.act(user, first[0], action, STEP_DATA.get(action))

    def documents(code: str, kind: str) -> list:
        with app.extensions["tthc"]["sessions"]() as session:
            return list(session.scalars(select(Document).join(Dossier, Dossier.id == Document.dossier_id)
                                        .where(Dossier.code == code, Document.kind == kind)))

    result = documents(first[0], "result")[0]
    citizen = Person(browser, server, CITIZEN)
    page = citizen.goto("/thu-tuc/1.001612/nop")
    page.get_by_label("Tên hộ kinh doanh").fill("Tạp hóa Bình An 2")
    page.get_by_label("Địa chỉ trụ sở hộ kinh doanh").fill("14 Lê Lợi, phường Thuận Hóa, Huế")
    page.get_by_label("Ngành, nghề kinh doanh").fill("Bán lẻ hàng tạp hóa")
    page.get_by_label("Vốn kinh doanh (đồng)").fill("80.000.000")
    page.get_by_label("Số lượng lao động").fill("3")
    choice = page.get_by_label("Dùng giấy tờ đã có — Giấy đề nghị đăng ký hộ kinh doanh")
    assert "✓ ký số hợp lệ: Phạm Minh Lãnh" in choice.locator(f'option[value="{result.id}"]').inner_text()
    choice.select_option(str(result.id))  # no file chosen: the stored result is attached instead
    choice.scroll_into_view_if_needed()
    citizen.shot("13-filing-reuse-from-store.png", full_page=False)
    page.get_by_role("button", name="Nộp hồ sơ").click()
    code = page.locator("#dossier-code").inner_text()
    assert [d.sha256 for d in documents(code, "filing")] == [result.sha256]

    citizen.goto(f"/ca-nhan/ho-so/{code}")
    assert "Chữ ký số hợp lệ — người ký: Phạm Minh Lãnh" in page.inner_text("main")
    page.locator("#withdraw-section > summary").click()
    page.get_by_label("Lý do rút hồ sơ").fill("Tôi muốn đổi ngành nghề rồi nộp lại")
    page.get_by_label("Tôi xác nhận rút hồ sơ").check()
    page.get_by_role("button", name="Rút hồ sơ", exact=True).click()
    page.wait_for_selector(".flash-success")
    assert page.locator("#status").inner_text() == "Công dân yêu cầu rút hồ sơ"
    assert "Thông báo dừng giải quyết hồ sơ" in page.locator("a.result-link").last.inner_text()
    assert page.locator("#form-withdraw").count() == 0
    citizen.shot("14-withdrawn.png")
    citizen.close()


def test_the_skip_link_and_signing_in_with_the_keyboard_only(browser, server):
    person = Person(browser, server)
    page = person.goto("/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    page.wait_for_function("location.hash === '#main'", timeout=10000)  # the jump, once the key is handled
    assert page.url.endswith("#main")
    page = person.goto("/dang-nhap")
    # autofocus: the browser focuses at a rendering step after the page loads (HTML, "flush autofocus
    # candidates"), so the test waits for it, with a deadline; read at once, a loaded machine saw no focus yet
    page.wait_for_function("document.activeElement && document.activeElement.id === 'username'", timeout=10000)
    page.keyboard.type(CITIZEN)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "password"
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_selector(".flash-success")
    assert page.url.endswith("/ca-nhan/ho-so")
    person.close()


def test_the_english_pages(browser, server):
    person = Person(browser, server, "demo.tiepnhan")
    person.goto("/can-bo/cong-viec")
    person.page.get_by_role("button", name="English").click()
    person.page.wait_for_selector('html[lang="en"]')
    assert "Inbox" in person.page.inner_text("h1")
    person.shot("10-inbox-english.png")
    person.close()
