"""D7, D19: a dossier is late by the law, not by the timer service having run.

The timer service records an open dossier as overdue at its due instant. When the service was stopped (a weekend,
Tết) and an action ends the result's clock before the next sweep (a supplement request, a withdrawal), the
dossier was late all the same: it is recorded late, with the head's apology letter as work if it still waits.
And a sweep that comes after a stop of the service records the overdue at the legal instant, not at the restart:
the trail says when the dossier became overdue and the head's letter is counted from then.

Dates: Tue 24/11/2026 is a day off in the demo calendar (sample due dates skip it); Tết 2027 runs Thu 04/02 to
Wed 10/02/2027.
"""
from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select

from conftest import CITIZEN, OFFICERS, STEP_DATA, vn
from engine import timers
from engine.data.model import AuditEvent, Dossier, User, WorkItem
from engine.data.notice_model import Notice
from test_api_dossiers import supplement
from test_warning_once import deploy

RECEIVER = OFFICERS["intake"]


def at(api, clock, *when):
    clock.set(vn(*when))
    api.tokens.clear()


def sweep(app, settings, *when):
    return dict(timers.sweep(app.extensions["tthc"]["sessions"], settings, vn(*when)).effects)


def told_overdue(app, code):
    with app.extensions["tthc"]["sessions"]() as s:
        d = s.scalar(select(Dossier).where(Dossier.code == code))
        return dict(Counter(s.scalars(select(User.username).join(Notice, Notice.user_id == User.id)
                                      .where(Notice.event == "overdue", Notice.dossier_id == d.id))))


def row(app, code):
    with app.extensions["tthc"]["sessions"]() as s:
        d = s.scalar(select(Dossier).where(Dossier.code == code))
        items = {i.step: (i.created_at, i.due_at) for i in s.scalars(select(WorkItem).where(WorkItem.dossier_id == d.id))}
        trail = [(e.action, e.at) for e in s.scalars(select(AuditEvent).where(AuditEvent.dossier_id == d.id)
                                                     .order_by(AuditEvent.id))]
        return d.status, d.late, d.intake_late, items, trail


@pytest.mark.parametrize("running", [True, False], ids=["service-up", "service-down"])
def test_supplement_asked_after_the_due_instant_is_late_either_way(api, app, settings, clock, running):
    """One working day: received Mon 23/11/2026 09:00, due Wed 25/11 09:00. The specialist asks a supplement on
    Thu 26/11 09:00 (within D12's three days). Service up, the sweep of Wed 09:00 made it overdue; service down
    until after the request, the request itself finds the due instant passed: late, and the head's letter is
    work counted from Wed 25/11 09:00, as if the sweep had run."""
    at(api, clock, 2026, 11, 23, 9, 0)
    deploy(api, fee=None, duration="1")
    code = api.file(CITIZEN)["code"]
    api.act(RECEIVER, code, "receive")
    if running:
        assert sweep(app, settings, 2026, 11, 25, 9, 0).get("overdue") == 1
    at(api, clock, 2026, 11, 26, 9, 0)
    asked = api.act(OFFICERS["assessment"], code, "request_supplement", STEP_DATA["request_supplement"])
    assert asked["late"] is True
    sweep(app, settings, 2026, 11, 26, 10, 0)  # the service back: nothing left to record twice
    status, late, _intake_late, items, trail = row(app, code)
    assert (status, late) == (5, True)
    assert items["apology"][0] == vn(2026, 11, 25, 9, 0)
    # the trail reads the same either way: overdue at its instant, then the request (D28: the leaders and the
    # head are told once, at the sweep or at the request)
    assert [(a, t) for a, t in trail if a in ("overdue", "request_supplement")] == [
        ("overdue", vn(2026, 11, 25, 9, 0)), ("request_supplement", vn(2026, 11, 26, 9, 0))]
    assert told_overdue(app, code) == {"demo.lanhdao": 1, "demo.thutruong": 1} | (
        {"demo.chuyenvien": 1} if running else {})  # the sweep tells the officer holding the work too
    # the answer restarts the clock (a new due date) but the dossier stays late, and its result goes back only
    # with the head's signed letter
    at(api, clock, 2026, 11, 26, 10, 0)
    back = supplement(api, code)
    assert back["status"] in (2, 4) and back["late"] is True


