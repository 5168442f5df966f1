"""D19, D30: handing over a result is judged against no limit of its own. The law's limit is on the result, judged
at its resolution: "a result resolved in time and collected later is not late" (D19). The return step has no time
limit of its own (like the citizen's supplement), so the processing-control slip says "Không có thời hạn riêng"
on its row, the step-times report never counts it late, and the officers' inbox never shows a result waiting for
pickup as overdue because the result's due instant passed after its resolution. A result resolved late keeps its
lateness where it belongs: on the step that resolved it, on the dossier, in the reports.

Timelines (the sample procedure, 3 working days from receipt):
- in time: filed and received Mon 30/11/2026 09:00, due Thu 03/12 09:00; assessed Tue 01/12, approved Wed 02/12,
  issued Thu 03/12 08:00 (before the due instant); collected at the desk Mon 07/12 10:00.
- late: filed and received Mon 23/11/2026 09:00 (24/11 is a day off), due Fri 27/11 09:00; decided 10:00, the
  head's apology 11:00, issued 11:00 (late); collected at the desk Mon 30/11 10:00.
"""
from __future__ import annotations

from sqlalchemy import select

from conftest import CITIZEN, STEP_DATA, sign_requested, vn
from test_official_forms import at, text_of, with_dossier

from engine.paperwork import registers

RECEIVER, SPECIALIST, LEADER, CLERK, HEAD = ("demo.tiepnhan", "demo.chuyenvien", "demo.lanhdao", "demo.vanthu",
                                             "demo.thutruong")
AT_THE_DESK = {"hinh_thuc_tra": "truc_tiep"}
RETURN_ROW = "Trả kết quả"


def slip(app, code: str) -> list:
    return with_dossier(app, code, lambda session, dossier: registers.handovers(session, dossier))


def return_task(api, code: str, query: str = "") -> list[dict]:
    r = api.get(f"/api/v1/tasks{query}", RECEIVER)
    assert r.status_code == 200, r.get_json()
    return [t for t in r.get_json() if t["dossier"] == code and t["step"] == "return"]


def step_times(api, start: str, end: str) -> dict:
    r = api.get(f"/api/v1/reports/step-times?from={start}&to={end}", LEADER)
    assert r.status_code == 200, r.get_data(as_text=True)[:400]
    return r.get_json()


def resolved_in_time(api, clock) -> str:
    at(api, clock, vn(2026, 11, 30, 9, 0))
    code = api.file(CITIZEN)["code"]
    assert api.act(RECEIVER, code, "receive")["due_at"] == "2026-12-03T09:00:00+07:00"
    for when, user, action in ((vn(2026, 12, 1, 9, 0), SPECIALIST, "propose_approval"),
                               (vn(2026, 12, 2, 9, 0), LEADER, "approve"),
                               (vn(2026, 12, 3, 8, 0), CLERK, "issue_result")):
        at(api, clock, when)
        done = api.act(user, code, action, STEP_DATA.get(action))
    assert done["status"] == 9 and done["late"] is False
    return code


def test_a_result_resolved_in_time_and_collected_later_is_not_late_on_the_slip_nor_in_step_times(api, app, clock):
    """D19, D30: resolved Thu 03/12 08:00 before its due 09:00 and collected Mon 07/12 10:00: the return row of the
    slip has no limit of its own, and the step-times report counts the return late 0 times."""
    code = resolved_in_time(api, clock)
    at(api, clock, vn(2026, 12, 7, 10, 0))
    done = api.act(RECEIVER, code, "return_result", AT_THE_DESK)
    assert done["status"] == 10 and done["late"] is False

    rows = slip(app, code)
    last = rows[-1]
    assert last.giver.startswith(RETURN_ROW) and last.receiver.startswith("Tổ chức, cá nhân")
    assert (last.at, last.due, last.result) == (vn(2026, 12, 7, 10, 0), None, registers.NO_LIMIT)
    assert registers.LATE not in [r.result for r in rows]
    text = text_of(api.get(f"/api/v1/dossiers/{code}/control-slip", RECEIVER).data)
    assert f"(hạn của bước: {registers._short(vn(2026, 12, 3, 9, 0))})" in text  # the steps before: the result's
    assert "Giao: Trả kết quả" in text

    body = step_times(api, "2026-11-30", "2026-12-07")
    steps = {s["step"]: s for s in body["steps"]}
    assert (steps["return"]["count"], steps["return"]["late"]) == (1, 0)
    assert body["most_often_late"] == []


