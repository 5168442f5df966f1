"""The officers' dossier page named the open step without a way to it: a receiving officer who had just registered
a desk dossier went back to the inbox to find its intake task. The step is now a link to its task page for an
officer who may work it (their agency, their role), plain text for the others."""
from __future__ import annotations

import pytest
from conftest import OFFICERS
from web_support import Web


@pytest.fixture
def backend():
    return "sqlite"


def test_the_open_step_links_to_its_task_for_whoever_may_work_it(api, app):
    code = api.file()["code"]
    item = api.task_for(OFFICERS["intake"], code)["id"]
    desk = Web(app.test_client()).login(OFFICERS["intake"])
    page = desk.get(f"/can-bo/ho-so/{code}").get_data(as_text=True)
    assert f'<a href="/can-bo/cong-viec/{item}" data-open-task="{item}">' in page
    desk.get(f"/can-bo/cong-viec/{item}")  # the link leads to the task page
    other_role = Web(app.test_client()).login(OFFICERS["assessment"]).get(f"/can-bo/ho-so/{code}")
    assert "data-open-task" not in other_role.get_data(as_text=True)
