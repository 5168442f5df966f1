"""Small administration fixes (review rvadmin, findings 3-5), SQLite and PostgreSQL:

- an officer who stays in an agency since closed can still be edited: the officer's page always posts the
  agency, and sending back the same agency is no move (only a move INTO a closed agency is refused, D29);
- a closed agency takes no filing (D29), so the public lists of where a procedure is offered leave it out, as
  the /thu-tuc page already does;
- a version's state refusal (409) speaks Vietnamese only: the state and the action in the page's own words.
"""
from __future__ import annotations

import pytest
from conftest import SAMPLE_CODE
from staff_support import ADMIN_P, OFFICER_A, OFFICER_B, WARD_A, WARD_B, build_province, user_row
from web_support import Web

ADMIN = "demo.admin"  # the demo's administrator, of the agency that publishes the sample procedure


@pytest.fixture
def province(app):
    build_province(app)
    return app


def patch(api, path: str, user: str, body: dict):
    return api.client.patch(path, headers=api.headers(user), json=body)


def test_d29_an_officer_kept_in_a_closed_agency_can_still_be_edited_but_nobody_moves_into_it(api, province, backend):
    """Closing ward B leaves its officer there; the administrator changes the officer's phone and name with the
    agency sent back unchanged (as the officer's page posts it), through the API and the page. Moving the
    officer of ward A into the closed ward B is still refused."""
    assert patch(api, f"/api/v1/agencies/{WARD_B}", ADMIN_P, {"active": False}).status_code == 200
    r = patch(api, f"/api/v1/officers/{OFFICER_B}", ADMIN_P, {"agency": WARD_B, "phone": "0912345679"})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["agency"] == WARD_B and r.get_json()["phone"] == "0912345679"
    web = Web(province.test_client()).login(ADMIN_P)
    web.post(f"/quan-tri/can-bo/{OFFICER_B}", {"full_name": "Tiếp nhận Bê", "agency": WARD_B, "email": "",
                                                "phone": "0912345670", "roles": "receiving_officer"}, status=302)
    officer = user_row(province, OFFICER_B)
    assert (officer.full_name, officer.phone) == ("Tiếp nhận Bê", "0912345670")
    r = patch(api, f"/api/v1/officers/{OFFICER_A}", ADMIN_P, {"agency": WARD_B})
    assert r.status_code == 422, r.get_json()
    assert r.get_json()["error"]["fields"]["agency"] == "Cơ quan này đã ngừng hoạt động"


def test_d29_the_public_lists_of_offers_leave_a_closed_agency_out(api, province, backend):
    """Wards A and B offer the sample procedure; once ward A is closed (it takes no filing), neither the
    procedure's offers nor the procedures of ward A list it; ward B is still listed."""
    r = api.client.put(f"/api/v1/procedures/{SAMPLE_CODE}/offers", headers=api.headers(ADMIN_P),
                       json={"agencies": [WARD_A, WARD_B]})
    assert r.status_code == 200, r.get_json()
    assert patch(api, f"/api/v1/agencies/{WARD_A}", ADMIN_P, {"active": False}).status_code == 200
    anonymous = province.test_client()
    listed = [o["agency"] for o in anonymous.get(f"/api/v1/procedures/{SAMPLE_CODE}/offers").get_json()["agencies"]]
    assert WARD_A not in listed and WARD_B in listed
    assert anonymous.get(f"/api/v1/procedures?agency={WARD_A}").get_json() == []
    assert [p["code"] for p in anonymous.get(f"/api/v1/procedures?agency={WARD_B}").get_json()] == [SAMPLE_CODE]


def test_a_version_state_refusal_names_the_state_and_the_action_in_vietnamese(api, app, backend):
    """Suspending a version already suspended (or resuming an active one) is refused 409 with the same code as
    before, in words the administrator reads on the versions page, not the engine's English names."""
    assert api.post(f"/api/v1/procedures/{SAMPLE_CODE}/versions/1/suspend", ADMIN).status_code == 200
    r = api.post(f"/api/v1/procedures/{SAMPLE_CODE}/versions/1/suspend", ADMIN)
    assert r.status_code == 409
    error = r.get_json()["error"]
    assert error["code"] == "illegal_version_transition"
    assert error["message"] == "Phiên bản 1 đang ở trạng thái “tạm ngừng tiếp nhận”, không thể tạm ngừng tiếp nhận"
    assert api.post(f"/api/v1/procedures/{SAMPLE_CODE}/versions/1/resume", ADMIN).status_code == 200
    error = api.post(f"/api/v1/procedures/{SAMPLE_CODE}/versions/1/resume", ADMIN).get_json()["error"]
    assert error["message"] == "Phiên bản 1 đang ở trạng thái “đang áp dụng”, không thể tiếp nhận trở lại"
    assert "suspend" not in error["message"] and "active" not in error["message"]
