"""D23-D25: the officer's return form starts at the way the citizen chose to receive the result.

Mon 23/11/2026 (the tests' clock): a citizen files on the portal's filing page at 09:00, choosing how the result
comes back (online, by post to an address, or at the desk); the dossier is received, proposed and approved at
10:00 and issued at 11:00. At 14:00 the receiving officer opens the return task: the form's ``hinh_thuc_tra``
is already the citizen's choice (``online``, ``buu_chinh``, ``truc_tiep``), never ``online`` whatever they chose,
so the officer who just presses the button returns it the way the citizen asked.
"""
from __future__ import annotations

import re

import pytest
from conftest import CITIZEN, OFFICERS, SAMPLE_CODE, SAMPLE_FORM, STEP_DATA, vn
from web_support import Web, dossier_row, flatten

RECEIVER = OFFICERS["intake"]
ADDRESS = "12 Lê Lợi, P. Bến Thành, TP HCM"
SELECTED = re.compile(r'<select id="return_result-hinh_thuc_tra"[^>]*>(.*?)</select>', re.S)


@pytest.fixture
def backend():
    """What the page shows is the same on both databases."""
    return "sqlite"


def filed_on_the_portal(app, api, clock, channel: str) -> str:
    """Filed on the citizen's page at 09:00 with the return channel chosen there, then resolved by 11:00."""
    clock.set(vn(2026, 11, 23, 9, 0))
    citizen = Web(app.test_client()).login(CITIZEN)
    data = {**flatten(SAMPLE_FORM), "return_channel": channel}
    if channel == "post":
        data["return_address"] = ADDRESS
    r = citizen.post(f"/thu-tuc/{SAMPLE_CODE}/nop", data, status=302, content_type="multipart/form-data")
    code = r.headers["Location"].split("/ca-nhan/ho-so/")[1].split("/")[0]
    assert dossier_row(app, code).return_via == channel
    api.tokens.clear()
    api.act(RECEIVER, code, "receive")
    clock.set(vn(2026, 11, 23, 10, 0))
    api.act(OFFICERS["assessment"], code, "propose_approval", STEP_DATA["propose_approval"])
    api.act(OFFICERS["approval"], code, "approve")
    clock.set(vn(2026, 11, 23, 11, 0))
    assert api.act(OFFICERS["signing"], code, "issue_result", STEP_DATA["issue_result"])["status"] == 9
    clock.set(vn(2026, 11, 23, 14, 0))
    api.tokens.clear()
    return code


def selected_return(page: str) -> list[str]:
    found = SELECTED.search(page)
    assert found, "no return form on the task page"
    return re.findall(r'<option value="([^"]*)" selected', found.group(1))


@pytest.mark.parametrize(("channel", "form_value"), [("desk", "truc_tiep"), ("online", "online"),
                                                      ("post", "buu_chinh")])
def test_the_return_form_starts_at_the_channel_the_citizen_chose_when_filing(app, api, clock, channel, form_value):
    """D23: the desk (or the post) chosen when filing is the form's selected option, not ``online``."""
    code = filed_on_the_portal(app, api, clock, channel)
    officer = Web(app.test_client()).login(RECEIVER)
    page = officer.get(f"/can-bo/cong-viec/{officer.task_id(code)}").get_data(as_text=True)
    assert selected_return(page) == [form_value]

    officer.act(code, "return_result", {"f.hinh_thuc_tra": form_value})  # the default goes through as it is
    assert dossier_row(app, code).status == 10


def test_a_dossier_received_at_the_desk_starts_its_return_form_at_the_desk(app, api, clock):
    """D23: a dossier the one-stop received at its desk (no choice written) is returned at the desk by default."""
    clock.set(vn(2026, 11, 23, 9, 0))
    owner = {"full_name": "Nguyễn Văn Bàn", "birth_date": "1980-05-05", "cccd": "001080000123"}
    code = api.file(RECEIVER, owner=owner)["code"]
    assert dossier_row(app, code).return_via == "desk"
    api.act(RECEIVER, code, "receive")
    clock.set(vn(2026, 11, 23, 10, 0))
    api.act(OFFICERS["assessment"], code, "propose_approval", STEP_DATA["propose_approval"])
    api.act(OFFICERS["approval"], code, "approve")
    clock.set(vn(2026, 11, 23, 11, 0))
    assert api.act(OFFICERS["signing"], code, "issue_result", STEP_DATA["issue_result"])["status"] == 9
    clock.set(vn(2026, 11, 23, 14, 0))
    officer = Web(app.test_client()).login(RECEIVER)
    page = officer.get(f"/can-bo/cong-viec/{officer.task_id(code)}").get_data(as_text=True)
    assert selected_return(page) == ["truc_tiep"]
