"""Words the pages showed wrong: the statistics page gave a QĐ 766 indicator as the engine's id ("2a-late")
where a leader reads its official number and name; the English calendar page gave the public holidays their
Vietnamese names (the holidays package's, kept as they are by the calendar, the API and the Vietnamese page);
the modeler's Vietnamese table called a BPMN task "công việc" where the properties panel and the procedure
pages say "bước xử lý" ("công việc" is an officer's work item in the inbox)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from lxml import html
from test_page_language import in_language
from web_support import Web

ROOT = Path(__file__).resolve().parent.parent
LEADER = "demo.lanhdao"


@pytest.fixture
def backend():
    return "sqlite"


# -- 1. the statistics page's indicators -----------------------------------------------------------------
@pytest.mark.parametrize("language, late_number, late_name", [
    ("vi", "2a (cách tính của tỉnh)", "Tỷ lệ hồ sơ trễ hạn (cách tính của tỉnh: đúng hạn = 100 − trễ hạn)"),
    ("en", "2a (province's method)", "Share of late dossiers (the province's method: on time = 100 − late)")])
def test_the_statistics_page_gives_each_indicator_its_official_number_and_name(app, api, clock, language,
                                                                               late_number, late_name):
    code = api.file()["code"]
    api.act("demo.tiepnhan", code, "receive")
    leader = Web(app.test_client()).login(LEADER)
    page = html.fromstring(in_language(leader, language, f"/can-bo/thong-ke?month={clock.now():%Y-%m}")
                           .get_data(as_text=True))
    assert "2a-late" not in page.text_content()  # nowhere a reader sees: table, charts, headings
    rows = {tr.get("data-indicator"): (tr.xpath("th")[0].text_content(), tr.xpath("td")[0].text_content())
            for tr in page.xpath('//table[@id="indicators"]//tbody/tr')}
    assert rows["2a-late"] == (late_number, late_name)  # the province's way of computing 2a
    early = {"vi": "Tỷ lệ hồ sơ xử lý trước hạn, đúng hạn", "en": "Share of dossiers resolved early or on time"}
    assert rows["2a"] == ("2a", early[language])
    assert all(number == key for key, (number, _name) in rows.items() if key != "2a-late")
    # the JSON API keeps its ids (api.md)
    found = api.get(f"/api/v1/reports/indicators?from={clock.now():%Y-%m-01}&to={clock.now():%Y-%m-%d}",
                    LEADER).get_json()["indicators"]
    assert [i["id"] for i in found][:2] == ["2a", "2a-late"]


# -- 2. holiday names on the calendar page ---------------------------------------------------------------
def reasons(response) -> dict[str, str]:
    """The calendar page's unusual days: dd/mm/yyyy -> the reason the page gives."""
    tree = html.fromstring(response.get_data(as_text=True))
    return {tr.xpath("td")[0].text_content(): tr.xpath("td")[2].text_content()
            for tr in tree.xpath("//table[@id='merged']/tbody/tr")}


def test_the_english_calendar_page_names_the_holidays_in_english_the_vietnamese_page_as_stored(app, api):
    admin = Web(app.test_client()).login("demo.admin")
    days = api.get("/api/v1/calendar?year=2026", "demo.admin").get_json()["days"]
    stored = {d["day"]: d["name"] for d in days}
    assert stored["2026-09-02"] == "Quốc khánh"  # the API keeps the package's Vietnamese names

    vietnamese = reasons(in_language(admin, "vi", "/quan-tri/lich?nam=2026"))
    assert vietnamese["02/09/2026"] == "Quốc khánh"
    assert vietnamese["01/05/2026"] == "Ngày Quốc tế Lao động"
    assert vietnamese["27/04/2026"] == "Ngày Giỗ Tổ Hùng Vương (nghỉ bù)"

    english = reasons(in_language(admin, "en", "/quan-tri/lich?nam=2026"))
    assert english["02/09/2026"] == "National Day"
    assert english["01/01/2026"] == "New Year's Day"
    assert english["17/02/2026"] == "Lunar New Year (Tết)"
    assert english["27/04/2026"] == "Hung Kings' Commemoration Day (substitute day off)"
    assert english["30/04/2026"] == "Reunification Day"
    assert english["01/05/2026"] == "International Labour Day"
    # the official notice's own names (config/calendar.toml) stay as written
    assert english["16/02/2026"] == stored["2026-02-16"] == "Tết Nguyên đán (29 tháng Chạp)"
    assert english["31/08/2026"] == stored["2026-08-31"]
    # every holiday the package gives (no notice's name) has its English name
    left = {d["day"]: d["name"] for d in days if d["source"] == "package" and not d["working"]
            and english[f"{d['day'][8:]}/{d['day'][5:7]}/{d['day'][:4]}"] == d["name"]}
    assert len([d for d in days if d["source"] == "package"]) >= 8 and not left, left


