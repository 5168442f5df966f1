"""D23: the one-stop returns the result the way the citizen chose it, or hands it over at the desk.

Mon 23/11/2026 (the tests' clock): an online dossier is filed at 09:00 and received, proposed and approved at
10:00, issued at 11:00; the receiving officer returns it at 14:00. The return form's ``hinh_thuc_tra`` says how:
``buu_chinh`` only when the citizen chose the post (to the dossier's return address), ``online`` only when they
chose online (the result in their account); ``truc_tiep`` (the citizen, or their representative, came to the desk)
whatever they chose. Any other return is refused (422 ``return_channel_mismatch``, rule D23, naming
``hinh_thuc_tra`` and what the citizen chose), through the API and on the officer's task page, and nothing
changes: the dossier stays resolved (9) and the citizen is told nothing.
"""
from __future__ import annotations

import pytest
from conftest import CITIZEN, OFFICERS, STEP_DATA, vn
from web_support import Web, dossier_row, text_of

RECEIVER = OFFICERS["intake"]
ADDRESS = "12 Lê Lợi, P. Bến Thành, TP HCM"
OWNER = {"full_name": "Nguyễn Văn Bàn", "birth_date": "1980-05-05", "cccd": "001080000123"}


@pytest.fixture
def backend():
    """The refusal is a rule of the engine, the same on both databases."""
    return "sqlite"


def at(api, clock, *when) -> None:
    clock.set(vn(*when))
    api.tokens.clear()


def resolved(api, clock, user: str = CITIZEN, **extra) -> str:
    """Filed 09:00, received, proposed and approved 10:00, issued 11:00 on Mon 23/11/2026: status 9."""
    at(api, clock, 2026, 11, 23, 9, 0)
    code = api.file(user, **extra)["code"]
    api.act(RECEIVER, code, "receive")
    at(api, clock, 2026, 11, 23, 10, 0)
    api.act(OFFICERS["assessment"], code, "propose_approval", STEP_DATA["propose_approval"])
    api.act(OFFICERS["approval"], code, "approve")
    at(api, clock, 2026, 11, 23, 11, 0)
    assert api.act(OFFICERS["signing"], code, "issue_result", STEP_DATA["issue_result"])["status"] == 9
    return code


def complete(api, code: str, how: str):
    task = api.task_for(RECEIVER, code)
    return api.post(f"/api/v1/tasks/{task['id']}/complete", RECEIVER,
                    json={"action": "return_result", "data": {"hinh_thuc_tra": how}})


def returned_notices(api, code: str, user: str = CITIZEN) -> list[str]:
    return [n["body"] for n in api.get("/api/v1/me/notifications", user).get_json()
            if n["event"] == "returned" and code in n["title"]]


def assert_refused_and_unchanged(api, app, code: str, r, chose: str) -> None:
    assert r.status_code == 422, r.get_json()
    error = r.get_json()["error"]
    assert (error["code"], error["rule"]) == ("return_channel_mismatch", "D23")
    assert chose in error["fields"]["hinh_thuc_tra"] and chose in error["message"]
    row = dossier_row(app, code)
    assert (row.status, row.returned_at) == (9, None)
    assert returned_notices(api, code) == []
    assert api.task_for(RECEIVER, code)  # still waiting for the return


def test_a_citizen_who_chose_the_post_is_not_returned_online_but_by_post_to_their_address(api, app, clock):
    code = resolved(api, clock)
    r = api.post(f"/api/v1/dossiers/{code}/return-channel", CITIZEN,
                 json={"return_channel": "post", "return_address": ADDRESS})
    assert r.status_code == 200, r.get_json()
    at(api, clock, 2026, 11, 23, 14, 0)
    r = complete(api, code, "online")
    assert_refused_and_unchanged(api, app, code, r,
                                 f"Công dân đã chọn nhận kết quả qua bưu chính công ích, đến địa chỉ: {ADDRESS}")

    r = complete(api, code, "buu_chinh")
    assert r.status_code == 200 and r.get_json()["status"] == 10, r.get_json()
    [notice] = returned_notices(api, code)
    assert f"đã được gửi qua dịch vụ bưu chính công ích đến địa chỉ: {ADDRESS}" in notice


