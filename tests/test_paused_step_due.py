"""D30 with D12 and D26: a work item with its own time limit that stays open while the dossier's clock stands still
for the applicant keeps its own limit moved by the same working time as the dossier's due time; and a re-planning
that moves only a step's own due time says so in the dossier's history.

The household-business sample (3 working days, a fee of 100 000 đồng due at the intake) with its assessment task
limited to 1 working day, deployed as a new version; the demo agency collects its fees through the engine. Dates
worked out by hand: office hours 07:00–11:30 and 13:30–17:00, Tue 24/11/2026 a public holiday. Filed Mon 23/11/2026
09:00, received 09:30: the result is due Fri 27/11 09:30 and the specialist's assessment item, opened at the
receipt, Wed 25/11 09:30; the fee is asked at the receipt (status 6) while that item is open.

Paid at the desk Thu 26/11 10:00: the clock stood still 16.5 working hours (Mon 09:30–17:00: 5.5, Tue a holiday,
Wed: 8, Thu 07:00–10:00: 3). The dossier is due Tue 01/12 10:00 (Fri 27/11 09:30 + 16.5 h) and the item Fri 27/11
10:00 (Wed 25/11 09:30 + 16.5 h), not Wed 25/11 09:30, already past when the citizen paid.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from conftest import CITIZEN, SAMPLE_FORM, STEP_DATA, iso, vn
from payment_support import configure
from test_official_forms import at, with_dossier
from test_replanning import cli_clock, tthc  # noqa: F401 (cli_clock: the command at the test's time)
from test_step_limit_replanning import received_with_a_step_limit
from test_step_limits import ASSESSMENT_ROW, SPECIALIST, deploy_limited, received, rows_of, stored_due

from engine.data import audit
from engine.data.model import AuditEvent, WorkItem
from engine.law.statuses import Status

RECEIVER, ADMIN = "demo.tiepnhan", "demo.admin"


@pytest.fixture
def backend():
    return "sqlite"


def paid_at_desk(api, code: str) -> None:
    r = api.post(f"/api/v1/dossiers/{code}/payments/desk", RECEIVER, json={"amount": 100000, "method": "cash"})
    assert r.status_code == 201, r.get_json()


def replanned(app, code: str) -> list[dict]:
    """The data of the dossier's ``replanned`` events, after checking its audit chain."""
    def read(session, dossier):
        events = audit.history(session, dossier.id)
        assert audit.verify_chain(events, dossier.audit_head)
        return [e.data for e in events if e.action == "replanned"]
    return with_dossier(app, code, read)


def paid_on_thursday(api, app, clock) -> str:
    deploy_limited(api, "1", "working_day")
    configure(app, None)  # fees at the desk
    code, dossier = received(api, clock)
    assert dossier["status"] == Status.PAYMENT
    assert api.task_for(SPECIALIST, code)["due_at"] == iso(2026, 11, 25, 9, 30)  # open, waiting for the fee
    at(api, clock, vn(2026, 11, 26, 10, 0))
    paid_at_desk(api, code)
    return code


def test_an_item_open_while_the_fee_is_owed_keeps_its_own_limit_moved_by_the_time_waited(api, app, clock):
    code = paid_on_thursday(api, app, clock)
    shown = api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()
    assert shown["status"] == Status.PROCESSING and shown["due_at"] == iso(2026, 12, 1, 10, 0)
    assert api.task_for(SPECIALIST, code)["due_at"] == iso(2026, 11, 27, 10, 0)
    assert stored_due(app, code) == vn(2026, 11, 27, 10, 0)
    # done Fri 27/11 09:00: within the step's day of working time, not late on the control slip
    at(api, clock, vn(2026, 11, 27, 9, 0))
    api.act(SPECIALIST, code, "propose_approval", STEP_DATA["propose_approval"])
    assert rows_of(app, code, ASSESSMENT_ROW) == [(vn(2026, 11, 27, 9, 0), vn(2026, 11, 27, 10, 0), "Đúng hạn")]

    def event(session, dossier):
        return session.execute(select(AuditEvent.due_at, AuditEvent.late).where(
            AuditEvent.dossier_id == dossier.id, AuditEvent.action == "propose_approval")).one()
    assert tuple(with_dossier(app, code, event)) == (vn(2026, 11, 27, 10, 0), False)