@pytest.mark.parametrize("running", [True, False], ids=["service-up", "service-down"])
def test_withdrawal_after_the_due_instant_is_late_either_way(api, app, settings, clock, running):
    """Received Mon 23/11/2026 09:00, due Fri 27/11 09:00; the citizen withdraws on Mon 30/11 08:00. Whether or
    not the service ran over the weekend, the dossier is late in its record (the API, the register's note)."""
    at(api, clock, 2026, 11, 23, 9, 0)
    code = api.file(CITIZEN)["code"]
    api.act(RECEIVER, code, "receive")
    due = api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()["due_at"]
    assert due.startswith("2026-11-27T09:00")
    if running:
        assert sweep(app, settings, 2026, 11, 27, 9, 0).get("overdue") == 1
    at(api, clock, 2026, 11, 30, 8, 0)
    r = api.post(f"/api/v1/dossiers/{code}/withdraw", CITIZEN, json={"reason": "Không còn nhu cầu"})
    assert r.status_code == 200, r.get_json()
    assert sweep(app, settings, 2026, 11, 30, 10, 0) == {}
    status, late, _intake_late, _items, _trail = row(app, code)
    assert (status, late) == (7, True)
    assert api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()["late"] is True


def test_withdrawal_at_the_due_instant_itself_is_in_time(api, app, settings, clock):
    """Due Fri 27/11/2026 09:00, withdrawn at 09:00 exactly, no sweep before: work done at the instant is in
    time."""
    at(api, clock, 2026, 11, 23, 9, 0)
    code = api.file(CITIZEN)["code"]
    api.act(RECEIVER, code, "receive")
    at(api, clock, 2026, 11, 27, 9, 0)
    assert api.post(f"/api/v1/dossiers/{code}/withdraw", CITIZEN, json={"reason": "Không còn nhu cầu"}).status_code == 200
    assert row(app, code)[1] is False


@pytest.mark.parametrize("running", [True, False], ids=["service-up", "service-down"])
def test_withdrawal_after_the_intake_hour_keeps_the_intake_late(api, app, settings, clock, running):
    """Filed Mon 23/11/2026 09:00 (intake due 10:00), withdrawn at 11:00 before anyone checked it: the intake
    was late (D7), the service up at 10:00 or not."""
    at(api, clock, 2026, 11, 23, 9, 0)
    code = api.file(CITIZEN)["code"]
    if running:
        assert sweep(app, settings, 2026, 11, 23, 10, 0).get("intake_overdue") == 1
    at(api, clock, 2026, 11, 23, 11, 0)
    assert api.post(f"/api/v1/dossiers/{code}/withdraw", CITIZEN, json={"reason": "Không còn nhu cầu"}).status_code == 200
    assert row(app, code)[2] is True


def test_a_sweep_after_a_stop_over_tet_records_the_legal_instants(api, app, settings, clock):
    """Received Mon 01/02/2027 09:00 (due Thu 11/02 09:00, Tết off); another filed Wed 03/02 16:30 (intake due
    Thu 11/02 07:30). The service is stopped from Wed 03/02 until Thu 11/02 10:00: its first sweep records the
    overdue at 09:00 and the intake's at 07:30, and the head's letter is due a working day after 09:00."""
    at(api, clock, 2027, 2, 1, 9, 0)
    a = api.file(CITIZEN)["code"]
    api.act(RECEIVER, a, "receive")
    at(api, clock, 2027, 2, 3, 16, 30)
    b = api.file(CITIZEN)["code"]
    effects = sweep(app, settings, 2027, 2, 11, 10, 0)
    assert effects.get("overdue") == 1 and effects.get("intake_overdue") == 1
    assert sweep(app, settings, 2027, 2, 11, 10, 1) == {}
    _s, late, _i, items, trail = row(app, a)
    assert late is True and ("overdue", vn(2027, 2, 11, 9, 0)) in trail
    assert items["apology"][0] == vn(2027, 2, 11, 9, 0)
    assert items["apology"][1] == vn(2027, 2, 12, 9, 0)
    _s, _l, intake_late, _items, trail = row(app, b)
    assert intake_late is True and ("intake_overdue", vn(2027, 2, 11, 7, 30)) in trail


