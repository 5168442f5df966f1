"""Closing and opening agencies keeps the province's tree whole (D29).

Agencies form a tree (province → centre and branches, departments, communes); administrators' scopes, statistics and
the places a dossier may be filed hang on it. The province itself, or a department with a unit under it, could be
closed while the agencies under it went on working: a closed agency above open ones. Now closing an agency with open
agencies under it is refused (409, naming them) on the API and the page; a new agency, or an open one moved, is not
put under a closed agency (422 on the parent); and an agency under a closed one is not reopened (409) until its
parent is, or it is moved.
"""
from __future__ import annotations

from conftest import vn
from engine.data import agencies
from test_offers import DEPT, PROVINCE
from test_offers import province  # noqa: F401  (the fixture)
from web_support import Web, text_of

UNIT = "000.20.02.H56"  # a unit under the department
UNIT_FIELDS = {"id": UNIT, "name": "Chi cục Quản lý thị trường", "level": "department", "parent": DEPT}


def patch(api, code: str, body: dict):
    return api.client.patch(f"/api/v1/agencies/{code}", json=body, headers=api.headers("tinh.admin"))


def create(api, body: dict):
    return api.client.post("/api/v1/agencies", json=body, headers=api.headers("tinh.admin"))


def is_active(app, code: str) -> bool:
    with app.extensions["tthc"]["sessions"]() as session:
        return agencies.by_code(session, code).active


def test_the_province_is_not_closed_while_its_agencies_work(api, app, clock, province):  # noqa: F811
    clock.set(vn(2026, 12, 7, 9, 0))  # Mon 07/12/2026 09:00
    r = patch(api, PROVINCE, {"active": False})
    assert r.status_code == 409, r.get_json()
    error = r.get_json()["error"]
    assert error["code"] == "agency_has_open_agencies"
    for name in ("UBND phường An Cựu", "UBND phường Vỹ Dạ", "Sở Công Thương"):
        assert name in error["message"], error["message"]
    assert is_active(app, PROVINCE)


def test_a_department_closes_once_its_unit_is_closed(api, app, clock, province):  # noqa: F811
    clock.set(vn(2026, 12, 7, 9, 0))
    assert create(api, UNIT_FIELDS).status_code == 201
    r = patch(api, DEPT, {"active": False})
    assert r.status_code == 409 and "Chi cục Quản lý thị trường" in r.get_json()["error"]["message"], r.get_json()
    assert is_active(app, DEPT)
    assert patch(api, UNIT, {"active": False}).status_code == 200
    r = patch(api, DEPT, {"active": False})
    assert r.status_code == 200 and r.get_json()["active"] is False, r.get_json()
    # the unit is not reopened under the closed department ...
    r = patch(api, UNIT, {"active": True})
    assert r.status_code == 409, r.get_json()
    assert r.get_json()["error"]["code"] == "agency_parent_closed"
    assert not is_active(app, UNIT)
    # ... but reopened and moved under the province in one change, it is
    r = patch(api, UNIT, {"active": True, "parent": PROVINCE})
    assert r.status_code == 200 and r.get_json()["active"] is True and r.get_json()["parent"] == PROVINCE, r.get_json()


def test_nothing_open_is_put_under_a_closed_agency(api, app, clock, province):  # noqa: F811
    clock.set(vn(2026, 12, 7, 9, 0))
    assert create(api, {**UNIT_FIELDS, "parent": PROVINCE}).status_code == 201  # a unit beside the department
    assert patch(api, DEPT, {"active": False}).status_code == 200  # nothing under it, it processes nothing
    r = create(api, {**UNIT_FIELDS, "id": "000.20.03.H56", "name": "Chi cục Tiêu chuẩn"})
    assert r.status_code == 422, r.get_json()
    assert r.get_json()["error"]["fields"]["parent"] == "Cơ quan cấp trên này đã ngừng hoạt động"
    r = patch(api, UNIT, {"parent": DEPT})  # the open unit moved under it
    assert r.status_code == 422, r.get_json()
    assert r.get_json()["error"]["fields"]["parent"] == "Cơ quan cấp trên này đã ngừng hoạt động"
    # a closed agency may be filed under it (its place in the tree is kept for its records)
    assert patch(api, UNIT, {"active": False}).status_code == 200
    r = patch(api, UNIT, {"parent": DEPT})
    assert r.status_code == 200 and r.get_json()["parent"] == DEPT, r.get_json()


def test_the_agency_page_says_which_agencies_keep_it_open(api, app, clock, province):  # noqa: F811
    clock.set(vn(2026, 12, 7, 9, 0))
    assert create(api, UNIT_FIELDS).status_code == 201
    web = Web(app.test_client()).login("tinh.admin")
    form = {"name": "Sở Công Thương", "level": "department", "parent": PROVINCE, "address": "", "seal_name": "",
            "office_hours": "", "confirm": "1"}  # "active" unticked, the closing confirmed
    page = text_of(web.post(f"/quan-tri/co-quan/{DEPT}", form, status=409))
    assert "Chi cục Quản lý thị trường" in page and "còn cơ quan cấp dưới đang hoạt động" in page
    assert is_active(app, DEPT)
