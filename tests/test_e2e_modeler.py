"""End to end in headless Chromium: an administrator opens the modeler on version 1, selects a task, gives it
a duration in our properties panel, sees the server check say ok, saves, and sees version 2 listed with the
duration change."""
from __future__ import annotations

import pytest

from conftest import PASSWORD, SAMPLE_CODE
from test_e2e_browser import ARTIFACTS, Person, browser, server  # noqa: F401  (fixtures)

pytestmark = pytest.mark.skipif(not __import__("pathlib").Path("/usr/bin/chromium").exists(),
                                reason="/usr/bin/chromium is absent: install Debian's chromium to run browser tests")


@pytest.fixture
def backend():
    return "sqlite"


def test_modeler_changes_a_step_duration_and_saves_version_2(browser, server):  # noqa: F811
    admin = Person(browser, server, "demo.admin")
    page = admin.goto(f"/quan-tri/thu-tuc/{SAMPLE_CODE}")
    page.locator("section.version[data-version='1']").get_by_role("link", name="Mở trình thiết kế").click()
    page.wait_for_selector("#modeler[data-ready='1']")
    page.wait_for_selector("#model-check-status[data-state='ok']")  # the stored model checks clean
    assert page.locator("#proc-code").input_value() == SAMPLE_CODE  # nothing selected: the process
    page.locator(".djs-element[data-element-id='tham_dinh']").click()
    page.wait_for_selector("#modeler-panel[data-element='tham_dinh']")
    assert page.locator("#prop-step").input_value() == "assessment"
    page.locator("#prop-duration").fill("-1")
    page.wait_for_selector("#model-check-status[data-state='problems']")
    assert "tham_dinh" in page.locator("#model-check-problems").inner_text()
    page.locator("#prop-duration").fill("2")
    page.locator("#prop-duration-unit").select_option("working_day")
    page.wait_for_selector("#model-check-status[data-state='ok']")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "modeler.png"), full_page=True)
    page.locator(".djs-element[data-element-id='Participant_ho_kinh_doanh']").click(position={"x": 10, "y": 10})
    page.wait_for_selector("#modeler-panel[data-element='Participant_ho_kinh_doanh']")
    assert page.locator("#fee-key-0").input_value() == "le_phi"  # the process's properties, its fee lines
    fee = page.locator("#fee-value-0")
    fee.fill(fee.input_value().replace("100000", "150000"))
    page.wait_for_selector("#model-check-status[data-state='ok']")
    page.locator("#modeler-save").click()
    page.wait_for_url(f"**/quan-tri/thu-tuc/{SAMPLE_CODE}")
    newest = page.locator("section.version").first
    assert newest.get_attribute("data-version") == "2"
    change = newest.locator("li[data-kind='duration_changed']")
    assert "tham_dinh" in change.inner_text() and "2 ngày làm việc" in change.inner_text()
    assert "le_phi" in newest.locator("li[data-kind='fee_changed']").inner_text()
    assert not admin.errors, admin.errors


def test_dossier_diagram_zooms_and_draws_the_current_step_and_the_path_taken(browser, server, api):  # noqa: F811
    code = api.file()["code"]
    api.act("demo.tiepnhan", code, "receive")  # intake passed: the assessment is the current step
    desk = Person(browser, server, "demo.tiepnhan")
    page = desk.goto(f"/can-bo/ho-so/{code}")
    page.locator("#diagram-section > summary").click()
    page.wait_for_selector('#bpmn-canvas[data-ready="1"]')
    assert page.locator(".djs-element.current-step[data-element-id='tham_dinh']").count() == 1
    assert page.locator(".djs-element.done-step[data-element-id='tiep_nhan']").count() == 1
    assert page.locator(".djs-connection.taken-flow").count() >= 2
    assert page.locator(".taken-flow[data-element-id='Flow_vao_tham_dinh']").count() == 1  # into the current step
    assert page.locator("ol.steps li.done").count() >= 1  # the list says it too
    viewport = page.locator("#bpmn-canvas svg g.viewport").first
    before = viewport.get_attribute("transform")
    page.get_by_role("button", name="Phóng to").click()
    page.wait_for_function("b => document.querySelector('#bpmn-canvas svg g.viewport')"
                           ".getAttribute('transform') !== b", arg=before)
    page.get_by_role("button", name="Mở rộng toàn màn hình").click()
    assert page.locator("#diagram-section.wide").count() == 1
    width = page.evaluate("document.getElementById('bpmn-canvas').getBoundingClientRect().width")
    assert width > page.viewport_size["width"] * 0.9
    page.get_by_role("button", name="Vừa khung").click()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dossier-diagram.png"))
    assert not desk.errors, desk.errors


