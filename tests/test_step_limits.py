"""A step's own time limit (D30): a user task that declares ``duration`` + ``durationUnit`` (the modeler's "Thời
hạn của bước") makes its work item due that long after the step got the dossier, counted on the dossier's working
calendar like the result's deadline (D13–D16), never after the dossier's own due time; the completion's audit
event carries it, so the control slip and the step-time report judge the step against it. Before, every
processing step was due at the result's due time and the declared limit was ignored.

The household-business sample (3 working days) with its assessment task given a limit, deployed through the API
as a new version. Dates worked out by hand: office hours 07:00–11:30 and 13:30–17:00, cut-off 15:00, Tue
24/11/2026 a public holiday (added by law from 2026). Filed Mon 23/11/2026 09:00, received 09:30: the result is
due Fri 27/11 09:30.
"""
from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from sqlalchemy import select

from conftest import CITIZEN, SAMPLE, SAMPLE_FORM, STEP_DATA, iso, vn
from test_official_forms import at, with_dossier
from test_records_control_slip import slip_rows
from test_replanning import cli_clock, tthc  # noqa: F401 (cli_clock: the command at the test's time)

from engine.cases.dossiers import Context, load_process, save_process
from engine.data.model import AuditEvent, Dossier, User, WorkItem
from engine.reports.scope import Scope
from engine.reports.steptimes import step_times

RECEIVER, SPECIALIST, LEADER, CLERK, ADMIN = ("demo.tiepnhan", "demo.chuyenvien", "demo.lanhdao", "demo.vanthu",
                                              "demo.admin")
ASSESSMENT = '<spiffworkflow:property name="step" value="assessment" />'
ASSESSMENT_ROW, APPROVAL_ROW = "Thẩm định hồ sơ", "Phê duyệt kết quả"


def deploy_limited(api, value: str, unit: str, clock_on_supplement: str = "restart") -> dict:
    """The sample with its assessment task limited to ``value`` ``unit``, as the sample's next version."""
    xml = SAMPLE.read_text(encoding="utf-8")
    assert xml.count(ASSESSMENT) == 1
    xml = xml.replace(ASSESSMENT, ASSESSMENT + f'<spiffworkflow:property name="duration" value="{value}" />'
                                               f'<spiffworkflow:property name="durationUnit" value="{unit}" />')
    xml = xml.replace('name="clockOnSupplement" value="restart"',
                      f'name="clockOnSupplement" value="{clock_on_supplement}"')
    r = api.post("/api/v1/procedures", ADMIN, content_type="multipart/form-data",
                 data={"bpmn": (io.BytesIO(xml.encode()), SAMPLE.name)})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def received(api, clock) -> tuple[str, dict]:
    """Filed Mon 23/11/2026 09:00, received 09:30 (due Fri 27/11 09:30)."""
    at(api, clock, vn(2026, 11, 23, 9, 0))
    code = api.file(CITIZEN)["code"]
    at(api, clock, vn(2026, 11, 23, 9, 30))
    dossier = api.act(RECEIVER, code, "receive")
    assert dossier["due_at"] == iso(2026, 11, 27, 9, 30)
    return code, dossier


def rows_of(app, code: str, giver: str) -> list[tuple]:
    return [(at_, due, result) for g, _to, at_, due, result in slip_rows(app, code) if g.startswith(giver)]


def stored_due(app, code: str) -> datetime | None:
    def read(session, dossier):
        return session.scalar(select(WorkItem.due_at).where(WorkItem.dossier_id == dossier.id))
    return with_dossier(app, code, read)


@pytest.mark.parametrize("value, unit, due", [
    ("1", "working_day", iso(2026, 11, 25, 9, 30)),    # Tue 24 is a holiday
    ("4", "working_hour", iso(2026, 11, 23, 15, 30)),  # 09:30-11:30 and 13:30-15:30
    ("2", "calendar_day", iso(2026, 11, 25, 9, 30)),
    ("5", "working_day", iso(2026, 11, 27, 9, 30)),    # longer than the dossier's 3 days: the dossier's due time
])
def test_the_specialists_work_item_is_due_at_the_steps_own_limit_never_after_the_dossier(api, clock, value, unit, due):
    deploy_limited(api, value, unit)
    code, _ = received(api, clock)
    assert api.task_for(SPECIALIST, code)["due_at"] == due


