"""The leaders' statistics page, its downloads, the report-form API and the public results page, on the concrete
dossiers of March 2027 (tests/test_statistics.py: received 6 — 4 online, 1 desk, 1 post —, resolved 2 early,
1 on time, 1 late, pending 1 in time and 1 overdue at the end of March, one rating of 4).

Who may see what: leaders (department leader, head of agency, centre director) their own agency, administrators
any agency or the whole province; citizens and other officers are refused; bad input is a page that says what
is wrong (422), never a 500.
"""
from __future__ import annotations

import io

import pytest
from lxml import html as lxml_html
from openpyxl import load_workbook
from sqlalchemy import select

from conftest import CITIZEN, PASSWORD
from engine.cli import DEMO_AGENCY
from engine.data.model import Agency, User
from test_report_form import pdf_text
from test_statistics import EXPECTED, database_url, march, pki_2027, settings  # noqa: F401 - March 2027
from web_support import new_client, text_of

LEADER, HEAD, SPECIALIST, ADMIN = "demo.lanhdao", "demo.thutruong", "demo.chuyenvien", "demo.admin"
PROVINCE = "tinh.quantri"  # the province's administrator
MARCH = "/can-bo/thong-ke?month=2027-03"


@pytest.fixture
def other_agency(app):
    """A second agency with its own leader (no dossiers), and the province's administrator (of no agency)."""
    from engine.cases import accounts

    at = app.extensions["tthc"]["clock"].now()
    with app.extensions["tthc"]["sessions"].begin() as session:
        agency = Agency(code="000.00.31.H57", name="Sở Tư pháp tỉnh Thừa Thiên Huế")
        session.add(agency)
        session.flush()
        accounts.ensure_officer(session, at, "stp.lanhdao", "Lê Văn Sở", {"department_leader"}, agency, PASSWORD)
        accounts.ensure_officer(session, at, PROVINCE, "Trần Quản Trị", {"administrator"}, None, PASSWORD)
        return agency.code


def page_of(response):
    return lxml_html.fromstring(response.get_data(as_text=True))


def counters(doc, key: str) -> dict[str, str]:
    row = doc.xpath(f'//table[@id="counters"]//tr[@data-key="{key}"]')[0]
    return {td.get("data-counter"): td.text_content().strip() for td in row.xpath("td")}


def test_a_leader_sees_the_counters_the_charts_and_the_indicators_of_the_month(app, clock, march):
    web = new_client(app).login(LEADER)
    doc = page_of(web.get(MARCH))
    total = counters(doc, "total")
    assert (total["received_online"], total["received_desk"], total["received_post"]) == ("4", "1", "1")
    assert (total["resolved_early"], total["resolved_on_time"], total["resolved_late"]) == ("2", "1", "1")
    assert (total["pending_in_time"], total["pending_overdue"]) == ("1", "1")
    assert total["avg_resolution_working_hours"] == "18,3" and total["rating_avg"] == "4,0"
    assert counters(doc, "1.001612")["received_online"] == "4"  # grouped by procedure: one agency chosen
    svgs = doc.xpath('//svg[@role="img"]')
    assert [s.xpath("title")[0].text for s in svgs] == [
        "Hồ sơ tiếp nhận và đã giải quyết theo tháng", "Tỷ lệ hồ sơ giải quyết đúng hạn theo cơ quan",
        "Các bước xử lý lâu nhất"]
    trend = doc.xpath('//figure[.//svg[@id="chart-trend"]]//table//tr[th[@scope="row"]]')
    months = {tr.xpath("th")[0].text: [td.text for td in tr.xpath("td")] for tr in trend}
    assert list(months)[-6:] == ["10/2026", "11/2026", "12/2026", "01/2027", "02/2027", "03/2027"]
    assert months["03/2027"] == ["6", "4"] and months["02/2027"] == ["0", "0"]
    share = doc.xpath('//figure[.//svg[@id="chart-on-time"]]//tbody/tr')[0]
    # QĐ 766 2a: (2 early + 1 on time) / (4 resolved + 1 pending overdue) = 60 %
    assert [c.text_content() for c in share.xpath("th|td")] == [DEMO_AGENCY[1], "3", "5", "60,0%"]
    rows = {tr.xpath("th")[0].text: [td.text_content() for td in tr.xpath("td")]
            for tr in doc.xpath('//table[@id="indicators"]//tbody/tr')}
    assert rows["2a"][1] == "60,0%"  # the same 60 %, in the page's words (was the API's English and its keys):
    assert rows["2a"][2] == "(trước hạn + đúng hạn) / (đã giải quyết + đang giải quyết quá hạn) × 100"
    assert rows["2a"][3] == "trước hạn: 2; đúng hạn: 1; đã giải quyết: 4; đang giải quyết quá hạn: 1"
    assert not any("_" in text or "working" in text for row in rows.values() for text in row)
    links = [a.get("href") for a in doc.xpath('//p[@class="downloads"]/a')]
    assert len(links) == 4 and all("from=2027-03-01" in h and "to=2027-03-31" in h for h in links)
    nav = [a.text for a in doc.xpath("//header//nav//a")]
    assert "Thống kê" in nav