def test_the_item_is_still_capped_by_the_dossiers_moved_due_time(api, app, clock):
    """Limited to 5 working days (more than the dossier's 3): the item is due with the dossier, before and after
    the wait (Fri 27/11 09:30, then Tue 01/12 10:00)."""
    deploy_limited(api, "5", "working_day")
    configure(app, None)
    code, _ = received(api, clock)
    assert api.task_for(SPECIALIST, code)["due_at"] == iso(2026, 11, 27, 9, 30)
    at(api, clock, vn(2026, 11, 26, 10, 0))
    paid_at_desk(api, code)
    assert api.task_for(SPECIALIST, code)["due_at"] == iso(2026, 12, 1, 10, 0)


def test_a_day_made_off_after_the_wait_keeps_the_time_waited_in_the_items_due(api, app, clock, settings):
    """After the payment, Mon 30/11 made a day off: the dossier moves to Wed 02/12 10:00; the item, counted again
    from its creation under the new calendar with the 16.5 hours waited, stays Fri 27/11 10:00 (before the day).
    Then Fri 27/11 made off: the item's 16.5 hours after Wed 25/11 09:30 end Tue 01/12 10:00 (Fri and Mon off),
    the dossier Thu 03/12 10:00; the step's move is in the dossier's history, its audit chain intact."""
    code = paid_on_thursday(api, app, clock)
    tthc(settings, "set", "2026-11-30", "off", "--name", "Nghỉ đột xuất")
    assert api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()["due_at"] == iso(2026, 12, 2, 10, 0)
    assert stored_due(app, code) == vn(2026, 11, 27, 10, 0)
    tthc(settings, "set", "2026-11-27", "off", "--name", "Nghỉ đột xuất")
    assert api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()["due_at"] == iso(2026, 12, 3, 10, 0)
    assert stored_due(app, code) == vn(2026, 12, 1, 10, 0)
    first, second = replanned(app, code)
    assert "steps" not in first  # the dossier's dates moved, the step's did not
    assert second["due_at"] == vn(2026, 12, 3, 10, 0).isoformat()
    assert second["steps"] == [{"step": "Thẩm định hồ sơ", "from": vn(2026, 11, 27, 10, 0).isoformat(),
                                "to": vn(2026, 12, 1, 10, 0).isoformat()}]


def test_a_supplement_in_pause_mode_leaves_no_officer_item_open(api, app, clock):
    """The real flow of a supplement asked during processing: the request completes the specialist's item, so
    only the citizen's supplement item is open while the clock is paused; the item opened at the answer counts its
    limit from then (Thu 26/11 10:00 → Fri 27/11 10:00), the dossier resumes where it paused."""
    deploy_limited(api, "1", "working_day", "pause")
    code, _ = received(api, clock)
    at(api, clock, vn(2026, 11, 25, 9, 0))
    api.act(SPECIALIST, code, "request_supplement", STEP_DATA["request_supplement"])
    steps = with_dossier(app, code, lambda session, d: session.scalars(
        select(WorkItem.step).where(WorkItem.dossier_id == d.id)).all())
    assert steps == ["supplement"]
    at(api, clock, vn(2026, 11, 26, 10, 0))
    r = api.post(f"/api/v1/dossiers/{code}/supplement", CITIZEN, json={"form": SAMPLE_FORM})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["due_at"] == iso(2026, 11, 30, 10, 30)
    assert api.task_for(SPECIALIST, code)["due_at"] == iso(2026, 11, 27, 10, 0)