@pytest.mark.parametrize("running", [True, False], ids=["service-up", "service-down"])
def test_a_share_at_another_agency_stopped_with_its_parent_after_its_due_is_late_either_way(app, api, clock, running):
    """Liên thông (D33): the police's share of a dossier received Tue 02/02/2027 09:00 is due Tue 16/02/2027 09:00
    (after Tết); the citizen withdraws the parent at 10:00 that day: the share stops with it, late (its agency's
    register says so) whether the service ran at 09:00 or not."""
    from engine.cli.demo import POLICE
    from lienthong_support import FORM, PARENT_CODE, SO, build_lienthong, officer
    build_lienthong(app)
    clock.set(vn(2027, 2, 1, 8, 30))
    code = api.post("/api/v1/dossiers", CITIZEN, json={"procedure": PARENT_CODE, "form": FORM, "agency": SO}).get_json()["code"]
    at(api, clock, 2027, 2, 2, 9, 0)
    api.act(officer(SO, "intake"), code, "receive")
    (task,) = [t for t in api.get("/api/v1/tasks", officer(POLICE, "assessment")).get_json()
               if t["dossier"].startswith(POLICE)]
    settings = app.extensions["tthc"]["settings"]
    if running:
        sweep(app, settings, 2027, 2, 16, 9, 0)
    at(api, clock, 2027, 2, 16, 10, 0)
    assert api.post(f"/api/v1/dossiers/{code}/withdraw", CITIZEN, json={"reason": "Không còn nhu cầu"}).status_code == 200
    sweep(app, settings, 2027, 2, 16, 11, 0)
    status, late, _i, _items, _trail = row(app, task["dossier"])
    assert (status, late) == (8, True)


@pytest.mark.parametrize("running", [True, False], ids=["service-up", "service-down"])
def test_a_dossier_recorded_late_stays_pending_overdue_in_the_statistics(api, app, settings, clock, running):
    """D19 "counts as late in every report", D32: one working day, received Mon 23/11/2026 09:00 (due Wed 25/11
    09:00), a supplement asked Thu 26/11 09:00 and answered at 10:00: its clock restarts (due Fri 27/11 10:00)
    but it was overdue since Wed 09:00. The statistics of November read at 11:00 count it pending overdue; those
    of a period ended Tue 24/11, before it became overdue, pending in time."""
    at(api, clock, 2026, 11, 23, 9, 0)
    deploy(api, fee=None, duration="1")
    code = api.file(CITIZEN)["code"]
    api.act(RECEIVER, code, "receive")
    if running:
        sweep(app, settings, 2026, 11, 25, 9, 0)
    at(api, clock, 2026, 11, 26, 9, 0)
    api.act(OFFICERS["assessment"], code, "request_supplement", STEP_DATA["request_supplement"])
    at(api, clock, 2026, 11, 26, 10, 0)
    back = supplement(api, code)
    assert back["late"] is True and back["due_at"] > "2026-11-26T10:00"
    at(api, clock, 2026, 11, 26, 11, 0)
    for period, expected in (("from=2026-11-01&to=2026-11-30", (0, 1)), ("from=2026-11-01&to=2026-11-24", (1, 0))):
        total = api.get(f"/api/v1/reports/statistics?{period}", "demo.admin").get_json()["total"]
        assert (total["pending_in_time"], total["pending_overdue"]) == expected, (period, total)


def test_0038_gives_late_dossiers_the_instant_their_trail_says_they_became_overdue(tmp_path):
    """Before 0038: X-1 late with two overdue events (the first, Wed 25/11/2026 09:00, is kept), X-2 late with no
    overdue event (resolved late: its due instant), X-3 not late. The downgrade drops the column, rows kept."""
    import sqlite3

    from test_migrations import _alembic, old_database
    path, url, db = old_database(tmp_path, "0037")
    db.execute("update dossier set late = 1, due_at = '2026-11-25 02:00:00' where id = 1")
    for n, code, late in ((2, "X-2", 1), (3, "X-3", 0)):
        db.execute("insert into dossier (id, code, procedure_version_id, agency_id, applicant_id, owner_name, channel, "
                   "status, form, filed_at, due_at, late, supplement_requests, extensions, workflow_state, "
                   "serializer_version, intake_late, version) values (?, ?, 1, 1, 1, 'A', 'online', 9, '{}', "
                   "'2026-11-23 02:00:00', '2026-11-27 02:00:00', ?, 0, 0, x'00', '1', 0, 1)", (n, code, late))
    for n, at in ((1, "2026-11-26 03:00:00"), (2, "2026-11-25 02:00:00")):
        db.execute("insert into audit_event (id, dossier_id, at, actor_name, action, to_status, data, prev_hash, hash) "
                   "values (?, 1, ?, 'Hệ thống', 'overdue', 2, '{}', 'p', 'h')", (n, at))
    db.commit()
    db.close()
    _alembic(url, "upgrade", "0038")
    db = sqlite3.connect(path)
    assert db.execute("select id, overdue_at from dossier order by id").fetchall() == [
        (1, "2026-11-25 02:00:00"), (2, "2026-11-27 02:00:00"), (3, None)]
    db.close()
    _alembic(url, "downgrade", "0037")
    db = sqlite3.connect(path)
    assert "overdue_at" not in [row[1] for row in db.execute("pragma table_info(dossier)")]
    assert db.execute("select count(*) from dossier").fetchone() == (3,)
    db.close()
