"""The statistics page's trend chart (received and resolved per month) on concrete dossiers of three months.

The working calendar as in tests/test_statistics.py; the sample procedure lasts 3 working days.

| dossier | received (Vietnam)  | resolved          |
|---------|---------------------|-------------------|
| J       | Mon 04/01/2027 09:30 | Wed 06/01/2027 09:00 |
| K       | Mon 01/02/2027 09:30 | Wed 03/02/2027 09:00 |
| L       | Mon 01/03/2027 09:30 | Wed 03/03/2027 09:00 |
| M       | Mon 01/03/2027 10:30 | —                 |

So January: received 1, resolved 1; February 1 and 1; March 2 and 1. The page is viewed on Mon 15/03/2027 10:00:
January and February are closed, their counts kept by the application; March is counted on every view.
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timezone

import pytest
from lxml import html as lxml_html
from sqlalchemy import event

from conftest import vn
from engine.reports import readonly
from test_statistics import at, file, pki_2027, receive, resolve, settings  # noqa: F401 - keys valid in 2027
from web_support import new_client

LEADER = "demo.lanhdao"
TREND = tuple(f"{head}dossier.{at}{tail}" for at in ("received_at", "resolved_at") for head, tail in (
    ("strftime('%Y-%m', ", ""), ("to_char((", ") AT TIME ZONE 'UTC' + interval '7 hours', 'YYYY-MM')")))  # by month


@pytest.fixture
def three_months(api, app, clock, settings):  # noqa: F811 - test_statistics' settings
    for day in ((2027, 1, 4), (2027, 2, 1), (2027, 3, 1)):
        code = file(api, clock, (*day, 9, 0))
        receive(api, clock, code, *day, 9, 30)
        resolve(api, clock, code, *day[:2], day[2] + 2, 9, 0)
    code = file(api, clock, (2027, 3, 1, 10, 0))
    receive(api, clock, code, 2027, 3, 1, 10, 30)
    at(clock, 2027, 3, 15, 10, 0)


def trend_rows(doc) -> dict[str, tuple[int, int]]:
    rows = doc.xpath('//figure[.//svg[@id="chart-trend"]]//table//tr[th[@scope="row"]]')
    return {tr.xpath("th")[0].text: tuple(int(td.text) for td in tr.xpath("td")) for tr in rows}


def table_rows(doc) -> dict[str, tuple[int, int]]:
    """Received (its three channels) and resolved (early, on time, late) of the counters' month rows."""
    found = {}
    for row in doc.xpath('//table[@id="counters"]//tr[@data-key]'):
        cells = {td.get("data-counter"): td.text_content().strip() for td in row.xpath("td")}
        found[row.get("data-key")] = (
            sum(int(cells[f"received_{c}"]) for c in ("online", "desk", "post")),
            sum(int(cells[f"resolved_{c}"]) for c in ("early", "on_time", "late")))
    return found


@contextmanager
def trend_statements(settings):  # noqa: F811
    """The statements of the reports' connection that count dossiers per month, with their parameters."""
    seen = []

    def record(_conn, _cursor, statement, parameters, _context, _many):
        if any(t in statement for t in TREND):
            seen.append((statement, parameters))

    engine = readonly.report_engine(settings)
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_the_trend_equals_the_tables_months(app, clock, settings, three_months):  # noqa: F811
    web = new_client(app).login(LEADER)
    doc = lxml_html.fromstring(web.get("/can-bo/thong-ke?from=2027-01-01&to=2027-03-31&group_by=month").data)
    trend, table = trend_rows(doc), table_rows(doc)
    assert table == {"2027-01": (1, 1), "2027-02": (1, 1), "2027-03": (2, 1), "total": (4, 3)}
    assert {m: trend[f"{m[5:]}/{m[:4]}"] for m in ("2027-01", "2027-02", "2027-03")} == {
        m: table[m] for m in ("2027-01", "2027-02", "2027-03")}
    assert trend["12/2026"] == trend["10/2026"] == (0, 0)  # the six months up to the period's end


def test_a_second_view_counts_only_the_current_month(app, clock, settings, three_months):  # noqa: F811
    web = new_client(app).login(LEADER)
    with trend_statements(settings) as first:
        doc = lxml_html.fromstring(web.get("/can-bo/thong-ke?month=2027-03").data)
    assert list(trend_rows(doc).items())[-3:] == [("01/2027", (1, 1)), ("02/2027", (1, 1)), ("03/2027", (2, 1))]
    assert first, "the first view counts the trend's months"
    with trend_statements(settings) as second:
        again = lxml_html.fromstring(web.get("/can-bo/thong-ke?month=2027-03").data)
    assert trend_rows(again) == trend_rows(doc)
    # March only: received and resolved, each from 01/03/2027 00:00 in Vietnam on (nothing of January, February)
    assert len(second) == 2, second
    assert all(min(instants(parameters)) == vn(2027, 3, 1) for _statement, parameters in second), second


def instants(parameters) -> list[datetime]:
    """The instants a statement binds, whichever way the driver takes them (SQLite: UTC text; PostgreSQL: values)."""
    found = []
    for value in (parameters.values() if isinstance(parameters, dict) else parameters):
        if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] == " ":
            value = datetime.fromisoformat(value[:19]).replace(tzinfo=timezone.utc)
        if isinstance(value, datetime):
            found.append(value if value.tzinfo else value.replace(tzinfo=timezone.utc))
    return found
