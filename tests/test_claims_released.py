"""An officer who can no longer work an item they hold gives it back (D2; engine.cases.tasks.release_unworkable).

Before: a specialist claimed a dossier's assessment, then the administrator suspended them, or moved them to another
agency: the item stayed theirs. Their colleague saw "Công việc đang do ... xử lý" and was refused (409), the
suspended officer could not sign in, the moved one no longer saw it (404), and nobody else may release a claim: the
dossier waited until it was late. Now the administrator's change gives the items back to their role's queue in the
same transaction (said in the change's trail), and migration 0045 gives back those held at the upgrade."""
from __future__ import annotations

import sqlite3

import pytest
from conftest import PASSWORD, STEP_DATA
from sqlalchemy import select
from test_migrations import _alembic, old_database

from engine.cases import accounts
from engine.data.agency_model import AdminEvent
from engine.data.model import Agency, User, WorkItem

SECOND = "demo.chuyenvien2"


@pytest.fixture
def backend():
    return "sqlite"


def held_item(api, app, clock) -> tuple[str, int]:
    """A dossier received, its assessment claimed by a second specialist of the ward."""
    with app.extensions["tthc"]["sessions"].begin() as session:
        ward = session.scalar(select(User).where(User.username == "demo.chuyenvien")).agency
        accounts.ensure_officer(session, clock.now(), SECOND, "Ngô Văn Hai", {"specialist"}, ward, PASSWORD)
    code = api.file()["code"]
    api.act("demo.tiepnhan", code, "receive")
    item = api.task_for(SECOND, code)["id"]
    assert api.post(f"/api/v1/tasks/{item}/claim", SECOND).status_code == 200
    refused = api.post(f"/api/v1/tasks/{item}/complete", "demo.chuyenvien",
                       json={"action": "propose_approval", "data": STEP_DATA["propose_approval"]})
    assert refused.status_code == 409, refused.get_json()  # held by the colleague
    return code, item


def assignee(app, item: int):
    with app.extensions["tthc"]["sessions"]() as session:
        return session.get(WorkItem, item).assignee_id


def trail(app, action: str) -> dict:
    with app.extensions["tthc"]["sessions"]() as session:
        return session.scalars(select(AdminEvent.details).where(AdminEvent.action == action,
                                                                AdminEvent.target == SECOND)).one()


@pytest.mark.parametrize("change", [{"active": False, "reason": "Nghỉ việc"}, {"roles": ["receiving_officer"]}])
def test_suspending_the_holder_or_taking_the_role_gives_the_item_back(api, app, clock, change):
    code, item = held_item(api, app, clock)
    r = api.client.patch(f"/api/v1/officers/{SECOND}", json=change, headers=api.headers("demo.admin"))
    assert r.status_code == 200, r.get_json()
    assert assignee(app, item) is None
    action = "officer.suspend" if "active" in change else "officer.update"
    assert trail(app, action)["released_tasks"] == [code]
    api.act("demo.chuyenvien", code, "propose_approval", STEP_DATA["propose_approval"])  # the colleague goes on


def test_moving_the_holder_to_another_agency_gives_the_item_back(api, app, clock):
    code, item = held_item(api, app, clock)
    with app.extensions["tthc"]["sessions"].begin() as session:  # a unit under the administrator's agency
        admin = session.scalar(select(User).where(User.username == "demo.admin"))
        session.add(Agency(code="000.00.09.H56", name="Bộ phận khác", level="department", parent_id=admin.agency_id))
    r = api.client.patch(f"/api/v1/officers/{SECOND}", json={"agency": "000.00.09.H56"},
                         headers=api.headers("demo.admin"))
    assert r.status_code == 200, r.get_json()
    assert assignee(app, item) is None
    assert trail(app, "officer.update")["released_tasks"] == [code]


def test_a_change_that_leaves_the_holder_able_keeps_the_claim(api, app, clock):
    code, item = held_item(api, app, clock)
    r = api.client.patch(f"/api/v1/officers/{SECOND}", json={"roles": ["specialist", "receiving_officer"]},
                         headers=api.headers("demo.admin"))
    assert r.status_code == 200, r.get_json()
    with app.extensions["tthc"]["sessions"]() as session:
        assert session.get(WorkItem, item).assignee.username == SECOND
    assert "released_tasks" not in trail(app, "officer.update")


def test_the_upgrade_gives_back_the_items_held_by_suspended_or_moved_officers(tmp_path):
    path, url, db = old_database(tmp_path, "0044")
    db.execute("insert into agency (id, code, name) values (2, 'B', 'B')")
    for uid, name, agency, locked, roles in ((2, "ok", 1, None, "clerk,specialist"), (3, "off", 1, "Nghỉ", "specialist"),
                                             (4, "moved", 2, None, "specialist"), (5, "other", 1, None, "specialists")):
        db.execute("insert into user_account (id, username, password_hash, full_name, roles, agency_id, standardised, "
                   "locked_reason, created_at) values (?, ?, 'x', ?, ?, ?, 0, ?, '2026-11-23 02:00:00')",
                   (uid, name, name, roles, agency, locked))
    for item, holder in ((1, 2), (2, 3), (3, 4), (4, None), (5, 5)):
        db.execute("insert into work_item (id, dossier_id, task_id, spec_name, name, step, role, agency_id, "
                   "assignee_id, created_at) values (?, 1, ?, 's', 'n', 'assessment', 'specialist', 1, ?, "
                   "'2026-11-23 02:00:00')", (item, f"t{item}", holder))
    db.commit()
    db.close()
    _alembic(url, "upgrade", "head")
    db = sqlite3.connect(path)
    assert db.execute("select id, assignee_id from work_item order by id").fetchall() == \
        [(1, 2), (2, None), (3, None), (4, None), (5, None)]  # 5: "specialists" is not the role "specialist"
    db.close()
