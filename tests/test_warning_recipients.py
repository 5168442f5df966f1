"""D19 with D28: "one working day before the due date the responsible officers and leader are warned", and told
when it becomes overdue. The responsible officer is the one holding the open work item: once an officer has
claimed it (the inbox's claim), that officer is warned, not every officer of its role in the agency; an
unclaimed item is nobody's yet, so every officer who could take it is warned, as before. The department leaders
of the agency watching the deadline are warned either way (domain.md does not say which of them: all of them, as
before).

End to end through the API and the real timer sweep. The sample procedure 1.001612 (3 working days), filed and
received Mon 23/11/2026 09:00 (Tue 24/11 a public holiday): due Fri 27/11 09:00, warned Thu 26/11 09:00.
A second specialist (demo.chuyenvien2) and a second department leader (demo.lanhdao2) work in the same agency.
"""
from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select

from conftest import CITIZEN, OFFICERS, PASSWORD, iso, vn
from test_official_forms import at

from engine import timers
from engine.cases import accounts
from engine.data.model import User
from engine.data.notice_model import Notice

RECEIVER, SPECIALIST, LEADER, HEAD = OFFICERS["intake"], OFFICERS["assessment"], OFFICERS["approval"], "demo.thutruong"
SPECIALIST2, LEADER2 = "demo.chuyenvien2", "demo.lanhdao2"


@pytest.fixture
def backend():
    return "sqlite"


def sessions_of(app):
    return app.extensions["tthc"]["sessions"]


def colleagues(app, clock) -> None:
    """A second specialist and a second department leader in demo.chuyenvien's agency."""
    with sessions_of(app).begin() as session:
        agency = session.scalar(select(User).where(User.username == SPECIALIST)).agency
        accounts.ensure_officer(session, clock.now(), SPECIALIST2, "Trần Thị Chuyên", {"specialist"}, agency, PASSWORD)
        accounts.ensure_officer(session, clock.now(), LEADER2, "Vũ Văn Lãnh", {"department_leader"}, agency, PASSWORD)


def received(api, app, clock) -> str:
    """Filed and received Mon 23/11/2026 09:00; due Fri 27/11 09:00."""
    colleagues(app, clock)
    at(api, clock, vn(2026, 11, 23, 9, 0))
    code = api.file(CITIZEN)["code"]
    assert api.act(RECEIVER, code, "receive")["due_at"] == iso(2026, 11, 27, 9, 0)
    return code


def task_call(api, user: str, code: str, what: str) -> None:
    task = api.task_for(user, code)
    r = api.post(f"/api/v1/tasks/{task['id']}/{what}", user)
    assert r.status_code == 200, r.get_json()


def sweep(app, settings, *when) -> dict:
    return dict(timers.sweep(sessions_of(app), settings, vn(*when)).effects)


def told(app, event: str) -> Counter:
    """How many ``event`` notices each person got."""
    with sessions_of(app)() as session:
        return Counter(session.scalars(select(User.username).join(Notice, Notice.user_id == User.id)
                                       .where(Notice.event == event)))


def test_the_officer_holding_the_claimed_item_is_warned_not_the_other_officers_of_the_role(api, app, clock, settings):
    """demo.chuyenvien claimed the assessment: warned Thu 26/11 09:00 with both department leaders, told it is
    overdue Fri 27/11 09:00 with them and the head of agency; demo.chuyenvien2, who holds nothing, is told
    neither (before: every specialist of the agency was)."""
    code = received(api, app, clock)
    task_call(api, SPECIALIST, code, "claim")
    assert sweep(app, settings, 2026, 11, 26, 8, 59) == {}
    assert sweep(app, settings, 2026, 11, 26, 9, 0) == {"warning": 1}
    assert told(app, "warning") == Counter({SPECIALIST: 1, LEADER: 1, LEADER2: 1})
    [warning] = api.get("/api/v1/me/notifications", SPECIALIST).get_json()
    assert warning["title"] == f"Hồ sơ {code} sắp đến hạn" and warning["link"] == f"/can-bo/ho-so/{code}"
    assert api.get("/api/v1/me/notifications", SPECIALIST2).get_json() == []

    assert sweep(app, settings, 2026, 11, 27, 8, 59) == {}
    assert sweep(app, settings, 2026, 11, 27, 9, 0) == {"overdue": 1}
    assert told(app, "overdue") == Counter({SPECIALIST: 1, LEADER: 1, LEADER2: 1, HEAD: 1})
    assert told(app, "warning") == Counter({SPECIALIST: 1, LEADER: 1, LEADER2: 1})  # once
    assert api.get("/api/v1/me/notifications", SPECIALIST2).get_json() == []


def test_an_unclaimed_item_warns_every_officer_who_could_take_it(api, app, clock, settings):
    """Claimed and released again: nobody holds the assessment, so both specialists are warned and told it is
    overdue, with both department leaders (and the head of agency of the overdue)."""
    code = received(api, app, clock)
    task_call(api, SPECIALIST, code, "claim")
    task_call(api, SPECIALIST, code, "release")
    assert sweep(app, settings, 2026, 11, 26, 9, 0) == {"warning": 1}
    assert told(app, "warning") == Counter({SPECIALIST: 1, SPECIALIST2: 1, LEADER: 1, LEADER2: 1})
    assert sweep(app, settings, 2026, 11, 27, 9, 0) == {"overdue": 1}
    assert told(app, "overdue") == Counter({SPECIALIST: 1, SPECIALIST2: 1, LEADER: 1, LEADER2: 1, HEAD: 1})


def test_an_item_held_by_a_locked_officer_warns_the_officers_of_its_role(api, app, clock, settings):
    """demo.chuyenvien claimed the assessment, then the account was locked: the holder cannot act on it (nor read
    the notice), so the item is as good as unclaimed: the role's active officers are warned."""
    code = received(api, app, clock)
    task_call(api, SPECIALIST, code, "claim")
    with sessions_of(app).begin() as session:
        session.scalar(select(User).where(User.username == SPECIALIST)).locked_reason = "tạm đình chỉ"
    assert sweep(app, settings, 2026, 11, 26, 9, 0) == {"warning": 1}
    assert told(app, "warning") == Counter({SPECIALIST2: 1, LEADER: 1, LEADER2: 1})
