"""D32 statistics: who is credited with what (D29, D33), and pending counts as a stock (D32), through
``GET /api/v1/reports/statistics`` (api.md "Reports").

(a) Liên thông (D33): the citizen sees one dossier, so the province counts one. The Sở Tư pháp receives the
    criminal record request (2.000488) on Monday 07/12/2026 09:00 (due Monday 21/12 09:00) and hands the check
    to the city police (2.000505, due Monday 14/12 09:00). The police answer on Tuesday 15/12 09:00, a day
    late (counted as the police's share answered late: the citizen's dossier, on time, owes no letter); the Sở issues its result on Friday 18/12 09:00, early. December 2026: the province received 1 dossier
    and resolved 1 early, none late; the police received no citizen's dossier but 1 request from another
    agency, answered late.
(b) Receiving and processing agencies (D29): ward A (UBND phường An Cựu) receives the sample procedure on Monday
    23/11/2026 09:00 and the department (Sở Công Thương) processes it, as ward A's offer says; due Friday 27/11
    09:00 (Tuesday 24/11 a day off). On 27/11 10:00, late, the department's head issues the apology letter and
    the department the result. November 2026: ward A received 1 and resolved none; the department resolved 1 late and
    issued 1 apology; a report scoped to the department shows them.
(c) Month grouping: pending dossiers are counted at a moment. The demo agency receives X and Y on Monday
    23/11/2026 (due Friday 27/11); Y is withdrawn on Tuesday 01/12, X stays open. At 30/11 both are overdue, at
    31/12 X alone: the total of 01/11–31/12/2026 says 1 overdue (the period's end), grouped by month as by agency.
"""
from __future__ import annotations

import csv
import io

import pytest
from conftest import CITIZEN, PASSWORD, STEP_DATA, make_settings, password_hash, sign_requested, vn
from lienthong_support import FORM, PARENT_CODE, SO, build_lienthong, officer
from test_offers import DEMO, DEPT, WARD_A, put_offers
from test_offers import province  # noqa: F401  (the fixture)

from engine.cases import accounts
from engine.cli import DEMO_AGENCY
from engine.cli.demo import POLICE, ROOT
from engine.core.settings import with_secrets
from engine.data import agencies
from engine.paperwork import results

ADMIN = "tinh.admin"
REASON = "Chậm xác minh địa điểm kinh doanh tại Sở"


@pytest.fixture
def settings(database_url, tmp_path):
    """This module's own PKI: every agency of (b) gets its seal and its officers their keys."""
    return with_secrets(make_settings(tmp_path / "data", database_url, tmp_path / "pki"))


def at(api, clock, *when) -> None:
    clock.set(vn(*when))
    api.tokens.clear()  # tokens expire with time


def report(api, query: str, user: str = ADMIN) -> dict:
    r = api.get(f"/api/v1/reports/statistics?{query}", user)
    assert r.status_code == 200, r.get_data(as_text=True)[:500]
    return r.get_json()


def rows(body: dict) -> dict:
    return {row["key"]: row for row in body["rows"]}


def tasks(api, user: str) -> list[dict]:
    return api.get("/api/v1/tasks", user).get_json()


