"""Two leaders decide the same dossier at once on the task page. The one whose claim lost ("Công việc đang do người
khác xử lý") found the task gone when the page was drawn again, and was shown the claim's refusal on a bare error
page: the work was in fact done, by the colleague. Now the page says so: completed by whom, and when."""
from __future__ import annotations

import pytest
from conftest import OFFICERS, PASSWORD, STEP_DATA
from sqlalchemy import select
from web_support import Web, text_of

from engine.cases import accounts, tasks
from engine.cases.dossiers import Context
from engine.data.model import User

OTHER = "demo.lanhdao2"


@pytest.fixture
def backend():
    return "sqlite"


def test_the_leader_whose_claim_lost_is_told_who_completed_the_task(api, app, clock, monkeypatch):
    sessions = app.extensions["tthc"]["sessions"]
    with sessions.begin() as session:
        leader = session.scalar(select(User).where(User.username == OFFICERS["approval"]))
        accounts.ensure_officer(session, clock.now(), OTHER, "Lê Văn Hai", {"department_leader"}, leader.agency, PASSWORD)
    code = api.file()["code"]
    api.act(OFFICERS["intake"], code, "receive")
    api.act(OFFICERS["assessment"], code, "propose_approval", STEP_DATA["propose_approval"])
    item = api.task_for(OFFICERS["approval"], code)["id"]
    original = tasks.complete

    def colleague_first(session, ctx, item_id, action, data):
        """The colleague's transaction holds the task when this one claims it, and commits right after."""
        with sessions.begin() as other:
            tasks.claim(other, other.scalar(select(User).where(User.username == OTHER)), item_id)
        try:
            return original(session, ctx, item_id, action, data)
        finally:
            session.rollback()
            with sessions.begin() as other:
                colleague = other.scalar(select(User).where(User.username == OTHER))
                original(other, Context(colleague, clock.now(), app.extensions["tthc"]["settings"]), item_id,
                         "approve", {})

    web = Web(app.test_client()).login(OFFICERS["approval"])
    monkeypatch.setattr(tasks, "complete", colleague_first)
    r = web.post(f"/can-bo/cong-viec/{item}/approve", {}, status=409)
    page = text_of(r)
    assert "Công việc đã được Lê Văn Hai hoàn thành lúc" in page, page
    assert "đang do người khác xử lý" not in page