def test_an_administrators_name_for_a_day_stays_as_written_on_english_pages(app, api):
    """A day the administrator sets off with a holiday's very name keeps the name as typed: only the package's
    names are translated."""
    admin = Web(app.test_client()).login("demo.admin")  # a ward's administrator: the ward's own calendar
    agency = html.fromstring(admin.get("/quan-tri/lich?nam=2027").get_data(as_text=True)).xpath(
        "//select[@id='co_quan']/option/@value")[0]
    admin.post("/quan-tri/lich/ap-dung",
               {"year": "2027", "agency": agency, "lines": "2027-09-06 off Quốc khánh"}, status=302)
    english = reasons(in_language(admin, "en", f"/quan-tri/lich?nam=2027&co_quan={agency}"))
    assert english["06/09/2027"] == "Quốc khánh"
    assert english["02/09/2027"] == "National Day"
    assert english["16/04/2027"] == "Hung Kings' Commemoration Day"


@pytest.mark.parametrize("language, name, shown", [
    ("en", "Quốc khánh (nghỉ bù, dự kiến)", "National Day (substitute day off, expected)"),
    ("en", "Tết Nguyên Đán (dự kiến)", "Lunar New Year (Tết) (expected)"),
    ("en", "Ngày nghỉ (thay cho ngày 22/08/2026)", "Day off (in place of 22/08/2026)"),
    ("en", "Ngày của tỉnh (nghỉ bù)", "Ngày của tỉnh (nghỉ bù)"),  # not the package's: as written
    ("en", "Tết Nguyên đán (29 tháng Chạp)", "Tết Nguyên đán (29 tháng Chạp)"),
    ("vi", "Quốc khánh (nghỉ bù)", "Quốc khánh (nghỉ bù)"),
    ("vi", "Ngày nghỉ (thay cho ngày 22/08/2026)", "Ngày nghỉ (thay cho ngày 22/08/2026)")])
def test_the_packages_labels_around_a_holiday_are_translated_and_other_names_kept(app, language, name, shown):
    from flask import session

    from engine.web.ui import holiday_name
    with app.test_request_context():
        session["lang"] = language
        assert holiday_name(name) == shown


# -- 3. the modeler's Vietnamese words for a task ----------------------------------------------------------
def test_the_modelers_vietnamese_table_calls_a_task_a_step():
    source = (ROOT / "engine" / "web" / "static" / "js" / "modeler-vi.js").read_text(encoding="utf-8")
    entries = dict(re.findall(r'^\s*("[^"\n]*")\s*:\s*("[^"\n]*")', source, re.MULTILINE))
    table = {json.loads(k): json.loads(v) for k, v in entries.items()}
    tasks = {k: v for k, v in table.items() if re.search(r"\btask\b", k, re.IGNORECASE)}
    assert len(tasks) >= 10, tasks
    assert not [v for v in tasks.values() if "công việc" in v.lower()], tasks
    assert all("bước xử lý" in v.lower() for v in tasks.values()), tasks
    assert table["Create task"] == "Tạo bước xử lý"
    assert table["Append task"] == "Nối tiếp bước xử lý"
    assert table["Task"] == "Bước xử lý"
    assert "công việc" not in " ".join(table.values()).lower()
