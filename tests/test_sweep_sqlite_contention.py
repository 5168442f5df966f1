"""D19 under contention: the timer sweep of `tthc serve` runs while officers commit their work (waitress
threads and the timer service share one process and, by default, one SQLite file). The overdue must still be
recorded, once, with the head's apology letter, and the officers' commands must succeed; a sweep that fails
all the same must not stop the rest of the worker's beat (documents, checkpoints, digests, notices)."""
from __future__ import annotations

import threading
from collections import Counter

import pytest
from notice_support import emailing, smtp  # noqa: F401 (smtp: the fixture)
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from conftest import CITIZEN, STEP_DATA, iso, make_settings, vn
from engine import timers
from engine.core.settings import with_secrets
from engine.data.model import AuditEvent, Dossier, WorkItem
from engine.data.operations_model import Incident

RECEIVER, SPECIALIST = "demo.tiepnhan", "demo.chuyenvien"
FILED = vn(2026, 2, 23, 8, 0)      # Monday 23/02/2026 08:00: filed and received
DUE = iso(2026, 2, 26, 8, 0)       # Thursday 26/02/2026 08:00
LATE = vn(2026, 2, 26, 9, 0)       # an hour after it: overdue (D19)


@pytest.fixture
def settings(database_url, tmp_path, pki_dir, smtp):
    """Notices by email to the test's SMTP server."""
    return emailing(with_secrets(make_settings(tmp_path / "data", database_url, pki_dir)), smtp)


def received(api, clock, count: int) -> list[str]:
    clock.set(FILED)
    codes = [api.file(CITIZEN)["code"] for _ in range(count)]
    for code in codes:
        assert api.act(RECEIVER, code, "receive")["due_at"] == DUE
    clock.set(LATE)
    return codes


def state_of(app, code: str) -> tuple[Counter, Counter, list]:
    with app.extensions["tthc"]["sessions"]() as session:
        dossier_id = session.scalar(select(Dossier.id).where(Dossier.code == code))
        actions = Counter(session.scalars(select(AuditEvent.action).where(AuditEvent.dossier_id == dossier_id)))
        items = Counter(session.scalars(select(WorkItem.step).where(WorkItem.dossier_id == dossier_id)))
        broken = list(session.scalars(select(Incident.id).where(Incident.dossier_id == dossier_id)))
    return actions, items, broken


def complete(app, headers: dict, task_id: int):
    return app.test_client().post(f"/api/v1/tasks/{task_id}/complete", headers=headers,
                                  json={"action": "propose_approval", "data": STEP_DATA["propose_approval"]})


def redone_if_told_to_reload(app, headers: dict, statuses: dict[int, int]) -> None:
    """Each proposal (``statuses``: the answer by task) succeeded, or was refused whole because the sweep had just
    changed its dossier (409: reload and try again, as PostgreSQL answers too); done again, it succeeds."""
    assert all(status in (200, 409) for status in statuses.values()), statuses
    for task_id, status in statuses.items():
        if status == 409:
            again = complete(app, headers, task_id)
            assert again.status_code == 200, again.get_json()


def test_an_officer_commit_in_the_middle_of_a_sweep_does_not_undo_the_overdue(api, app, clock, settings,
                                                                              monkeypatch):
    """The sweep has read the due dossier when the specialist's proposal is sent: the overdue is still
    recorded by this sweep (not left to fail), and the specialist's command succeeds."""
    [code] = received(api, clock, 1)
    task_id = api.task_for(SPECIALIST, code)["id"]
    headers = api.headers(SPECIALIST)
    original, answers, officers = timers.fire, [], []

    def fire_during_a_commit(session, settings_, dossier, now, batch):
        if not officers:  # the officer's command, while the sweep's transaction is open
            officers.append(threading.Thread(target=lambda: answers.append(complete(app, headers, task_id))))
            officers[0].start()
            officers[0].join(1.0)  # done at once if it need not wait for the sweep; else after the sweep commits
        return original(session, settings_, dossier, now, batch)

    monkeypatch.setattr(timers, "fire", fire_during_a_commit)
    done = timers.sweep(app.extensions["tthc"]["sessions"], settings, LATE)
    officers[0].join(60)
    assert done.incidents == 0 and done.effects.get("overdue") == 1
    actions, items, broken = state_of(app, code)
    assert actions["overdue"] == 1 and items["apology"] == 1 and broken == []
    redone_if_told_to_reload(app, headers, {task_id: answers[0].status_code if answers else None})


def test_six_proposals_and_a_sweep_at_the_same_moment(api, app, clock, settings):
    """Real threads, as waitress and the heartbeat run them: six proposals and one sweep released together."""
    codes = received(api, clock, 6)
    task_ids = [api.task_for(SPECIALIST, code)["id"] for code in codes]
    headers = api.headers(SPECIALIST)
    start = threading.Barrier(len(task_ids) + 1)
    statuses, sweeps, errors = {}, [], []

    def officer(task_id: int) -> None:
        start.wait(30)
        statuses[task_id] = complete(app, headers, task_id).status_code

    def sweeper() -> None:
        start.wait(30)
        try:
            sweeps.append(timers.sweep(app.extensions["tthc"]["sessions"], settings, LATE))
        except Exception as exc:  # the failure under test
            errors.append(exc)

    threads = [threading.Thread(target=officer, args=(t,)) for t in task_ids] + [threading.Thread(target=sweeper)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    assert errors == [] and len(statuses) == 6
    [done] = sweeps
    # each overdue once: by this very sweep, or by a proposal that came first (an action on a dossier whose due
    # instant passed unrecorded records its overdue first, engine.cases.tasks)
    assert done.incidents == 0 and done.effects.get("overdue", 0) <= 6  # none when every proposal came first
    for code in codes:
        actions, items, broken = state_of(app, code)
        assert actions["overdue"] == 1 and items["apology"] == 1 and broken == [], (code, actions, items)
    redone_if_told_to_reload(app, headers, statuses)


class _Scheduler:
    """Keeps the heartbeat job instead of scheduling it (the job itself is the real code)."""

    def add_job(self, func, *args, **kwargs) -> None:
        self.job = func


def test_a_failed_sweep_does_not_stop_the_beat_from_sending_notices(api, app, clock, settings, smtp,
                                                                     monkeypatch):
    """The citizen's filing receipt waits in the outbox; the beat's sweep fails (the database was busy): the
    same beat still sends the outbox."""
    clock.set(FILED)
    code = api.file(CITIZEN)["code"]
    sessions = app.extensions["tthc"]["sessions"]
    assert smtp.mailbox.messages == []

    def busy(*args, **kwargs):
        raise OperationalError("UPDATE dossier SET late=?", {}, Exception("database is locked"))

    monkeypatch.setattr(timers, "sweep", busy)
    scheduler = _Scheduler()
    timers._add_heartbeat(scheduler, sessions, settings, clock)
    scheduler.job()  # raised before, and nothing after the sweep ran
    assert [m for m in smtp.mailbox.messages if code in m["Subject"]]