def test_the_xlsx_download_has_the_apis_totals(app, api, clock, march):
    web = new_client(app).login(HEAD)
    doc = page_of(web.get(MARCH))
    href = next(a.get("href") for a in doc.xpath('//p[@class="downloads"]/a') if "format=xlsx" in a.get("href")
                and "tai-ve" in a.get("href"))
    r = web.get(href)
    assert r.headers["Content-Disposition"].startswith("attachment") and r.mimetype.endswith(".sheet")
    rows = list(load_workbook(io.BytesIO(r.data)).active.iter_rows(values_only=True))
    answer = api.get("/api/v1/reports/statistics?from=2027-03-01&to=2027-03-31&group_by=procedure", HEAD)
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    header = next(row for row in rows if row and "received_online" in row)
    total = next(row for row in rows if row and row[0] in ("total", "Tổng cộng", "Tổng"))
    for name in EXPECTED:
        if name in header:
            assert total[header.index(name)] == body["total"][name], name


def test_the_report_form_of_the_page_and_of_the_api(app, api, clock, march):
    web = new_client(app).login(LEADER)
    r = web.get("/can-bo/thong-ke/bieu-mau?from=2027-03-02&to=2027-03-31&format=xlsx")
    sheet = load_workbook(io.BytesIO(r.data)).active
    # carried over: A, B and C were received on 01/03 and pending at its end; D, E, F are new and online
    total = [sheet.cell(row=13, column=c).value for c in range(2, 14)]
    assert total == ["Tổng cộng", 6, 3, 3, 0, 4, 2, 1, 1, 2, 1, 1]
    assert sheet["A2"].value == f"Đơn vị báo cáo: {DEMO_AGENCY[1]}"
    pdf = api.get("/api/v1/reports/form?from=2027-03-02&to=2027-03-31&format=pdf", LEADER)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = pdf_text(pdf.data)
    assert "Tổng cộng 6 3 3 0 4 2 1 1 2 1 1" in text and "từ ngày 02/03/2027 đến ngày 31/03/2027" in text
    assert api.get("/api/v1/reports/form?from=2027-03-01&to=2027-03-31&format=doc", LEADER).status_code == 422
    assert api.get("/api/v1/reports/form?from=2027-03-31&to=2027-03-01", LEADER).get_json()["error"]["fields"] \
        == {"from": "Ngày bắt đầu sau ngày kết thúc"}  # the statistics API's words
    assert api.get("/api/v1/reports/form?to=2027-03-31", LEADER).status_code == 422  # a period is required
    assert api.get("/api/v1/reports/form", CITIZEN).status_code == 403
    assert api.get("/api/v1/reports/form").status_code == 401


@pytest.mark.parametrize(("query", "field"), [
    ("month=2027-13", "month"), ("from=2027-03-31&to=2027-03-01", "from"), ("from=2020-01-01&to=2027-03-01", "to"),
    ("from=31/03/2027", "from"), ("agency=KHONG-CO", "agency"), ("procedure=9.999999", "procedure"),
    ("group_by=year", "group_by")])
