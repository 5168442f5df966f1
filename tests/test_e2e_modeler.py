"""End to end in headless Chromium: an administrator opens the modeler on version 1, selects a task, gives it
a duration in our properties panel, sees the server check say ok, saves, and sees version 2 listed with the
duration change."""
from __future__ import annotations

import pytest

from conftest import SAMPLE_CODE
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