def test_a_result_waiting_for_pickup_is_not_overdue_in_the_officers_inbox(api, app, clock):
    """D19: the result's due instant passing after its resolution makes no overdue work: on Mon 07/12 10:00 the
    return item (resolved Thu 03/12 08:00, due 09:00) has no due instant, and the overdue filter does not list it."""
    code = resolved_in_time(api, clock)
    at(api, clock, vn(2026, 12, 7, 10, 0))
    (task,) = return_task(api, code)
    assert task["due_at"] is None
    assert return_task(api, code, "?overdue=true") == []


def test_a_result_resolved_late_stays_late_on_the_step_that_resolved_it(api, app, clock):
    """D19: due Fri 27/11 09:00, issued 11:00 with the head's apology: the signing row is "Quá hạn", the dossier is
    late and the step-times report counts the signing late; the collection on Mon 30/11 has no limit of its own."""
    at(api, clock, vn(2026, 11, 23, 9, 0))
    code = api.file(CITIZEN)["code"]
    assert api.act(RECEIVER, code, "receive")["due_at"] == "2026-11-27T09:00:00+07:00"
    at(api, clock, vn(2026, 11, 27, 10, 0))
    api.act(SPECIALIST, code, "propose_approval", STEP_DATA["propose_approval"])
    api.act(LEADER, code, "approve")
    at(api, clock, vn(2026, 11, 27, 11, 0))
    r = api.post(f"/api/v1/dossiers/{code}/letters", HEAD, json={"kind": "overdue", "reason": "Chậm xác minh"})
    assert r.status_code == 201, r.get_json()
    sign_requested(app, code)
    assert api.act(CLERK, code, "issue_result", STEP_DATA["issue_result"])["late"] is True
    at(api, clock, vn(2026, 11, 30, 10, 0))
    assert api.act(RECEIVER, code, "return_result", AT_THE_DESK)["late"] is True

    by_step = {r.giver.split(":")[0]: r for r in slip(app, code)}
    signing = by_step["Ký số, đóng dấu và ban hành kết quả"]
    assert (signing.due, signing.result) == (vn(2026, 11, 27, 9, 0), registers.LATE)
    assert (by_step[RETURN_ROW].due, by_step[RETURN_ROW].result) == (None, registers.NO_LIMIT)

    steps = {s["step"]: s for s in step_times(api, "2026-11-23", "2026-11-30")["steps"]}
    assert steps["signing"]["late"] == 1 and steps["return"]["late"] == 0


def test_0041_drops_the_borrowed_due_of_return_items_still_open(tmp_path):
    """D19, D30: before 0041 an open return item carried its dossier's result due (Fri 27/11/2026 09:00); 0041
    clears it, leaves a return item with a limit of its own and other steps' items, and the downgrade gives the
    borrowed due back."""
    import sqlite3

    from test_migrations import _alembic, old_database
    path, url, db = old_database(tmp_path, "0040", status=7)
    db.execute("update dossier set due_at = '2026-11-27 02:00:00' where id = 1")
    for n, step, due in ((1, "return", "2026-11-27 02:00:00"), (2, "return", "2026-11-30 02:00:00"),
                         (3, "approval", "2026-11-27 02:00:00")):
        db.execute("insert into work_item (id, dossier_id, task_id, spec_name, name, step, role, agency_id, "
                   "created_at, due_at) values (?, 1, ?, 's', 'n', ?, 'clerk', 1, '2026-11-23 02:00:00', ?)",
                   (n, f"task-{n}", step, due))
    db.commit()
    db.close()
    _alembic(url, "upgrade", "0041")
    db = sqlite3.connect(path)
    assert db.execute("select id, due_at from work_item order by id").fetchall() == [
        (1, None), (2, "2026-11-30 02:00:00"), (3, "2026-11-27 02:00:00")]
    db.close()
    _alembic(url, "downgrade", "0040")
    db = sqlite3.connect(path)
    assert db.execute("select due_at from work_item where id = 1").fetchone() == ("2026-11-27 02:00:00",)
    db.close()


def test_a_return_written_before_this_rule_with_the_results_due_shows_no_limit_on_the_slip(api, app, clock):
    """D19, D30: a return completed before 0041 carries the result's due (Thu 03/12 09:00) in its trail event: the
    slip reads it as no limit of its own, not "Quá hạn"."""
    from sqlalchemy import update

    from engine.data.model import AuditEvent, Dossier
    code = resolved_in_time(api, clock)
    at(api, clock, vn(2026, 12, 7, 10, 0))
    api.act(RECEIVER, code, "return_result", AT_THE_DESK)
    with app.extensions["tthc"]["sessions"].begin() as session:  # as the former code wrote it
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        session.execute(update(AuditEvent).where(AuditEvent.dossier_id == dossier.id, AuditEvent.step == "return")
                        .values(due_at=dossier.due_at, late=True))
    last = slip(app, code)[-1]
    assert (last.due, last.result) == (None, registers.NO_LIMIT)