def test_a_step_done_after_its_own_limit_is_late_on_the_slip_while_the_dossier_is_in_time(api, app, clock):
    """Assessment limited to 1 working day: due Wed 25/11 09:30, done Thu 26/11 09:00, so late; the approval
    declares no limit and is judged against the result's Fri 27/11 09:30; resolved Thu 26/11 11:00, in time."""
    deploy_limited(api, "1", "working_day")
    code, _ = received(api, clock)
    assert api.task_for(SPECIALIST, code)["due_at"] == iso(2026, 11, 25, 9, 30)
    at(api, clock, vn(2026, 11, 26, 9, 0))
    api.act(SPECIALIST, code, "propose_approval", STEP_DATA["propose_approval"])
    assert api.task_for(LEADER, code)["due_at"] == iso(2026, 11, 27, 9, 30)  # no limit of its own
    for when, user, action in ((vn(2026, 11, 26, 10, 0), LEADER, "approve"),
                               (vn(2026, 11, 26, 11, 0), CLERK, "issue_result"),
                               (vn(2026, 11, 26, 14, 0), RECEIVER, "return_result")):
        at(api, clock, when)
        done = api.act(user, code, action, STEP_DATA.get(action))
    assert done["status"] == 10 and done["late"] is False
    assert rows_of(app, code, ASSESSMENT_ROW) == [(vn(2026, 11, 26, 9, 0), vn(2026, 11, 25, 9, 30), "Quá hạn")]
    assert rows_of(app, code, APPROVAL_ROW) == [(vn(2026, 11, 26, 10, 0), vn(2026, 11, 27, 9, 30), "Trước hạn")]

    def event(session, dossier):
        return session.execute(select(AuditEvent.due_at, AuditEvent.late).where(
            AuditEvent.dossier_id == dossier.id, AuditEvent.action == "propose_approval")).one()
    assert tuple(with_dossier(app, code, event)) == (vn(2026, 11, 25, 9, 30), True)
    with app.extensions["tthc"]["sessions"].begin() as session:
        times = {s.step: s for s in step_times(session, app.extensions["tthc"]["settings"],
                                               Scope(date(2026, 11, 1), date(2026, 11, 30)), vn(2026, 12, 1, 8, 0))}
    assert (times["assessment"].count, times["assessment"].late) == (1, 1)
    assert (times["approval"].count, times["approval"].late) == (1, 0)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_procedure_without_step_limits_keeps_every_item_at_the_dossiers_due_time(api, app, clock):
    code, dossier = received(api, clock)
    steps = with_dossier(app, code, lambda session, d: d.procedure_version.info["steps"])
    assert steps and not any(s.get("duration") for s in steps)
    assert api.task_for(SPECIALIST, code)["due_at"] == dossier["due_at"] == iso(2026, 11, 27, 9, 30)
    at(api, clock, vn(2026, 11, 26, 9, 0))
    api.act(SPECIALIST, code, "propose_approval", STEP_DATA["propose_approval"])
    assert api.task_for(LEADER, code)["due_at"] == iso(2026, 11, 27, 9, 30)
    assert rows_of(app, code, ASSESSMENT_ROW) == [(vn(2026, 11, 26, 9, 0), vn(2026, 11, 27, 9, 30), "Trước hạn")]


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize("clock_policy, dossier_due", [
    # NĐ 61: the 3 days restart at the supplement, Thu 26/11 10:00 → Tue 01/12 10:00
    ("restart", iso(2026, 12, 1, 10, 0)),
    # the 9 working hours waited (Wed 09:00 → Thu 10:00) are added to Fri 27/11 09:30 → Mon 30/11 10:30
    ("pause", iso(2026, 11, 30, 10, 30)),
])
def test_after_a_supplement_the_step_counts_its_limit_again_from_when_it_gets_the_dossier_back(
        api, app, clock, clock_policy, dossier_due):
    """The specialist asks for a supplement Wed 25/11 09:00 (within the step's day, due 09:30), the citizen gives it
    Thu 26/11 10:00: the new assessment item is due Fri 27/11 10:00 (1 working day from then), whatever the
    dossier's clock policy; done Mon 30/11 09:00, the step is late and the dossier is not."""
    deploy_limited(api, "1", "working_day", clock_policy)
    code, _ = received(api, clock)
    at(api, clock, vn(2026, 11, 25, 9, 0))
    api.act(SPECIALIST, code, "request_supplement", STEP_DATA["request_supplement"])
    at(api, clock, vn(2026, 11, 26, 10, 0))
    r = api.post(f"/api/v1/dossiers/{code}/supplement", CITIZEN, json={"form": SAMPLE_FORM})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["due_at"] == dossier_due
    assert api.task_for(SPECIALIST, code)["due_at"] == iso(2026, 11, 27, 10, 0)
    at(api, clock, vn(2026, 11, 30, 9, 0))
    done = api.act(SPECIALIST, code, "propose_approval", STEP_DATA["propose_approval"])
    assert done["late"] is False
    assert rows_of(app, code, ASSESSMENT_ROW) == [(vn(2026, 11, 25, 9, 0), vn(2026, 11, 25, 9, 30), "Đúng hạn"),
                                                  (vn(2026, 11, 30, 9, 0), vn(2026, 11, 27, 10, 0), "Quá hạn")]


