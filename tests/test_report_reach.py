"""Whose statistics a user may see is one rule for the API and the pages (engine.web.report_scope.reach), the
administration's: an administrator sees the agencies they administer (the province's root agency: every one),
a leader their own agency; the period's limit is the reports' own (report_max_days)."""
from __future__ import annotations

from lxml import html as lxml_html
from test_offers import DEMO, WARD_A, province  # noqa: F401 (fixture)

from conftest import CITIZEN
from web_support import new_client


def _period(clock) -> str:
    day = clock.now().date().isoformat()
    return f"from={day}&to={day}"


def test_the_province_root_administrator_sees_every_agency_and_a_ward_administrator_their_ward(api, province,
                                                                                                clock):
    api.act("demo.tiepnhan", api.file(CITIZEN)["code"], "receive")
    period = _period(clock)
    r = api.get(f"/api/v1/reports/statistics?{period}&group_by=agency", "tinh.admin")
    assert r.status_code == 200, r.get_json()
    assert DEMO in [row["key"] for row in r.get_json()["rows"]]
    assert api.get(f"/api/v1/reports/statistics?{period}&agency={DEMO}", "tinh.admin").status_code == 200
    r = api.get(f"/api/v1/reports/statistics?{period}&agency={DEMO}", "a.admin")
    assert r.status_code == 403
    r = api.get(f"/api/v1/reports/statistics?{period}&group_by=agency", "a.admin")
    assert r.status_code == 200 and {row["key"] for row in r.get_json()["rows"]} <= {WARD_A}
    assert api.get(f"/api/v1/reports/statistics?{period}&agency={DEMO}", "demo.lanhdao").status_code == 200
    assert api.get(f"/api/v1/reports/statistics?{period}&agency={WARD_A}", "demo.lanhdao").status_code == 403


def test_the_pages_offer_what_the_api_allows(app, province, clock):
    doc = lxml_html.fromstring(new_client(app).login("tinh.admin").get("/can-bo/thong-ke").get_data(as_text=True))
    options = [o.get("value") for o in doc.xpath('//select[@id="f-agency"]/option')]
    assert options[0] == "" and {DEMO, WARD_A} <= set(options)
    doc = lxml_html.fromstring(new_client(app).login("a.admin").get("/can-bo/thong-ke").get_data(as_text=True))
    assert [o.get("value") for o in doc.xpath('//select[@id="f-agency"]/option')] == [WARD_A]
    new_client(app).login("a.admin").get(f"/can-bo/thong-ke?agency={DEMO}", status=403)


def test_a_period_up_to_report_max_days_is_read_by_the_pages_and_the_api(app, api, settings):
    days = settings.report_max_days  # the reports' own limit, not a year
    query = "from=2020-01-01&to=2021-12-31"  # 731 days
    assert days > 731
    assert api.get(f"/api/v1/reports/statistics?{query}", "demo.lanhdao").status_code == 200
    new_client(app).login("demo.lanhdao").get(f"/can-bo/thong-ke?{query}")
