"""D32 with D26: a wait for a fee is the applicant's time, as a supplement's is. The average resolution time leaves
it out (the same waits the due date moved by: engine.law.payment.fee_waits), and a dossier waiting for its fee at
the end of a period is pending within time, not overdue (its due instant moves once paid).

The household-business sample (3 working days, a fee of 100 000 đồng asked at the receipt), the demo agency
collecting its fees at the desk once ``configure``d. Dates worked out by hand on D14's office hours 07:00–11:30 and
13:30–17:00 (8 h a day); Tue 24/11/2026 is a public holiday (D15, 24/11 from 2026).

S (no fee: received before the agency collected fees): received Mon 23/11 09:10, supplement asked 10:10, answered
Wed 25/11 10:10, result Wed 14:10. Receipt to result: Mon 09:10–11:30 2h20 + 13:30–17:00 3h30, Wed 07:00–11:30 4h30
+ 13:30–14:10 0h40 = 11 h; the wait Mon 10:10 → Wed 10:10: Mon 1h20 + 3h30, Wed 3h10 = 8 h; 11 − 8 = 3 h = 180 min.

F (fee asked at the receipt): received Mon 23/11 09:30, paid at the desk Wed 25/11 10:00, result Wed 14:00. Receipt to
result: Mon 09:30–11:30 2h + 3h30, Wed 4h30 + 0h30 = 10h30 (630 min, what the engine kept); the wait Mon 09:30 → Wed
10:00: Mon 2h + 3h30, Wed 07:00–10:00 3h = 8h30; 10h30 − 8h30 = 2 h = 120 min (Wed 10:00–11:30 1h30 + 13:30–14:00
0h30, the time the agency held the paid dossier). Average (3 + 2) / 2 = 2.5 h (the engine said 6.75).

W (fee asked at the receipt Mon 23/11 09:30, never paid): due Fri 27/11 09:30 as first planned, status 6. At the end of
01–29/11/2026 it waits for the applicant: pending within time, not overdue (the engine said overdue: 2a 0 %, 2a-late
100 %).

P (fee asked at the receipt Mon 23/11 09:30, paid Wed 25/11 10:00): the wait cost 8h30, so the due instant moved from
Fri 27/11 09:30 to Mon 30/11 10:00 (Fri 09:30–17:00 5h30, Mon 07:00–10:00 3h). Not resolved: within time at the end of
27/11, overdue at the end of 30/11 (its moved due instant has passed and it no longer waits).
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from conftest import CITIZEN, SAMPLE_FORM, STEP_DATA, iso, vn
from payment_support import configure
from test_official_forms import at
from test_paused_step_due import paid_at_desk

from engine.data.model import Dossier
from engine.law.counting import resolution_working_time
from engine.law.statuses import Status

RECEIVER, SPECIALIST, DEPT_LEADER, CLERK = "demo.tiepnhan", "demo.chuyenvien", "demo.lanhdao", "demo.vanthu"
LEADER = "demo.lanhdao"


@pytest.fixture
def backend():
    return "sqlite"


def received(api, clock, when) -> str:
    at(api, clock, vn(*when))
    code = api.file(CITIZEN)["code"]
    api.act(RECEIVER, code, "receive")
    return code


def resolve(api, clock, code, when) -> None:
    at(api, clock, vn(*when))
    api.act(SPECIALIST, code, "propose_approval", STEP_DATA["propose_approval"])
    api.act(DEPT_LEADER, code, "approve", {"y_kien_phe_duyet": "Đồng ý"})
    assert api.act(CLERK, code, "issue_result", {})["status"] == Status.RESOLVED  # the number the register gave


def kept_minutes(app, code: str) -> int | None:
    with app.extensions["tthc"]["sessions"]() as session:
        return session.scalar(select(Dossier.resolution_working_minutes).where(Dossier.code == code))


def total(api, period: str) -> dict:
    r = api.get(f"/api/v1/reports/statistics?{period}&group_by=agency", LEADER)
    assert r.status_code == 200, r.get_json()
    return r.get_json()["total"]


def indicators(api, period: str) -> dict:
    r = api.get(f"/api/v1/reports/indicators?{period}", LEADER)
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    rows = body["indicators"] if isinstance(body, dict) else body
    return {row["id"]: row for row in rows}


def test_the_average_resolution_time_leaves_out_the_wait_for_a_fee_as_the_wait_for_a_supplement(api, app, clock):
    s = received(api, clock, (2026, 11, 23, 9, 10))  # the agency does not collect fees yet: no fee asked
    configure(app, None)  # from now on the fee is asked at the receipt, paid at the desk
    f = received(api, clock, (2026, 11, 23, 9, 30))
    assert api.get(f"/api/v1/dossiers/{f}", CITIZEN).get_json()["status"] == Status.PAYMENT
    at(api, clock, vn(2026, 11, 23, 10, 10))
    api.act(SPECIALIST, s, "request_supplement", STEP_DATA["request_supplement"])
    at(api, clock, vn(2026, 11, 25, 10, 0))
    paid_at_desk(api, f)
    at(api, clock, vn(2026, 11, 25, 10, 10))
    r = api.post(f"/api/v1/dossiers/{s}/supplement", CITIZEN, json={"form": SAMPLE_FORM, "note": "Đã bổ sung"})
    assert r.status_code == 200, r.get_json()
    resolve(api, clock, f, (2026, 11, 25, 14, 0))
    resolve(api, clock, s, (2026, 11, 25, 14, 10))

    assert kept_minutes(app, s) == 180
    assert kept_minutes(app, f) == 120  # not 630: 8h30 of it the citizen owed the fee
    period = "from=2026-11-01&to=2026-11-30"
    assert total(api, period)["avg_resolution_working_hours"] == 2.5
    found = indicators(api, period)["2b"]
    assert found["value"] == 2.5 and "fee" in found["formula"], found

    # dossiers resolved before the minutes were kept are measured by the report alike (the same waits)
    with app.extensions["tthc"]["sessions"].begin() as session:
        session.execute(update(Dossier).where(Dossier.code.in_([s, f])).values(resolution_working_minutes=None))
    assert total(api, period)["avg_resolution_working_hours"] == 2.5


def test_a_dossier_waiting_for_its_fee_is_pending_within_time_not_overdue(api, app, clock):
    configure(app, None)
    w = received(api, clock, (2026, 11, 23, 9, 30))
    d = api.get(f"/api/v1/dossiers/{w}", CITIZEN).get_json()
    assert d["status"] == Status.PAYMENT and d["due_at"] == iso(2026, 11, 27, 9, 30) and not d["late"]
    at(api, clock, vn(2026, 11, 30, 9, 0))
    period = "from=2026-11-01&to=2026-11-29"
    t = total(api, period)
    assert (t["pending_in_time"], t["pending_overdue"]) == (1, 0), t
    by_month = api.get(f"/api/v1/reports/statistics?{period}&group_by=month", LEADER).get_json()["total"]
    assert (by_month["pending_in_time"], by_month["pending_overdue"]) == (1, 0), by_month
    found = indicators(api, period)
    assert found["2a"]["value"] is None  # nothing resolved, nothing overdue
    assert found["2a-late"]["value"] == 0


def test_a_dossier_that_waited_for_its_fee_and_ran_past_its_moved_due_is_overdue(api, app, clock):
    configure(app, None)
    p = received(api, clock, (2026, 11, 23, 9, 30))
    at(api, clock, vn(2026, 11, 25, 10, 0))
    paid_at_desk(api, p)
    assert api.get(f"/api/v1/dossiers/{p}", CITIZEN).get_json()["due_at"] == iso(2026, 11, 30, 10, 0)
    at(api, clock, vn(2026, 12, 1, 9, 0))
    t = total(api, "from=2026-11-01&to=2026-11-27")  # its first due instant passed, its moved one had not
    assert (t["pending_in_time"], t["pending_overdue"]) == (1, 0), t
    t = total(api, "from=2026-11-01&to=2026-11-30")
    assert (t["pending_in_time"], t["pending_overdue"]) == (0, 1), t
    assert indicators(api, "from=2026-11-01&to=2026-11-30")["2a-late"]["value"] == 100


def test_a_fee_wait_begun_before_the_clock_started_is_taken_out_once(api, app, clock):
    """Received Mon 23/11 16:00 (after the 15:00 cut-off: the due date's clock starts Wed 07:00), the fee asked then,
    paid Wed 25/11 10:00, result Wed 14:00. Receipt to result: Mon 16:00–17:00 1 h + Wed 4h30 + 0h30 = 6 h; the wait
    Mon 16:00 → Wed 10:00 (1 h + 3 h = 4 h) is taken out once: 2 h, the time the agency held the paid dossier."""
    configure(app, None)
    code = received(api, clock, (2026, 11, 23, 16, 0))
    at(api, clock, vn(2026, 11, 25, 10, 0))
    paid_at_desk(api, code)
    resolve(api, clock, code, (2026, 11, 25, 14, 0))
    assert kept_minutes(app, code) == 120


def test_overlapping_waits_are_not_taken_out_twice():
    def between(lo, hi):  # every hour counts, for the arithmetic
        return hi - lo
    t = vn(2026, 11, 23, 8, 0)
    h = timedelta(hours=1)
    waits = [(t + h, t + 3 * h), (t + 2 * h, t + 4 * h), (t + 2 * h, t + 3 * h), (t - h, t + h / 2), (t + 9 * h, None)]
    assert resolution_working_time(between, t, t + 10 * h, waits) == 10 * h - 3 * h - h / 2 - h
