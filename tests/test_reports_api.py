"""The reports' API (api.md "Reports"): statistics as JSON, CSV and XLSX with the same numbers, the QĐ 766
indicators and where time goes, for March 2027 of tests/test_statistics.py (its table of dossiers A–G); who
may read them; the requests refused with 422 naming the field; reports cannot write and stop at their time
limit."""
from __future__ import annotations

import csv
import io
import time
from datetime import datetime

import openpyxl
import pytest
from sqlalchemy import select, text, update

from conftest import CITIZEN, SAMPLE_CODE, vn
from engine.cli import DEMO_AGENCY
from engine.data.model import Agency, User
from engine.reports import readonly
from engine.reports.statistics import COUNTERS
from test_statistics import EXPECTED, database_url, march, pki_2027, settings  # noqa: F401  (fixtures)

LEADER, HEAD, DIRECTOR, ADMIN = "demo.lanhdao", "demo.thutruong", "demo.giamdoc", "demo.admin"
MARCH = "from=2027-03-01&to=2027-03-31"


def get(api, path, user=LEADER, status=200):
    r = api.get(path, user)
    assert r.status_code == status, (r.status_code, r.get_data(as_text=True)[:500])
    return r


def test_json_csv_and_xlsx_hold_the_counters_worked_out_by_hand(march, api):
    body = get(api, f"/api/v1/reports/statistics?{MARCH}").get_json()
    assert {k: body["total"][k] for k in EXPECTED} == EXPECTED
    assert body["counters"] == list(COUNTERS) and [r["key"] for r in body["rows"]] == [DEMO_AGENCY[0]]
    assert (body["from"], body["to"], body["group_by"]) == ("2027-03-01", "2027-03-31", "agency")

    lines = list(csv.reader(io.StringIO(get(api, f"/api/v1/reports/statistics?{MARCH}&format=csv")
                                        .get_data().decode("utf-8-sig"))))
    assert lines[0] == ["key", "label", *COUNTERS] and lines[-1][:2] == ["total", "Tổng cộng"]
    as_csv = dict(zip(lines[0][2:], lines[-1][2:]))
    assert {k: as_csv[k] for k in EXPECTED} == {k: str(v) for k, v in EXPECTED.items()}

    r = get(api, f"/api/v1/reports/statistics?{MARCH}&format=xlsx&group_by=month")
    assert r.headers["Content-Disposition"].endswith('.xlsx"')
    sheet = openpyxl.load_workbook(io.BytesIO(r.get_data()), read_only=True).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    header = next(row for row in rows if row and row[0] == "key")
    total = dict(zip(header[2:], rows[-1][2:]))
    assert rows[-1][0] == "total" and rows[-2][0] == "2027-03"
    json_month = get(api, f"/api/v1/reports/statistics?{MARCH}&group_by=month").get_json()
    assert {k: total[k] for k in COUNTERS} == json_month["total"] == body["total"]


def test_the_indicators_of_march(march, api):
    found = {i["id"]: i for i in get(api, f"/api/v1/reports/indicators?{MARCH}").get_json()["indicators"]}
    # 2a: (early 2 + on time 1) / (resolved 4 + pending overdue 1) = 60 %.
    assert found["2a"]["value"] == 60.0 and found["2a"]["inputs"]["pending_overdue"] == 1
    # Provincial variant: (pending overdue 1 + resolved late 1) / (received 6 + carried over 0) = 33.33 %.
    assert found["2a-late"]["value"] == 33.33 and found["2a-late"]["inputs"]["carried_over"] == 0
    assert found["2b"]["value"] == 18.25 and found["2b"]["unit"] == "h"
    assert found["3b"]["inputs"] == {"electronic_results": 4, "resolved": 4} and found["3b"]["value"] == 100.0
    assert found["4c"]["value"] == 66.67  # 4 online of 6 received
    assert found["5c"]["value"] == 100.0  # one rating, 4 of 5
    assert found["4d"]["value"] is None
    assert all(i["formula"] for i in found.values())


