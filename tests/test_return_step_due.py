"""D19, D23: the result's clock ends when it is resolved. A result issued before its due date and collected
after it is neither overdue in the receiving officer's inbox nor a late hand-over on the control slip (D30):
the return step waits for the citizen, not for the law's deadline."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from conftest import CITIZEN, STEP_DATA, sign_requested, vn
from test_statistics import settings, pki_2027  # noqa: F401
from engine.cases import inbox
from engine.data import calendars
from engine.data.model import AuditEvent, Dossier, User, WorkItem
from engine.reports.scope import Scope
from engine.reports.steptimes import step_times

RECEIVER, SPECIALIST, LEADER, CLERK = "demo.tiepnhan", "demo.chuyenvien", "demo.lanhdao", "demo.vanthu"


def _act(api, clock, when, user, code, action, data=None):
    clock.set(vn(*when))
    api.tokens.clear()
    return api.act(user, code, action, data)


def _resolved_early(app, api, clock) -> str:
    """Filed Mon 01/03/2027 08:00, received 08:30 (3 working days: due Thu 04/03/2027 08:30), result issued
    Tue 02/03/2027 09:00: resolved early."""
    clock.set(vn(2027, 3, 1, 8, 0))
    code = api.file(CITIZEN)["code"]
    _act(api, clock, (2027, 3, 1, 8, 30), RECEIVER, code, "receive")
    _act(api, clock, (2027, 3, 2, 9, 0), SPECIALIST, code, "propose_approval", STEP_DATA["propose_approval"])
    _act(api, clock, (2027, 3, 2, 9, 0), LEADER, code, "approve", {"y_kien_phe_duyet": "Đồng ý"})
    assert _act(api, clock, (2027, 3, 2, 9, 0), CLERK, code, "issue_result", STEP_DATA["issue_result"])["status"] == 9
    return code


def test_a_result_issued_early_and_not_collected_by_the_due_date_is_not_overdue_in_the_inbox(app, api, clock,
                                                                                              settings):
    code = _resolved_early(app, api, clock)
    clock.set(vn(2027, 3, 8, 9, 0))  # Monday after the due Thursday: the citizen has not come yet
    with app.extensions["tthc"]["sessions"]() as session:
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        assert dossier.due_at == vn(2027, 3, 4, 8, 30)
        item = session.scalar(select(WorkItem).where(WorkItem.dossier_id == dossier.id,
                                                     WorkItem.step == "return"))
        assert item is not None and item.due_at is None
        officer = session.scalar(select(User).where(User.username == RECEIVER))
        counts = inbox.counts(session, officer, clock.now(), calendars.calendar_for(session, settings,
                                                                                    dossier.agency.code))
    assert counts["overdue"] == 0


def test_a_result_issued_early_and_collected_after_the_due_date_is_not_a_late_step(app, api, clock, settings):
    code = _resolved_early(app, api, clock)
    _act(api, clock, (2027, 3, 8, 9, 0), RECEIVER, code, "return_result", STEP_DATA["return_result"])
    with app.extensions["tthc"]["sessions"]() as session:
        returned = session.scalar(select(AuditEvent).where(AuditEvent.action == "return_result"))
        assert not returned.late
        steps = {row.step: row for row in step_times(session, settings, Scope(date(2027, 3, 1), date(2027, 3, 31)),
                                                     clock.now())}
    assert steps["return"].late == 0
