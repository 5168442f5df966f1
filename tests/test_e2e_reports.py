"""Done when (issue 15): a leader opens the statistics page in a real browser (Debian's headless Chromium driven
by Playwright) and sees the charts and the table for their agency and a month with concrete dossiers (March 2027
of tests/test_statistics.py: early, on time, late, paused by a supplement, pending overdue, online by an
officer), downloads the XLSX, and the workbook's totals equal the API's JSON. Screenshots go to tests/artifacts/.
"""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from test_e2e_browser import ARGS, ARTIFACTS, CHROMIUM, Person, server  # noqa: F401 - fixtures
from test_statistics import EXPECTED, database_url, march, pki_2027, settings  # noqa: F401 - March 2027

LEADER = "demo.lanhdao"

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason=f"{CHROMIUM} is absent: install Debian's chromium (CI does) to run browser tests")


@pytest.fixture
def backend():
    return "sqlite"


@pytest.fixture
def browser(march):
    """Chromium, started after March's dossiers are made (their signatures would run outside Playwright's event
    loop anyway: engine.core.loops)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield chromium
        chromium.close()


def test_a_leader_sees_the_months_charts_and_table_and_the_xlsx_has_the_apis_totals(browser, server, api, march):
    leader = Person(browser, server, LEADER, accept_downloads=True)
    page = leader.page
    page.get_by_role("link", name="Thống kê", exact=True).click()
    page.wait_for_selector("h1")
    page.get_by_label("Tháng", exact=True).fill("2027-03")
    page.get_by_role("button", name="Xem thống kê").click()
    page.wait_for_selector("#counters")
    assert "01/03/2027" in page.inner_text(".lead") and "31/03/2027" in page.inner_text(".lead")

    # the charts: three SVG images, each named by its title, each with the table of its numbers beside it
    titles = page.eval_on_selector_all('svg[role="img"]', "els => els.map(e => e.querySelector('title').textContent)")
    assert titles == ["Hồ sơ tiếp nhận và đã giải quyết theo tháng", "Tỷ lệ hồ sơ giải quyết đúng hạn theo cơ quan",
                      "Các bước xử lý lâu nhất"]
    for chart in ("chart-trend", "chart-on-time", "chart-steps"):
        box = page.locator(f"#{chart}").bounding_box()
        assert box and box["width"] > 200 and box["height"] > 60, chart  # drawn, not collapsed
        assert page.locator(f"figure:has(#{chart}) table tbody tr").count() >= 1
    assert page.locator('figure:has(#chart-trend) tr:has(th:text-is("03/2027")) td').all_inner_texts() == ["6", "4"]

    # the counters' table, total row
    total = page.locator('#counters tr[data-key="total"]')
    cell = lambda name: total.locator(f'td[data-counter="{name}"]').inner_text()  # noqa: E731
    assert [cell(n) for n in ("received_online", "received_desk", "received_post")] == ["4", "1", "1"]
    assert [cell(n) for n in ("resolved_early", "resolved_on_time", "resolved_late")] == ["2", "1", "1"]
    assert [cell(n) for n in ("pending_in_time", "pending_overdue")] == ["1", "1"]
    leader.shot("20-statistics.png")

    # the XLSX download: its totals are the API's
    with page.expect_download() as download:
        page.get_by_role("link", name="Số liệu (XLSX)").click()
    assert download.value.suggested_filename == "thong-ke-20270301-20270331.xlsx"
    content = Path(download.value.path()).read_bytes()
    rows = [row for row in load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True)]
    header = next(row for row in rows if row and "received_online" in row)
    xlsx_total = next(row for row in rows if row and row[0] == "total")
    answer = api.get("/api/v1/reports/statistics?from=2027-03-01&to=2027-03-31&group_by=procedure", LEADER)
    assert answer.status_code == 200, answer.get_json()
    json_total = answer.get_json()["total"]
    compared = [name for name in json_total if name in header]
    assert set(EXPECTED) <= set(compared)
    for name in compared:
        assert xlsx_total[header.index(name)] == json_total[name], name
    assert json_total["received_online"] == 4 and json_total["resolved_late"] == 1

    # the report form's button gives a PDF
    with page.expect_download() as download:
        page.get_by_role("link", name="Biểu mẫu báo cáo (PDF)").click()
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
    leader.close()

    # the public results page, no login, linked from the home page
    visitor = Person(browser, server)
    visitor.goto("/")
    visitor.page.get_by_role("link", name="Kết quả giải quyết thủ tục hành chính").click()
    visitor.page.get_by_label("Tháng", exact=True).fill("2027-03")
    visitor.page.get_by_role("button", name="Xem").click()
    visitor.page.wait_for_selector("#satisfaction")
    assert visitor.page.locator('svg[role="img"] title').first.text_content() == \
        "Tỷ lệ hồ sơ giải quyết đúng hạn theo cơ quan"
    assert "60,0%" in visitor.page.inner_text("#satisfaction")
    visitor.shot("21-public-results.png")
    visitor.close()
    assert ARTIFACTS.exists()