def test_where_time_goes_on_monday_and_tuesday(march, api):
    """01–02/03/2027. Intake (filing → receipt): A 08:00→08:30 0.5 h, B 0 h, C 0 h, D 07:30→08:00 0.5 h: four
    steps, 0.25 h on average. Assessment: A received Mon 08:30, proposed Tue 09:30 = 3 + 3.5 + 2.5 = 9 h; D
    received Tue 08:00, supplement requested 10:00 = 2 h: two steps, 5.5 h on average, none late. A's approval
    and signing take no time (same instant); A's return: issued 09:30, returned 10:00 = 0.5 h."""
    body = get(api, "/api/v1/reports/step-times?from=2027-03-01&to=2027-03-02").get_json()
    steps = {(s["step"]): s for s in body["steps"]}
    assert {k: steps["intake"][k] for k in ("count", "avg_working_hours", "max_working_hours", "late")} == \
        {"count": 4, "avg_working_hours": 0.25, "max_working_hours": 0.5, "late": 0}
    assert {k: steps["assessment"][k] for k in ("count", "avg_working_hours", "max_working_hours", "late")} == \
        {"count": 2, "avg_working_hours": 5.5, "max_working_hours": 9.0, "late": 0}
    assert steps["approval"]["avg_working_hours"] == 0 and steps["return"]["avg_working_hours"] == 0.5
    assert body["steps"][0]["step"] == "assessment" and body["most_often_late"] == []
    assert all(s["procedure"] == SAMPLE_CODE for s in body["steps"])
    # Friday 05/03: C's assessment, approval and signing (C due Thu 04/03 10:00) ended at 09:00, late; D's (due
    # Tue 09/03 10:00) at 10:00, in time: each of the three steps late once in two.
    late = get(api, "/api/v1/reports/step-times?from=2027-03-05&to=2027-03-05").get_json()["most_often_late"]
    assert sorted((s["step"], s["late"], s["count"], s["late_share"]) for s in late) == [
        ("approval", 1, 2, 0.5), ("assessment", 1, 2, 0.5), ("signing", 1, 2, 0.5)]


@pytest.mark.parametrize(("query", "field"), [
    ("to=2027-03-31", "from"), ("from=2027-03-01", "to"), ("from=2027-04-01&to=2027-03-01", "from"),
    ("from=2017-01-01&to=2026-12-31", "to"), ("from=2027-02-30&to=2027-03-01", "from"),
    (f"{MARCH}&agency=000.00.99.X99", "agency"), (f"{MARCH}&procedure=9.999999", "procedure"),
    (f"{MARCH}&group_by=week", "group_by"), (f"{MARCH}&format=pdf", "format"),
])
def test_bad_requests_are_refused_naming_the_field(api, query, field):
    err = get(api, f"/api/v1/reports/statistics?{query}", status=422).get_json()["error"]
    assert field in err["fields"], err


def test_a_real_day_of_a_year_no_report_reaches_is_said_so(api):
    """9999-12-31 is a real day written as asked: "Ngày không hợp lệ (YYYY-MM-DD)" sent the caller to the format."""
    err = get(api, "/api/v1/reports/statistics?from=2027-03-01&to=9999-12-31", status=422).get_json()["error"]
    assert err["fields"]["to"] == "Năm phải từ 1900 đến 2999", err
    err = get(api, "/api/v1/reports/statistics?from=2027-02-30&to=2027-03-01", status=422).get_json()["error"]
    assert err["fields"]["from"] == "Ngày không hợp lệ (YYYY-MM-DD)", err