def test_a_step_that_moves_alone_is_written_in_the_dossiers_history(api, app, clock, settings):
    """D30 with a procedure of 10 calendar days whose assessment has 2 working days (test_step_limit_replanning):
    Wed 25/11 made a day off moves only the step (Thu 26/11 09:30 → Fri 27/11 09:30); the dossier's history has a
    ``replanned`` event naming it, its own due time unchanged, and the chain verifies."""
    code = received_with_a_step_limit(api, clock)
    assert tthc(settings, "set", "2026-11-25", "off", "--name", "Nghỉ đột xuất")[-1].startswith("1 ")
    [event] = replanned(app, code)
    assert event["day"] == "2026-11-25" and event["due_at"] == vn(2026, 12, 3, 9, 30).isoformat()
    assert event["steps"] == [{"step": "Thẩm định hồ sơ", "from": vn(2026, 11, 26, 9, 30).isoformat(),
                               "to": vn(2026, 11, 27, 9, 30).isoformat()}]
    history = api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()["history"]
    assert history[-1]["action"] == "replanned"


def test_a_years_notice_that_moves_a_step_alone_is_audited_on_the_dossier(api, app, clock):
    code = received_with_a_step_limit(api, clock)
    notice = {"agency": "000.00.06.H56", "days": [{"day": "2026-11-25", "kind": "off", "name": "Nghỉ đột xuất"}]}
    r = api.post("/api/v1/calendar/apply", ADMIN, json=notice)
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["moved"] == 1
    [event] = replanned(app, code)
    assert [(s["from"], s["to"]) for s in event["steps"]] == [(vn(2026, 11, 26, 9, 30).isoformat(),
                                                               vn(2026, 11, 27, 9, 30).isoformat())]


def test_the_notices_preview_counts_the_time_waited_as_applying_it_does(api, app, clock):
    """After the payment, Fri 27/11 made off by a notice: the preview shows the item Fri 27/11 10:00 → Mon 30/11
    10:00 (the 16.5 hours waited kept: Wed 25/11 09:30 + 5.5 h on Wed, 8 h on Thu, 3 h on Mon), which applying
    writes."""
    code = paid_on_thursday(api, app, clock)
    notice = {"agency": "000.00.06.H56", "days": [{"day": "2026-11-27", "kind": "off", "name": "Nghỉ đột xuất"}]}
    r = api.post("/api/v1/calendar/preview", ADMIN, json=notice)
    assert r.status_code == 200, r.get_json()
    [moved] = [d for d in r.get_json()["dossiers"] if d["code"] == code]
    assert [(s["from"], s["to"]) for s in moved["steps"]] == [(iso(2026, 11, 27, 10, 0), iso(2026, 11, 30, 10, 0))]
    r = api.post("/api/v1/calendar/apply", ADMIN, json=notice)
    assert r.status_code == 200, r.get_json()
    assert stored_due(app, code) == vn(2026, 11, 30, 10, 0)
    assert api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()["due_at"] == iso(2026, 12, 2, 10, 0)


def test_a_later_save_of_the_process_keeps_the_time_waited_in_the_items_due(api, app, clock):
    """The process saved again while the item is open (a BPMN timer, a liên thông parent, a version migration all
    save it) counts the item from its creation: the 16.5 hours waited for the fee stay in its due (Fri 27/11
    10:00), never brought back to Wed 25/11 09:30."""
    from engine.cases.dossiers import Context, load_process, save_process

    code = paid_on_thursday(api, app, clock)
    at(api, clock, vn(2026, 11, 26, 11, 0))
    ext = app.extensions["tthc"]

    def save_again(session, dossier):
        ctx = Context(None, ext["clock"].now(), ext["settings"])
        save_process(session, dossier, load_process(dossier, ctx), ctx.now, ctx.settings)
    with_dossier(app, code, save_again)
    assert stored_due(app, code) == vn(2026, 11, 27, 10, 0)
    assert api.task_for(SPECIALIST, code)["due_at"] == iso(2026, 11, 27, 10, 0)