def test_bad_input_is_explained_on_the_page(app, clock, query, field):
    web = new_client(app).login(LEADER)
    r = web.get(f"/can-bo/thong-ke?{query}", status=422)
    doc = page_of(r)
    assert doc.xpath('//div[@id="error-summary"]') and doc.xpath(f'//*[@id="f-{field}"][@aria-invalid="true"]')
    assert "Không lập được thống kê" in text_of(r)


def test_the_period_hint_tells_the_real_limit_and_a_bad_day_is_told_once_naming_its_field(app, clock):
    """The hint said "(tối đa một năm)" over a limit of report_max_days (1830 by default); ``to=9999`` showed
    "Ngày không hợp lệ (YYYY-MM-DD)" twice, naming no field."""
    web = new_client(app).login(LEADER)
    limit = app.extensions["tthc"]["settings"].report_max_days
    hint = page_of(web.get("/can-bo/thong-ke")).xpath('//p[@id="period-hint"]')[0].text_content()
    shown = f"{limit:,}".replace(",", ".")  # 1.830: the page's way of writing a number
    assert f"(tối đa {shown} ngày)" in hint and "một năm" not in hint  # the words of the error for a longer one
    r = web.get("/can-bo/thong-ke?to=9999", status=422)
    summary = " ".join(page_of(r).xpath('//div[@id="error-summary"]')[0].text_content().split())
    assert summary == "Không lập được thống kê: Đến ngày: Ngày không hợp lệ (YYYY-MM-DD)", summary
    r = web.get("/can-bo/thong-ke?from=2020-01-01&to=2027-03-01&month=", status=422)
    summary = " ".join(page_of(r).xpath('//div[@id="error-summary"]')[0].text_content().split())
    assert summary == f"Không lập được thống kê: Đến ngày: Mỗi lần xem tối đa {shown} ngày", summary