def test_modeler_warns_of_what_it_would_drop(browser, server, app):  # noqa: F811
    from test_modeler import stored_xml
    from web_support import new_client

    xml = stored_xml(app)
    at = xml.index("</spiffworkflow:properties>", xml.index('id="tham_dinh"')) + len("</spiffworkflow:properties>")
    xml = (xml[:at] + "<spiffworkflow:unitTests />"
           "<spiffworkflow:instructionsForEndUser>Đọc kỹ &amp; ký</spiffworkflow:instructionsForEndUser>" + xml[at:])
    new_client(app).login("demo.admin").post(f"/quan-tri/thu-tuc/{SAMPLE_CODE}/mo-hinh?version=1",
                                             {"xml": xml}, status=302)
    admin = Person(browser, server, "demo.admin")
    page = admin.goto(f"/quan-tri/thu-tuc/{SAMPLE_CODE}/mo-hinh?version=2")
    page.wait_for_selector("#modeler[data-ready='1']")
    assert "unitTests" in page.locator("#modeler-warnings").inner_text()
    assert "instructionsForEndUser" not in page.locator("#modeler-warnings").inner_text()  # it is kept
    saved = page.evaluate("window.tthcModeler.saveXML().then(function (r) { return r.xml; })")
    assert "<spiffworkflow:instructionsForEndUser>Đọc kỹ &amp; ký</spiffworkflow:instructionsForEndUser>" in saved


def _open_modeler(admin) -> object:
    page = admin.goto(f"/quan-tri/thu-tuc/{SAMPLE_CODE}/mo-hinh?version=1")
    page.wait_for_selector("#modeler[data-ready='1']")
    page.wait_for_selector("#model-check-status[data-state='ok']")
    return page


def _give_assessment_a_duration(page, days: str) -> None:
    if page.locator("#modeler-panel").get_attribute("data-element") != "tham_dinh":
        page.locator(".djs-element[data-element-id='tham_dinh']").click()
        page.wait_for_selector("#modeler-panel[data-element='tham_dinh']")
    page.locator("#prop-duration").fill(days)
    page.locator("#prop-duration-unit").select_option("working_day")


def _alert_says(page, start: str) -> str:
    page.wait_for_function("s => { var a = document.getElementById('modeler-alert');"
                           " return !a.hidden && a.textContent.indexOf(s) === 0; }", arg=start)
    return page.locator("#modeler-alert").inner_text()


def test_modeler_tells_an_expired_session_keeps_the_edits_and_saves_them_after_signing_in(browser, server):  # noqa: F811
    admin = Person(browser, server, "demo.admin")
    page = _open_modeler(admin)
    admin.context.clear_cookies()  # the server restarted with another secret: the page's token is worth nothing
    _give_assessment_a_duration(page, "2")
    page.wait_for_selector("#model-check-status[data-state='expired']")
    told = _alert_says(page, "Không kiểm tra được mô hình. Phiên làm việc đã hết hạn. Hãy tải lại trang rồi thử lại.")
    assert "Mô hình bạn đang sửa vẫn còn trên trang và được giữ trên trình duyệt này" in told
    page.locator("#modeler-save").click()
    told = _alert_says(page, "Chưa lưu được mô hình. Phiên làm việc đã hết hạn. Hãy tải lại trang rồi thử lại.")
    assert page.url.endswith(f"/quan-tri/thu-tuc/{SAMPLE_CODE}/mo-hinh?version=1")  # no error page: still editing
    assert page.locator("#prop-duration").input_value() == "2"
    admin.shot("modeler-session-expired.png")
    page.locator("#modeler-reload").click()  # reload: the login page, then back to the modeler
    page.wait_for_url(lambda url: "/dang-nhap?next=" in url)
    page.get_by_label("Tên đăng nhập").fill("demo.admin")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_selector("#modeler[data-ready='1']")
    assert "Đã mở lại mô hình bạn đang sửa dở" in page.locator("#modeler-draft").inner_text()
    page.wait_for_selector("#model-check-status[data-state='ok']")
    page.locator(".djs-element[data-element-id='tham_dinh']").click()
    assert page.locator("#prop-duration").input_value() == "2"  # the edit survived the reload and the login
    page.locator("#modeler-save").click()
    page.wait_for_url(f"**/quan-tri/thu-tuc/{SAMPLE_CODE}")
    newest = page.locator("section.version").first
    assert newest.get_attribute("data-version") == "2"
    assert "2 ngày làm việc" in newest.locator("li[data-kind='duration_changed']").inner_text()
    page = _open_modeler(admin)  # saved: nothing is kept any more
    assert page.locator("#modeler-draft").count() == 0
    assert not admin.errors, admin.errors


