"""One officer claims a task while another of the same agency and role completes it, at the same moment.

api.md 'Tasks': claim answers 200, or 409 when the task is taken; complete answers 409 when someone else took or
completed it first. Whatever the order the database serialises them in, the two answers agree with what was
recorded: never a claim answered 200 for a task another officer completed.
"""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from conftest import CITIZEN, PASSWORD, STEP_DATA, password_hash, vn
from engine.cases import accounts
from engine.data.model import User

RECEIVER, SPECIALIST, SECOND = "demo.tiepnhan", "demo.chuyenvien", "demo.chuyenvien2"
ROUNDS = 5


def _second_specialist(app) -> None:
    """Chuyên viên Hai: the same agency and role as demo.chuyenvien."""
    with app.extensions["tthc"]["sessions"].begin() as s:
        spec = s.scalar(select(User).where(User.username == SPECIALIST))
        accounts.ensure_officer(s, vn(2026, 11, 23, 9, 0), SECOND, "Chuyên viên Hai", {"specialist"}, spec.agency,
                                PASSWORD, password_hash=password_hash())


def _token(client, user: str) -> str:
    r = client.post("/api/v1/auth/token", json={"username": user, "password": PASSWORD})
    assert r.status_code == 200, r.get_json()
    return r.get_json()["token"]


def _race(app, calls):
    """Run each (user, request) on its own client and thread, released together by a barrier."""
    clients = [app.test_client() for _ in calls]
    headers = [{"Authorization": f"Bearer {_token(clients[i], user)}"} for i, (user, _) in enumerate(calls)]
    barrier = threading.Barrier(len(calls))
    out: list = [None] * len(calls)

    def run(i):
        barrier.wait(timeout=30)
        try:
            out[i] = calls[i][1](clients[i], headers[i])
        except BaseException as exc:  # reported by the assertion below, not lost in the thread
            out[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(r is None or isinstance(r, BaseException) for r in out), out
    return out


def test_claim_while_another_officer_completes(api, app):
    # Monday 23/11/2026 09:00 (the clock fixture): dossiers received, each raced on by two specialists
    _second_specialist(app)
    for _round in range(ROUNDS):
        code = api.file(CITIZEN)["code"]
        api.act(RECEIVER, code, "receive")
        task = api.task_for(SPECIALIST, code)
        claim, done = _race(app, [
            (SPECIALIST, lambda c, h: c.post(f"/api/v1/tasks/{task['id']}/claim", headers=h)),
            (SECOND, lambda c, h: c.post(f"/api/v1/tasks/{task['id']}/complete", headers=h,
                                         json={"action": "propose_approval",
                                               "data": STEP_DATA["propose_approval"]}))])
        print("claim", claim.status_code, "complete", done.status_code)
        history = api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()["history"]
        proposed = [h for h in history if h["action"] == "propose_approval"]
        still_open = api.get(f"/api/v1/tasks/{task['id']}", SPECIALIST)
        assert sorted([claim.status_code, done.status_code]) == [200, 409], (claim.get_json(), done.get_json())
        if claim.status_code == 200:  # the claim came first: the task is demo.chuyenvien's, not completed
            assert claim.get_json()["assignee"] == SPECIALIST
            assert done.get_json()["error"]["code"] == "task_taken"
            assert not proposed
            assert still_open.status_code == 200 and still_open.get_json()["assignee"] == SPECIALIST
        else:  # the completion came first: the claim is refused and the task is closed by Chuyên viên Hai
            assert claim.get_json()["error"]["code"] in ("task_taken", "task_completed", "busy"), claim.get_json()
            assert len(proposed) == 1
            assert still_open.status_code in (404, 409)


@pytest.mark.parametrize("first", ["claim", "complete"])
def test_claim_and_complete_one_after_the_other(api, app, first):
    """The same two requests in turn: the second one is told the first one won."""
    _second_specialist(app)
    code = api.file(CITIZEN)["code"]
    api.act(RECEIVER, code, "receive")
    task = api.task_for(SPECIALIST, code)
    claim = lambda: api.post(f"/api/v1/tasks/{task['id']}/claim", SPECIALIST)  # noqa: E731
    done = lambda: api.post(f"/api/v1/tasks/{task['id']}/complete", SECOND,  # noqa: E731
                            json={"action": "propose_approval", "data": STEP_DATA["propose_approval"]})
    if first == "claim":
        assert claim().status_code == 200
        r = done()
        assert (r.status_code, r.get_json()["error"]["code"]) == (409, "task_taken")
    else:
        assert done().status_code == 200
        r = claim()
        assert r.status_code == 409 and r.get_json()["error"]["code"] in ("task_completed", "task_taken"), r.get_json()