def test_who_may_read(api, app):
    for user in (CITIZEN, "demo.chuyenvien", "demo.tiepnhan"):
        get(api, f"/api/v1/reports/statistics?{MARCH}", user, 403)
        get(api, f"/api/v1/reports/indicators?{MARCH}", user, 403)
    for user in (LEADER, HEAD, DIRECTOR, ADMIN):
        assert get(api, f"/api/v1/reports/statistics?{MARCH}", user).get_json()["total"]["received"] == 0
    with app.extensions["tthc"]["sessions"].begin() as session:
        session.add(Agency(code="000.00.07.H56", name="Ủy ban nhân dân phường Phú Xuân"))
    get(api, f"/api/v1/reports/statistics?{MARCH}&agency=000.00.07.H56", LEADER, 403)
    get(api, f"/api/v1/reports/statistics?{MARCH}&agency=000.00.07.H56", ADMIN, 403)
    with app.extensions["tthc"]["sessions"].begin() as session:  # the province's administrator: no agency
        session.execute(update(User).where(User.username == ADMIN).values(agency_id=None))
    rows = get(api, f"/api/v1/reports/statistics?{MARCH}&agency=000.00.07.H56", ADMIN).get_json()["rows"]
    assert [r["key"] for r in rows] == ["000.00.07.H56"]
    get(api, f"/api/v1/reports/statistics?{MARCH}", ADMIN)


def test_a_report_cannot_write(settings):
    with pytest.raises(Exception) as refused:
        with readonly.report_session(settings) as session:
            session.execute(update(Agency).values(name="đã đổi"))
            session.commit()
    assert "read" in str(refused.value).lower()  # read-only transaction / attempt to write a readonly database
    with readonly.report_session(settings) as session:
        assert session.scalar(select(Agency.name).where(Agency.code == DEMO_AGENCY[0])) == DEMO_AGENCY[1]


def test_a_report_over_its_time_limit_is_stopped_and_holds_nothing(settings, backend):
    slow = ("select pg_sleep(30)" if backend == "postgresql" else
            "with recursive n(i) as (select 1 union all select i + 1 from n) select count(*) from n")
    began = time.monotonic()
    with pytest.raises(readonly.ReportTimeout) as stopped:
        with readonly.report_session(settings, timeout=0.3) as session:
            session.execute(text(slow))
    assert time.monotonic() - began < 10  # stopped, not run to the end
    assert stopped.value.status == 503 and "ngắn hơn" in stopped.value.message
    with readonly.report_session(settings) as session:  # the pool's connection is fine afterwards
        assert session.scalar(select(Agency.code).limit(1))


def test_the_command_prints_the_same_counters(march, settings, tmp_path):
    from click.testing import CliRunner

    from engine.cli import main

    env = {"TTHC_DATABASE_URL": settings.database_url, "TTHC_DATA_DIR": str(settings.data_dir)}
    run = CliRunner().invoke(main, ["stats", "--from", "2027-03-01", "--to", "2027-03-31", "--format", "json"],
                             env=env)
    assert run.exit_code == 0, run.output
    import json
    body = json.loads(run.output)
    # The command runs on the real clock, before March 2027: nothing was pending yet "at the end of the period"
    # (which is now at the latest); everything else is the period's own.
    timeless = {k: v for k, v in EXPECTED.items() if not k.startswith("pending")}
    assert {k: body["total"][k] for k in timeless} == timeless
    assert body["total"]["pending_in_time"] == body["total"]["pending_overdue"] == 0
    table = CliRunner().invoke(main, ["stats", "--from", "2027-03-01", "--to", "2027-03-31",
                                      "--agency", DEMO_AGENCY[0]], env=env)
    assert table.exit_code == 0, table.output
    rows = {line.split()[0]: line.split()[-2:] for line in table.output.splitlines() if line.strip()}
    assert rows["received"] == ["6", "6"] and rows["received_online"] == ["4", "4"]  # the agency's column, the total
    out = tmp_path / "march.xlsx"
    made = CliRunner().invoke(main, ["stats", "--from", "2027-03-01", "--to", "2027-03-31", "--format", "xlsx",
                                     "-o", str(out)], env=env)
    assert made.exit_code == 0 and len(list(openpyxl.load_workbook(out).active.iter_rows())) == 5  # title, 2 headers, row, total
    bad = CliRunner().invoke(main, ["stats", "--from", "2027-04-01", "--to", "2027-03-01", "--agency", "x"], env=env)
    assert bad.exit_code == 1 and "--from:" in bad.output and "--agency:" in bad.output