def test_modeler_says_in_the_servers_words_why_a_check_or_a_save_was_refused(browser, server, app, clock):  # noqa: F811
    from sqlalchemy import update
    from engine.data.model import User

    admin = Person(browser, server, "demo.admin")
    page = _open_modeler(admin)
    page.route("**/mo-hinh/kiem-tra*", lambda route: route.abort())  # the network is down
    _give_assessment_a_duration(page, "3")
    page.wait_for_selector("#model-check-status[data-state='error']")
    _alert_says(page, "Không kiểm tra được mô hình. Không kết nối được máy chủ. Hãy kiểm tra kết nối mạng rồi thử lại.")
    page.unroute("**/mo-hinh/kiem-tra*")
    page.route("**/mo-hinh/kiem-tra*", lambda route: route.fulfill(  # the WSGI server's refusal, as HTML
        status=413, content_type="text/html", body="<html><body>Request Entity Too Large</body></html>"))
    _give_assessment_a_duration(page, "4")
    _alert_says(page, "Không kiểm tra được mô hình. Dữ liệu hoặc tệp gửi lên quá lớn (tối đa 10 MB mỗi lần gửi).")
    page.unroute("**/mo-hinh/kiem-tra*")
    _give_assessment_a_duration(page, "-1")
    page.wait_for_selector("#model-check-status[data-state='problems']")
    assert page.locator("#modeler-alert").is_hidden()  # the server answered: its verdict, no alarm
    page.locator("#modeler-save").click()
    _alert_says(page, "Chưa lưu được mô hình. Hãy sửa các lỗi máy chủ đã chỉ ra rồi lưu lại.")
    assert "tham_dinh" in page.locator("#model-check-problems").inner_text()
    _give_assessment_a_duration(page, "2")
    page.wait_for_selector("#model-check-status[data-state='ok']")
    with app.extensions["tthc"]["sessions"].begin() as session:  # no longer an administrator, meanwhile
        session.execute(update(User).where(User.username == "demo.admin").values(roles_text="receiving_officer"))
    page.locator("#modeler-save").click()
    _alert_says(page, "Chưa lưu được mô hình. Bạn không có quyền thực hiện thao tác này.")
    assert page.url.endswith("/mo-hinh?version=1") and page.locator("#prop-duration").input_value() == "2"
    clock.advance(hours=9)  # then the page stays open past the session's 8 hours
    _give_assessment_a_duration(page, "5")
    page.wait_for_selector("#model-check-status[data-state='expired']")
    _alert_says(page, "Không kiểm tra được mô hình. Phiên làm việc đã hết hạn hoặc bạn đã đăng xuất. "
                      "Hãy tải lại trang, đăng nhập lại rồi thử lại.")
    assert page.locator("#modeler-reload").is_visible()
    assert not admin.errors, admin.errors


def test_dossier_diagram_says_why_it_cannot_be_drawn(browser, server, api, clock):  # noqa: F811
    code = api.file()["code"]
    desk = Person(browser, server, "demo.tiepnhan")
    page = desk.goto(f"/can-bo/ho-so/{code}")
    page.route("**/quy-trinh.bpmn", lambda route: route.abort())  # the network is down
    page.locator("#diagram-section > summary").click()
    page.wait_for_selector('#bpmn-canvas[data-ready="error"]')
    assert page.locator("#bpmn-canvas").inner_text() == (
        "Không hiển thị được sơ đồ; xem danh sách các bước. Không kết nối được máy chủ. "
        "Hãy kiểm tra kết nối mạng rồi thử lại.")
    page.unroute("**/quy-trinh.bpmn")
    page = desk.goto(f"/can-bo/ho-so/{code}")
    clock.advance(hours=9)  # the page stays open past the session's 8 hours; then the diagram is opened
    page.locator("#diagram-section > summary").click()
    page.wait_for_selector('#bpmn-canvas[data-ready="error"]')
    assert page.locator("#bpmn-canvas").inner_text() == (
        "Không hiển thị được sơ đồ; xem danh sách các bước. Phiên làm việc đã hết hạn hoặc bạn đã đăng xuất. "
        "Hãy tải lại trang, đăng nhập lại rồi thử lại. Không có gì được thay đổi.")
    assert not desk.errors, desk.errors