def test_an_online_dossier_without_an_address_is_not_returned_by_post(api, app, clock):
    code = resolved(api, clock)
    at(api, clock, 2026, 11, 23, 14, 0)
    r = complete(api, code, "buu_chinh")
    assert_refused_and_unchanged(api, app, code, r, "Công dân đã chọn nhận kết quả trực tuyến, trên tài khoản")
    assert api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()["return_address"] is None

    r = complete(api, code, "online")
    assert r.status_code == 200 and r.get_json()["status"] == 10, r.get_json()
    [notice] = returned_notices(api, code)
    assert "bưu chính" not in notice


def test_a_desk_choice_is_not_returned_online(api, app, clock):
    code = resolved(api, clock, return_channel="desk")
    at(api, clock, 2026, 11, 23, 14, 0)
    r = complete(api, code, "online")
    assert_refused_and_unchanged(api, app, code, r,
                                 "Công dân đã chọn nhận kết quả trực tiếp tại Bộ phận Tiếp nhận và Trả kết quả")
    assert complete(api, code, "truc_tiep").status_code == 200


@pytest.mark.parametrize("choice", [{}, {"return_channel": "post", "return_address": ADDRESS},
                                    {"return_channel": "desk"}])
def test_a_hand_over_at_the_desk_is_possible_whatever_was_chosen(api, clock, choice):
    code = resolved(api, clock, **choice)
    at(api, clock, 2026, 11, 23, 14, 0)
    r = complete(api, code, "truc_tiep")
    assert r.status_code == 200 and r.get_json()["status"] == 10, r.get_json()
    [notice] = returned_notices(api, code)
    assert "đã được trả trực tiếp tại Bộ phận Tiếp nhận và Trả kết quả" in notice


def test_the_officers_task_page_says_the_citizens_choice_by_the_field_and_changes_nothing(api, app, clock):
    code = resolved(api, clock)
    assert api.post(f"/api/v1/dossiers/{code}/return-channel", CITIZEN,
                    json={"return_channel": "post", "return_address": ADDRESS}).status_code == 200
    at(api, clock, 2026, 11, 23, 14, 0)
    officer = Web(app.test_client()).login(RECEIVER)
    r = officer.act(code, "return_result", {"f.hinh_thuc_tra": "online"}, status=422)
    page = r.get_data(as_text=True)
    assert 'id="return_result-hinh_thuc_tra-error"' in page
    assert f"Công dân đã chọn nhận kết quả qua bưu chính công ích, đến địa chỉ: {ADDRESS}" in text_of(r)
    assert dossier_row(app, code).status == 9 and returned_notices(api, code) == []

    officer.act(code, "return_result", {"f.hinh_thuc_tra": "buu_chinh"})
    assert dossier_row(app, code).status == 10


def test_a_desk_filing_returns_at_the_desk_with_the_default_form(api, app, clock):
    """STEP_DATA's return (online) is for online dossiers; a desk filing returns at the desk as it chose."""
    code = resolved(api, clock, user=RECEIVER, owner=OWNER)
    at(api, clock, 2026, 11, 23, 14, 0)
    assert complete(api, code, STEP_DATA["return_result"]["hinh_thuc_tra"]).status_code == 422
    returned = api.act(RECEIVER, code, "return_result", {})  # the form that does not say: as chosen
    assert returned["status"] == 10


def test_the_x_rules_of_task_completion_name_hinh_thuc_tra(api):
    spec = api.client.get("/api/v1/openapi.json").get_json()
    rules = spec["paths"]["/api/v1/tasks/{id}/complete"]["post"]["responses"]["422"]["x-rules"]
    assert "hinh_thuc_tra" in rules