def test_the_csv_downloads_name_their_charset_once(app, api, clock):
    """Content-Type was "text/csv; charset=utf-8; charset=utf-8" (the charset added to one already given)."""
    r = new_client(app).login(LEADER).get("/can-bo/thong-ke/tai-ve?month=2027-03&format=csv")
    assert r.headers["Content-Type"] == "text/csv; charset=utf-8", r.headers["Content-Type"]
    r = api.get("/api/v1/reports/statistics?from=2027-03-01&to=2027-03-31&format=csv", LEADER)
    assert r.status_code == 200 and r.headers["Content-Type"] == "text/csv; charset=utf-8", r.headers["Content-Type"]
    r = new_client(app).login(LEADER).get("/can-bo/thong-ke/tai-ve?month=2027-03&format=xlsx")
    assert r.headers["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_who_may_see_the_statistics(app, clock, other_agency):
    assert new_client(app).get("/can-bo/thong-ke", status=302).headers["Location"].startswith("/dang-nhap")
    new_client(app).login(CITIZEN).get("/can-bo/thong-ke", status=403)
    specialist = new_client(app).login(SPECIALIST)
    specialist.get("/can-bo/thong-ke", status=403)
    specialist.get("/can-bo/thong-ke/bieu-mau?format=pdf", status=403)
    assert "Thống kê" not in [a.text for a in page_of(specialist.get("/can-bo/cong-viec")).xpath("//nav//a")]
    leader = new_client(app).login(LEADER)
    leader.get(f"/can-bo/thong-ke?agency={other_agency}", status=403)
    leader.get(f"/can-bo/thong-ke/tai-ve?agency={other_agency}&format=csv", status=403)
    other = new_client(app).login("stp.lanhdao")
    other.get(f"/can-bo/thong-ke?agency={DEMO_AGENCY[0]}", status=403)
    doc = page_of(other.get("/can-bo/thong-ke"))
    assert [o.get("value") for o in doc.xpath('//select[@id="f-agency"]/option')] == [other_agency]
    new_client(app).login(ADMIN).get(f"/can-bo/thong-ke?agency={other_agency}", status=403)  # an agency's admin
    province = new_client(app).login(PROVINCE)
    province.get(f"/can-bo/thong-ke?agency={other_agency}")
    doc = page_of(province.get("/can-bo/thong-ke"))  # the whole province, grouped by agency
    options = [o.get("value") for o in doc.xpath('//select[@id="f-agency"]/option')]
    assert options[0] == "" and sorted(options[1:]) == sorted([DEMO_AGENCY[0], other_agency])
    assert doc.xpath('//select[@id="f-group_by"]/option[@selected]')[0].get("value") == "agency"


def test_the_public_results_page_needs_no_login(app, clock, march):
    web = new_client(app)
    r = web.get("/ket-qua-giai-quyet?month=2027-03")
    doc = page_of(r)
    (svg,) = doc.xpath('//svg[@role="img"]')
    assert svg.xpath("title")[0].text == "Tỷ lệ hồ sơ giải quyết đúng hạn theo cơ quan"
    row = doc.xpath('//table[@id="satisfaction"]//tbody/tr')[0]
    assert [c.text_content() for c in row.xpath("th|td")] == [DEMO_AGENCY[1], "6", "60,0%", "1", "4,0"]
    assert "60,0%" in text_of(r)
    home = page_of(web.get("/"))
    assert home.xpath('//a[@href="/ket-qua-giai-quyet"]')
    web.get("/ket-qua-giai-quyet?month=2027-3", status=422)
    web.get("/ket-qua-giai-quyet?month=2999-01", status=422)
    assert web.get("/ket-qua-giai-quyet").status_code == 200  # last month by default (February 2027 here)


def test_the_page_in_english(app, clock, march):
    web = new_client(app).login(LEADER)
    with web.client.session_transaction() as session:
        session["lang"] = "en"
    doc = page_of(web.get(MARCH))
    titles = [s.xpath("title")[0].text for s in doc.xpath('//svg[@role="img"]')]
    assert titles[0] == "Received and resolved per month"
    assert doc.xpath("//h1")[0].text == "Case statistics"
    [row] = [tr for tr in doc.xpath('//table[@id="indicators"]//tbody/tr') if tr.xpath("th")[0].text == "2a"]
    assert row.xpath("td")[3].text_content() == "early: 2; on time: 1; resolved: 4; pending overdue: 1"
    names = {tr.xpath("th")[0].text: tr.xpath("td")[0].text_content()  # the QĐ 766 names were left Vietnamese
             for tr in doc.xpath('//table[@id="indicators"]//tbody/tr')}
    assert names["2a"] == "Share of dossiers resolved early or on time"
    assert names["4c"] == "Share of online dossiers"
    # numbers the English way (they read "60,0 %" and "18,3", a Vietnamese page's decimal comma)
    assert row.xpath("td")[1].text_content() == "60.0%"
    share = doc.xpath('//figure[.//svg[@id="chart-on-time"]]//tbody/tr')[0]
    assert [c.text_content() for c in share.xpath("td")] == ["3", "5", "60.0%"]
    assert counters(doc, "total")["avg_resolution_working_hours"] == "18.3"
    assert "is 60.0%" in doc.xpath('//svg[@id="chart-on-time"]/desc')[0].text


def test_only_the_period_asked_is_read(app, clock, march, settings):
    """An agency without any dossier in March gives zeros and empty charts, not an error."""
    with app.extensions["tthc"]["sessions"]() as session:
        admin = session.scalar(select(User).where(User.username == ADMIN))
        assert "administrator" in admin.roles
    web = new_client(app).login(ADMIN)
    doc = page_of(web.get("/can-bo/thong-ke?month=2026-01"))
    assert counters(doc, "total")["received_online"] == "0"
    assert "Không có dữ liệu trong kỳ đã chọn." in doc.text_content()


def test_the_public_page_keeps_a_months_answer_for_a_few_minutes(app, clock, march, settings):
    """Asked by everybody and the same for everybody: the second visit reads no report query."""
    from sqlalchemy import event

    from engine.reports import readonly

    statements = []
    engine = readonly.report_engine(app.extensions["tthc"]["settings"])
    listen = lambda *args: statements.append(args[2])  # noqa: E731 - before_cursor_execute(conn, cursor, sql, ...)
    event.listen(engine, "before_cursor_execute", listen)
    try:
        web = new_client(app)
        first = web.get("/ket-qua-giai-quyet?month=2027-03").get_data(as_text=True)
        read = len(statements)
        assert read > 0
        second = web.get("/ket-qua-giai-quyet?month=2027-03").get_data(as_text=True)
        assert len(statements) == read
        web.get("/ket-qua-giai-quyet?month=2027-02")
        assert len(statements) > read  # another month is another answer
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    table = lambda body: page_of_text(body).xpath('//table[@id="satisfaction"]')[0].text_content()  # noqa: E731
    assert table(first) == table(second)


def page_of_text(body: str):
    return lxml_html.fromstring(body)


def test_the_command_writes_the_report_form(march, settings, tmp_path):
    """`tthc stats --report-form xlsx|pdf -o FILE`. The command runs on the real clock, before March 2027: what
    was pending at the end of 01/03 (carried over) or of the period is counted at "now", nothing yet."""
    from click.testing import CliRunner

    from engine.cli import main

    env = {"TTHC_DATABASE_URL": settings.database_url, "TTHC_DATA_DIR": str(settings.data_dir)}
    out = tmp_path / "bao-cao.xlsx"
    args = ["stats", "--from", "2027-03-02", "--to", "2027-03-31", "--agency", DEMO_AGENCY[0]]
    made = CliRunner().invoke(main, [*args, "--report-form", "xlsx", "-o", str(out)], env=env)
    assert made.exit_code == 0, made.output
    sheet = load_workbook(out).active
    assert sheet["A2"].value == f"Đơn vị báo cáo: {DEMO_AGENCY[1]}"
    assert [sheet.cell(row=13, column=c).value for c in range(2, 14)] == [
        "Tổng cộng", 3, 0, 3, 0, 4, 2, 1, 1, 0, 0, 0]  # D, E, F received online; A, B, C, D resolved
    pdf = tmp_path / "bao-cao.pdf"
    assert CliRunner().invoke(main, [*args, "--report-form", "pdf", "-o", str(pdf)], env=env).exit_code == 0
    assert "Tổng cộng 3 0 3 0 4 2 1 1 0 0 0" in pdf_text(pdf.read_bytes())
    refused = CliRunner().invoke(main, [*args, "--report-form", "pdf"], env=env)
    assert refused.exit_code == 2 and "-o" in refused.output


def test_the_province_wide_report_form_names_the_trees_root_as_its_reporter(app, api, clock, march, settings,
                                                                             tmp_path):
    """The whole province's form said "Ủy ban nhân dân tỉnh" while the province's root agency, the one chosen by
    name, is "Ủy ban nhân dân thành phố Huế (demo)" (a centrally-run city): two names for one reporter (found by a
    review). The page, the API and the command name the root, whatever it is called."""
    from click.testing import CliRunner

    from engine.cli import main

    with app.extensions["tthc"]["sessions"]() as session:  # the demo's tree: one root
        [root] = session.scalars(select(Agency.name).where(Agency.parent_id.is_(None))).all()
    assert root != "Ủy ban nhân dân tỉnh"
    web = new_client(app).login(ADMIN)
    r = web.get("/can-bo/thong-ke/bieu-mau?from=2027-03-02&to=2027-03-31&format=xlsx&group_by=agency")
    assert load_workbook(io.BytesIO(r.data)).active["A2"].value == f"Đơn vị báo cáo: {root}"
    r = api.get("/api/v1/reports/form?from=2027-03-02&to=2027-03-31&format=xlsx", ADMIN)
    assert r.status_code == 200 and load_workbook(io.BytesIO(r.data)).active["A2"].value == f"Đơn vị báo cáo: {root}"
    env = {"TTHC_DATABASE_URL": settings.database_url, "TTHC_DATA_DIR": str(settings.data_dir)}
    out = tmp_path / "tinh.xlsx"
    made = CliRunner().invoke(main, ["stats", "--from", "2027-03-02", "--to", "2027-03-31", "--report-form", "xlsx",
                                     "-o", str(out)], env=env)
    assert made.exit_code == 0, made.output
    assert load_workbook(out).active["A2"].value == f"Đơn vị báo cáo: {root}"