def test_a_lienthong_dossier_counts_once_and_the_police_share_apart(app, api, clock):
    build_lienthong(app)
    ext = app.extensions["tthc"]
    with ext["sessions"].begin() as session:  # the province's administrator reads every agency
        accounts.ensure_officer(session, clock.now(), ADMIN, "Quản trị tỉnh", {"administrator"},
                                agencies.by_code(session, ROOT), PASSWORD, password_hash=password_hash())
    at(api, clock, 2026, 12, 7, 8, 30)
    r = api.post("/api/v1/dossiers", CITIZEN, json={"procedure": PARENT_CODE, "form": FORM, "agency": SO})
    assert r.status_code == 201, r.get_json()
    code = r.get_json()["code"]
    at(api, clock, 2026, 12, 7, 9, 0)
    parent = api.act(officer(SO, "intake"), code, "receive")
    [handover] = parent["handovers"]
    assert handover["due_at"].startswith("2026-12-14T09:00") and parent["due_at"].startswith("2026-12-21T09:00")
    [child] = [t["dossier"] for t in tasks(api, officer(POLICE, "assessment")) if t["dossier"].startswith(POLICE)]
    at(api, clock, 2026, 12, 15, 9, 0)  # Tuesday: a day after the police's share ran out
    api.act(officer(POLICE, "assessment"), child, "propose_approval",
            {"ket_qua_tra_cuu": "khong_co_an_tich", "y_kien_tham_dinh": "Không có thông tin án tích"})
    api.act(officer(POLICE, "approval"), child, "approve")
    r = api.post(f"/api/v1/dossiers/{child}/letters", "congan.thutruong",  # the share's lateness is counted, no
                 json={"kind": "overdue", "reason": "Chậm tra cứu thông tin lý lịch"})  # letter to nobody (D19)
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "rule_violation", r.get_json()
    sign_requested(app, child)  # the leader's own signature (D35), then the seal
    api.act(officer(POLICE, "signing"), child, "issue_result")
    parent = api.get(f"/api/v1/dossiers/{code}", officer(SO, "assessment")).get_json()
    assert parent["handovers"][0]["late"] is True
    at(api, clock, 2026, 12, 18, 9, 0)  # Friday, before the due day (Monday 21/12): early
    api.act(officer(SO, "assessment"), code, "propose_approval",
            {"tinh_trang_an_tich": "khong_co", "y_kien_tham_dinh": "Công an trả lời không có án tích"})
    api.act(officer(SO, "approval"), code, "approve", {"y_kien_phe_duyet": "Không có án tích"})
    issued = api.act(officer(SO, "signing"), code, "issue_result")
    assert issued["status"] == 9 and not issued["late"]

    at(api, clock, 2027, 1, 4, 9, 0)
    body = report(api, "from=2026-12-01&to=2026-12-31")
    total = body["total"]
    assert (total["received"], total["resolved"], total["resolved_early"], total["resolved_on_time"],
            total["resolved_late"], total["pending_in_time"], total["pending_overdue"], total["apologies"]) == \
        (1, 1, 1, 0, 0, 0, 0, 0)  # the police's letter is about its share, not about the citizen's dossier
    assert (total["handovers_received"], total["handovers_answered"], total["handovers_answered_late"],
            total["handovers_pending"]) == (1, 1, 1, 0)
    by_agency = rows(body)
    police, so = by_agency[POLICE], by_agency[SO]
    assert (police["received"], police["resolved"], police["resolved_late"]) == (0, 0, 0)
    assert (police["handovers_received"], police["handovers_answered"], police["handovers_answered_late"],
            police["handovers_pending"]) == (1, 1, 1, 0)
    assert (so["received"], so["resolved_early"], so["resolved_late"], so["handovers_received"]) == (1, 1, 0, 0)
    assert {"handovers_received", "handovers_answered", "handovers_answered_late",
            "handovers_pending"} <= set(body["counters"])
    # in the middle of the police's work (end of 10/12), the request is the police's pending one, not a dossier
    mid = report(api, "from=2026-12-01&to=2026-12-10")["total"]
    assert (mid["received"], mid["pending_in_time"], mid["pending_overdue"], mid["handovers_pending"]) == (1, 1, 0, 1)
    # the indicators count the citizen's dossier alone: resolved early, nothing late (QĐ 766 2a: 100 %)
    r = api.get("/api/v1/reports/indicators?from=2026-12-01&to=2026-12-31", ADMIN)
    found = {i["id"]: i for i in r.get_json()["indicators"]}
    assert found["2a"]["value"] == 100.0 and found["2a-late"]["inputs"]["resolved_late"] == 0
    assert found["2a-late"]["inputs"]["received"] == 1


