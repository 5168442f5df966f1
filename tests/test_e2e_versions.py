"""End to end in headless Chromium: an administrator uploads a BPMN file with a problem, sees the problem with
its file and line, uploads the corrected file, deploys it and sees version 2 with what changed."""
from __future__ import annotations

import pytest

from conftest import SAMPLE_CODE
from test_e2e_browser import ARTIFACTS, Person, browser, server  # noqa: F401  (fixtures)
from test_versions import variant

pytestmark = pytest.mark.skipif(not __import__("pathlib").Path("/usr/bin/chromium").exists(),
                                reason="/usr/bin/chromium is absent: install Debian's chromium to run browser tests")


@pytest.fixture
def backend():
    return "sqlite"


def test_upload_see_the_problem_fix_deploy_and_see_version_2(browser, server, tmp_path):  # noqa: F811
    broken, fixed = tmp_path / "broken" / "ho-kinh-doanh.bpmn", tmp_path / "fixed" / "ho-kinh-doanh.bpmn"
    for path, text in ((broken, variant(duration="-2")), (fixed, variant(duration="5"))):
        path.parent.mkdir()
        path.write_text(text, encoding="utf-8")
    line = next(n for n, row in enumerate(variant().splitlines(), 1) if "<bpmn:process " in row)
    admin = Person(browser, server, "demo.admin")
    page = admin.goto("/quan-tri/thu-tuc")
    assert page.locator(f"tr[data-procedure='{SAMPLE_CODE}']").count() == 1
    page.get_by_role("link", name="Tải lên quy trình BPMN").click()
    page.get_by_label("Tệp BPMN").set_input_files(str(broken))
    page.get_by_role("button", name="Kiểm tra").click()
    problem = page.locator("li.problem").first
    assert f"ho-kinh-doanh.bpmn:{line}" in problem.inner_text() and "duration" in problem.inner_text()
    page.get_by_label("Tệp BPMN").set_input_files(str(fixed))
    page.get_by_role("button", name="Kiểm tra").click()
    assert "Không có lỗi" in page.locator("section.checked").inner_text()
    # the checked file is deployed as it was checked: a browser never keeps a chosen file across the page load
    page.get_by_role("button", name="Triển khai tệp vừa kiểm tra").click()
    page.wait_for_url(f"**/quan-tri/thu-tuc/{SAMPLE_CODE}")
    newest = page.locator("section.version").first
    assert newest.get_attribute("data-version") == "2" and newest.get_attribute("data-state") == "active"
    assert "Đổi thời hạn giải quyết" in newest.inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "admin-versions.png"), full_page=True)
    assert not admin.errors, admin.errors