@pytest.mark.parametrize("backend", ["sqlite"])
def test_an_open_item_keeps_its_own_due_when_the_dossiers_due_time_moves_and_is_capped_by_it(api, app, clock):
    """The assessment item (created Mon 23/11 09:30, own limit Wed 25/11 09:30) stays open while the dossier's due
    time moves (as an extension or a paused clock moves it) and the process is saved again: later, the item keeps
    its own; earlier than its own, the item is due with the dossier; back, the item's own again."""
    deploy_limited(api, "1", "working_day")
    code, _ = received(api, clock)
    ext = app.extensions["tthc"]

    def saved_with_due(new_due: datetime) -> datetime:
        with ext["sessions"].begin() as session:
            dossier = session.scalar(select(Dossier).where(Dossier.code == code))
            ctx = Context(session.scalar(select(User).where(User.username == SPECIALIST)), vn(2026, 11, 24, 8, 0),
                          ext["settings"])
            dossier.due_at = new_due
            save_process(session, dossier, load_process(dossier, ctx), ctx.now, ctx.settings)
        return stored_due(app, code)

    assert saved_with_due(vn(2026, 12, 1, 9, 30)) == vn(2026, 11, 25, 9, 30)
    assert saved_with_due(vn(2026, 11, 23, 16, 0)) == vn(2026, 11, 23, 16, 0)
    assert saved_with_due(vn(2026, 11, 27, 9, 30)) == vn(2026, 11, 25, 9, 30)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_day_made_off_counts_the_steps_own_limit_again(api, app, clock, settings):
    """Wed 25/11/2026 made a day off: the dossier is due Mon 30/11 09:30 and the assessment item, 1 working day
    from Mon 23/11 09:30 with Tue and Wed off, Thu 26/11 09:30 (it was set to the dossier's due time)."""
    deploy_limited(api, "1", "working_day")
    code, _ = received(api, clock)
    assert tthc(settings, "set", "2026-11-25", "off", "--name", "Nghỉ đột xuất")[-1].startswith("1 ")
    assert api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()["due_at"] == iso(2026, 11, 30, 9, 30)
    assert stored_due(app, code) == vn(2026, 11, 26, 9, 30)
    tthc(settings, "clear", "2026-11-25")
    assert stored_due(app, code) == vn(2026, 11, 25, 9, 30)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_years_notice_previews_and_applies_the_steps_own_limit_counted_again(api, app, clock):
    """The same day off as a year's notice (engine.cases.calendar_notices): the preview shows the assessment item
    moving to Thu 26/11 09:30, as the notice applied writes it, not to the dossier's Mon 30/11 09:30."""
    deploy_limited(api, "1", "working_day")
    code, _ = received(api, clock)
    notice = {"agency": "000.00.06.H56", "days": [{"day": "2026-11-25", "kind": "off", "name": "Nghỉ đột xuất"}]}
    r = api.post("/api/v1/calendar/preview", ADMIN, json=notice)
    assert r.status_code == 200, r.get_json()
    [moved] = r.get_json()["dossiers"]
    assert {"what": "due_at", "from": iso(2026, 11, 27, 9, 30), "to": iso(2026, 11, 30, 9, 30)} in moved["moves"]
    assert [(s["from"], s["to"]) for s in moved["steps"]] == [(iso(2026, 11, 25, 9, 30), iso(2026, 11, 26, 9, 30))]
    r = api.post("/api/v1/calendar/apply", ADMIN, json=notice)
    assert r.status_code == 200 and r.get_json()["moved"] == 1, r.get_json()
    assert stored_due(app, code) == vn(2026, 11, 26, 9, 30)