def test_the_processing_agency_is_credited_with_the_resolution_and_the_apology(app, api, clock, province):  # noqa: F811
    ext = app.extensions["tthc"]
    with ext["sessions"].begin() as session:
        results.ensure_keys(session, ext["settings"], clock.now(), pin=PASSWORD)
    assert put_offers(api, {"agencies": [DEMO, {"agency": WARD_A, "processing_agency": DEPT}]}).status_code == 200
    filed = api.file(CITIZEN, agency=WARD_A)  # Monday 23/11/2026 09:00
    assert (filed["agency"], filed["processing_agency"]) == (WARD_A, DEPT), filed
    received = api.act("a.canbo", filed["code"], "receive")
    assert received["due_at"].startswith("2026-11-27T09:00"), received["due_at"]
    at(api, clock, 2026, 11, 27, 10, 0)  # an hour late
    code = filed["code"]
    api.act("d.canbo", code, "propose_approval", STEP_DATA["propose_approval"])  # the overdue first (D19)
    r = api.post(f"/api/v1/dossiers/{code}/letters", "d.canbo", json={"kind": "overdue", "reason": REASON})
    assert r.status_code == 201, r.get_json()  # the department's head: its steps made it late
    api.act("d.canbo", code, "approve", {"y_kien_phe_duyet": "Đồng ý"})
    sign_requested(app, code)
    issued = api.act("d.canbo", code, "issue_result", STEP_DATA["issue_result"])
    assert issued["status"] == 9 and issued["late"] is True

    at(api, clock, 2026, 12, 1, 9, 0)
    by_agency = rows(report(api, "from=2026-11-01&to=2026-11-30"))
    ward, dept = by_agency[WARD_A], by_agency[DEPT]
    assert (ward["received"], ward["resolved"], ward["resolved_late"], ward["apologies"], ward["violations"],
            ward["pending_overdue"]) == (1, 0, 0, 0, 0, 0)
    assert ward["avg_resolution_working_hours"] is None
    assert (dept["received"], dept["resolved"], dept["resolved_late"], dept["apologies"], dept["violations"]) == \
        (0, 1, 1, 1, 1)
    assert dept["avg_resolution_working_hours"] is not None
    scoped = report(api, f"from=2026-11-01&to=2026-11-30&agency={DEPT}")["total"]
    assert (scoped["received"], scoped["resolved_late"], scoped["apologies"]) == (0, 1, 1)
    scoped = report(api, f"from=2026-11-01&to=2026-11-30&agency={WARD_A}")["total"]
    assert (scoped["received"], scoped["resolved_late"], scoped["apologies"]) == (1, 0, 0)
    # on 26/11 (before the result) the dossier is the department's pending one, in time
    scoped = report(api, f"from=2026-11-01&to=2026-11-26&agency={DEPT}")["total"]
    assert (scoped["received"], scoped["pending_in_time"]) == (0, 1)


def test_the_month_grouping_total_holds_the_pending_at_the_period_end(app, api, clock):
    x = api.file(CITIZEN)["code"]  # Monday 23/11/2026 09:00, at the demo agency
    y = api.file(CITIZEN)["code"]
    for code in (x, y):
        assert api.act("demo.tiepnhan", code, "receive")["due_at"].startswith("2026-11-27T09:00")
    at(api, clock, 2026, 12, 1, 9, 0)
    r = api.post(f"/api/v1/dossiers/{y}/withdraw", CITIZEN, json={"reason": "Không còn nhu cầu"})
    assert r.status_code == 200, r.get_json()

    at(api, clock, 2027, 1, 4, 9, 0)
    period = "from=2026-11-01&to=2026-12-31"
    by_month = report(api, f"{period}&group_by=month", "demo.lanhdao")
    months = rows(by_month)
    assert (months["2026-11"]["pending_overdue"], months["2026-12"]["pending_overdue"]) == (2, 1)
    by_agency = report(api, period, "demo.lanhdao")
    assert rows(by_agency)[DEMO_AGENCY[0]]["pending_overdue"] == 1
    for body in (by_month, by_agency):
        assert (body["total"]["pending_overdue"], body["total"]["pending_in_time"]) == (1, 0)
        assert body["total"]["received"] == 2  # a flow: the months add up
    r = api.get(f"/api/v1/reports/statistics?{period}&group_by=month&format=csv", "demo.lanhdao")
    lines = list(csv.reader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff"))))
    names, total = lines[0], lines[-1]
    assert total[1] == "Tổng cộng" and total[names.index("pending_overdue")] == "1"
