"""Agencies and officers administration through the API (issue 13, items 1 and 3; D29): a province
administrator acts everywhere, an agency administrator in their subtree only; officers get no password from
anyone (an activation code goes to their channel); every action is audited. SQLite and PostgreSQL."""
from __future__ import annotations

import io

import pytest
from conftest import PASSWORD
from sqlalchemy import select
from staff_support import (ADMIN_A, ADMIN_B, ADMIN_P, OFFICER_A, OFFICER_B, PROVINCE, WARD_A, WARD_B,
                           agency_of, build_province, last_code, user_row)

from engine.data.agency_model import AdminEvent


@pytest.fixture
def province(app):
    build_province(app)
    return app


def events(app, action: str) -> list[AdminEvent]:
    with app.extensions["tthc"]["sessions"]() as session:
        return list(session.scalars(select(AdminEvent).where(AdminEvent.action == action).order_by(AdminEvent.id)))


NEW_WARD = {"id": "000.00.33.H56", "name": "Phường C", "level": "commune", "parent": PROVINCE,
            "address": "1 Lê Lợi", "office_hours": {"mon": ["07:30-11:30", "13:30-17:00"]}, "seal_name": "UBND phường C"}


# -- agencies -------------------------------------------------------------------------------------------------
def test_a_province_administrator_creates_reads_and_changes_an_agency(api, province, backend):
    r = api.post("/api/v1/agencies", ADMIN_P, json=NEW_WARD)
    assert r.status_code == 201, r.get_json()
    assert r.get_json() == {**NEW_WARD, "symbol": None, "active": True, "depth": 1}
    assert api.get(f"/api/v1/agencies/{NEW_WARD['id']}", ADMIN_P).get_json()["parent"] == PROVINCE
    r = api.client.patch(f"/api/v1/agencies/{NEW_WARD['id']}", headers=api.headers(ADMIN_P),
                         json={"name": "Phường C mới", "parent": WARD_A, "level": "department", "active": False})
    assert r.status_code == 200, r.get_json()  # under a ward, an office of the ward (a ward is under the province)
    assert (r.get_json()["name"], r.get_json()["parent"], r.get_json()["active"]) == ("Phường C mới", WARD_A, False)
    # ward A's administrator now holds it (moved into their subtree)
    assert api.get(f"/api/v1/agencies/{NEW_WARD['id']}", ADMIN_A).status_code == 200
    created, changed = events(province, "agency.create"), events(province, "agency.update")
    assert created[-1].actor == ADMIN_P and created[-1].details["parent"] == PROVINCE
    assert changed[-1].details["changes"]["parent"] == {"from": PROVINCE, "to": WARD_A}
    assert changed[-1].details["changes"]["name"] == {"from": "Phường C", "to": "Phường C mới"}


@pytest.mark.parametrize("change, field", [
    ({"level": "district"}, "level"), ({"parent": "999.99.99.H99"}, "parent"), ({"id": "a b"}, "id"),
    ({"name": " "}, "name"), ({"office_hours": {"mon": ["17:00-07:30"]}}, "office_hours"),
    ({"office_hours": {"mon": ["13:30-17:00", "07:30-11:30"]}}, "office_hours"),  # out of order (were taken)
    ({"office_hours": {"mon": ["07:30-11:30", "07:00-12:00"]}}, "office_hours"),  # overlapping
    ({"office_hours": {"someday": ["07:30-11:30"]}}, "office_hours"), ({"level": "province"}, "level"),
    ({"address": ""}, "address"), ({"colour": "red"}, "colour"),
])
def test_a_bad_agency_is_422_naming_the_field_and_nothing_is_written(api, province, change, field):
    r = api.post("/api/v1/agencies", ADMIN_P, json={**NEW_WARD, **change})
    assert r.status_code == 422 and field in r.get_json()["error"]["fields"], r.get_json()
    assert api.get(f"/api/v1/agencies/{NEW_WARD['id']}", ADMIN_P).status_code == 404


def test_a_duplicate_agency_id_is_409(api, province):
    r = api.post("/api/v1/agencies", ADMIN_P, json={**NEW_WARD, "id": WARD_A})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "agency_exists"


def test_an_agency_cannot_move_under_its_own_subtree(api, province):
    r = api.client.patch(f"/api/v1/agencies/{PROVINCE}", headers=api.headers(ADMIN_P),
                         json={"parent": WARD_A, "level": "centre"})
    assert r.status_code == 422 and "parent" in r.get_json()["error"]["fields"]


def test_an_agency_administrator_works_inside_their_subtree_only(api, province, backend):
    inside = {**NEW_WARD, "id": "000.00.34.H56", "level": "department", "parent": WARD_A}
    assert api.post("/api/v1/agencies", ADMIN_A, json=inside).status_code == 201
    for parent in (WARD_B, PROVINCE, None):
        r = api.post("/api/v1/agencies", ADMIN_A, json={**NEW_WARD, "parent": parent})
        assert r.status_code == 403, (parent, r.get_json())
    # ward B is invisible to ward A's administrator: not listed, not found, not changeable
    listed = [a["id"] for a in api.get("/api/v1/agencies", ADMIN_A).get_json()]
    assert listed == [WARD_A, "000.00.34.H56"]
    assert api.get(f"/api/v1/agencies/{WARD_B}", ADMIN_A).status_code == 404
    r = api.client.patch(f"/api/v1/agencies/{WARD_B}", headers=api.headers(ADMIN_A), json={"name": "Của tôi"})
    assert r.status_code == 404
    # nor can they move their own agency out from under the province, or a sub-agency under ward B
    r = api.client.patch(f"/api/v1/agencies/{WARD_A}", headers=api.headers(ADMIN_A), json={"parent": None})
    assert r.status_code == 403
    r = api.client.patch("/api/v1/agencies/000.00.34.H56", headers=api.headers(ADMIN_A), json={"parent": WARD_B})
    assert r.status_code == 403
    assert api.get(f"/api/v1/agencies/{WARD_B}", ADMIN_P).get_json()["name"] == "Phường B"


def test_an_agency_administrator_changes_neither_the_level_nor_the_state_of_their_own_agency(api, province):
    """D29: ward A's level and whether it is open are the province administrator's to decide (the API changed
    both for ward A's administrator); the same values, and every other field, are still theirs."""
    patch = lambda who, body: api.client.patch(f"/api/v1/agencies/{WARD_A}", headers=api.headers(who),  # noqa: E731
                                               json=body)
    for change in ({"level": "department"}, {"active": False}, {"name": "Phường A", "active": False}):
        r = patch(ADMIN_A, change)
        assert r.status_code == 403 and r.get_json()["error"]["code"] == "outside_your_agencies", r.get_json()
        assert "quản trị viên cấp trên" in r.get_json()["error"]["message"]
    r = patch(ADMIN_A, {"name": "Phường A mới", "level": "commune", "active": True})
    assert r.status_code == 200 and r.get_json()["name"] == "Phường A mới", r.get_json()
    assert events(province, "agency.update")[-1].details["changes"] == {"name": {"from": "Phường A",
                                                                                "to": "Phường A mới"}}
    r = patch(ADMIN_P, {"active": False})
    assert r.status_code == 200 and r.get_json()["active"] is False


def test_an_agency_stands_only_under_a_level_it_may_belong_to(api, province):
    """D29: a ward under a ward, a ward under a centre, the province under a ward: 422 naming the field."""
    r = api.post("/api/v1/agencies", ADMIN_P, json={**NEW_WARD, "parent": WARD_A})
    assert r.status_code == 422 and "xã, phường" in r.get_json()["error"]["fields"]["level"], r.get_json()
    centre = {**NEW_WARD, "id": "000.00.01.H56", "level": "centre"}
    assert api.post("/api/v1/agencies", ADMIN_P, json=centre).status_code == 201
    r = api.client.patch(f"/api/v1/agencies/{WARD_B}", headers=api.headers(ADMIN_P), json={"parent": "000.00.01.H56"})
    assert r.status_code == 422 and "parent" in r.get_json()["error"]["fields"], r.get_json()
    r = api.client.patch(f"/api/v1/agencies/{WARD_A}", headers=api.headers(ADMIN_P), json={"level": "centre"})
    assert r.status_code == 200  # a ward with nothing under it may become a centre under the province
    r = api.client.patch(f"/api/v1/agencies/{PROVINCE}", headers=api.headers(ADMIN_P), json={"level": "commune"})
    assert r.status_code == 422 and WARD_B in r.get_json()["error"]["fields"]["level"], r.get_json()
    assert api.post("/api/v1/agencies", ADMIN_A, json={**NEW_WARD, "parent": WARD_B}).status_code == 403  # outside


def test_the_agency_list_is_paged_in_tree_order(api, province):
    everything = [a["id"] for a in api.get("/api/v1/agencies?limit=200", ADMIN_P).get_json()]
    assert everything.index(PROVINCE) < everything.index(WARD_A) and WARD_B in everything
    seen, url = [], "/api/v1/agencies?limit=2"
    while url:
        r = api.get(url, ADMIN_P)
        seen += [a["id"] for a in r.get_json()]
        link = r.headers.get("Link")
        url = link[1:link.index(">")] if link else None
    assert seen == everything
    assert api.get("/api/v1/agencies?after=999.99.99.H99", ADMIN_P).status_code == 422
    assert api.get("/api/v1/agencies?limit=0", ADMIN_P).status_code == 422
    for query, field in (("agencies?after=", "after"), ("officers?agency=", "agency"), ("officers?agency=a%20b", "agency")):
        r = api.get(f"/api/v1/{query}", ADMIN_P)  # an empty id is not "no id": the schema refuses it, so does the server
        assert r.status_code == 422 and field in r.get_json()["error"]["fields"], query


def test_only_administrators_reach_the_administration(api, province):
    for user in ("demo.tiepnhan", "001099000001", OFFICER_A):
        assert api.get("/api/v1/agencies", user).status_code == 403
        assert api.get("/api/v1/officers", user).status_code == 403
        assert api.post("/api/v1/officers", user, json={"username": "x.y", "full_name": "X Y", "agency": WARD_A,
                                                       "roles": ["clerk"]}).status_code == 403
    assert api.client.get("/api/v1/agencies").status_code == 401


# -- officers -------------------------------------------------------------------------------------------------
NEW_OFFICER = {"username": "chuyenvien.a", "full_name": "Nguyễn Thị Chuyên", "agency": WARD_A,
               "roles": ["specialist", "receiving_officer"], "email": "cv.a@example.vn", "phone": "0912000111"}


def test_an_officer_is_created_without_a_password_and_activates_with_the_code(api, province, backend):
    r = api.post("/api/v1/officers", ADMIN_A, json=NEW_OFFICER)
    assert r.status_code == 201, r.get_json()
    answer = r.get_json()
    assert answer == {**NEW_OFFICER, "roles": ["receiving_officer", "specialist"], "active": True,
                      "suspended_reason": None, "activated": False,
                      "activation_sent": False, "sent_to": []}  # no mail server nor SMS provider configured here
    code = last_code(province, "chuyenvien.a")
    assert code not in r.get_data(as_text=True)
    # no password yet: signing in is refused
    r = api.client.post("/api/v1/auth/token", json={"username": "chuyenvien.a", "password": ""})
    assert r.status_code in (401, 422)
    web = province.test_client()
    page = web.get("/kich-hoat").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    form = {"csrf_token": token, "username": "chuyenvien.a", "password": "mat-khau-moi-1", "password2": "mat-khau-moi-1"}
    assert web.post("/kich-hoat", data={**form, "code": "000000" if code != "000000" else "111111"}).status_code == 422
    assert web.post("/kich-hoat", data={**form, "code": code}).status_code == 302
    assert web.post("/kich-hoat", data={**form, "code": code}).status_code == 422  # used once
    r = api.client.post("/api/v1/auth/token", json={"username": "chuyenvien.a", "password": "mat-khau-moi-1"})
    assert r.status_code == 200 and set(r.get_json()["roles"]) == {"receiving_officer", "specialist"}
    assert api.get("/api/v1/officers/chuyenvien.a", ADMIN_A).get_json()["activated"] is True
    assert [e.details["roles"] for e in events(province, "officer.create")] == [["receiving_officer", "specialist"]]
    assert events(province, "officer.activate")[0].actor == "chuyenvien.a"


@pytest.mark.parametrize("change, field", [
    ({"username": "Hoa Hong"}, "username"), ({"username": "001099000009"}, "username"),
    ({"roles": ["citizen"]}, "roles"), ({"roles": []}, "roles"), ({"roles": "clerk"}, "roles"),
    ({"agency": "999.99.99.H99"}, "agency"), ({"email": "khong-phai-email"}, "email"), ({"phone": "12"}, "phone"),
    ({"password": "matkhau123"}, "password"), ({"full_name": ""}, "full_name"),
])
def test_a_bad_officer_is_422_naming_the_field(api, province, change, field):
    r = api.post("/api/v1/officers", ADMIN_P, json={**NEW_OFFICER, **change})
    assert r.status_code == 422 and field in r.get_json()["error"]["fields"], r.get_json()
    assert user_row(province, NEW_OFFICER["username"]) is None


def test_a_taken_username_is_409(api, province):
    r = api.post("/api/v1/officers", ADMIN_P, json={**NEW_OFFICER, "username": "demo.tiepnhan"})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "username_taken"


def test_an_agency_administrator_cannot_reach_another_subtree_or_escalate(api, province, backend):
    # create in ward B, or a province administrator: refused
    assert api.post("/api/v1/officers", ADMIN_A, json={**NEW_OFFICER, "agency": WARD_B}).status_code == 403
    r = api.post("/api/v1/officers", ADMIN_A, json={**NEW_OFFICER, "agency": PROVINCE, "roles": ["administrator"]})
    assert r.status_code == 403
    # ward B's officers: not listed, not found, not changeable, no reset
    listed = {o["username"] for o in api.get("/api/v1/officers", ADMIN_A).get_json()}
    assert listed == {ADMIN_A, OFFICER_A}
    assert api.get(f"/api/v1/officers/{OFFICER_B}", ADMIN_A).status_code == 404
    assert api.get(f"/api/v1/officers?agency={WARD_B}", ADMIN_A).status_code == 404
    r = api.client.patch(f"/api/v1/officers/{OFFICER_B}", headers=api.headers(ADMIN_A), json={"active": False})
    assert r.status_code == 404
    assert api.post(f"/api/v1/officers/{OFFICER_B}/password-reset", ADMIN_A).status_code == 404
    assert api.get(f"/api/v1/officers/{ADMIN_P}", ADMIN_A).status_code == 404
    # moving one's officer to ward B is refused; so is changing one's own roles
    r = api.client.patch(f"/api/v1/officers/{OFFICER_A}", headers=api.headers(ADMIN_A), json={"agency": WARD_B})
    assert r.status_code == 403
    r = api.client.patch(f"/api/v1/officers/{ADMIN_A}", headers=api.headers(ADMIN_A), json={"roles": ["clerk"]})
    assert r.status_code == 409
    assert user_row(province, OFFICER_B).locked_reason is None
    assert agency_of(province, OFFICER_A) == WARD_A
    # the province administrator sees both wards
    listed = {o["username"] for o in api.get("/api/v1/officers?limit=200", ADMIN_P).get_json()}
    assert {ADMIN_A, ADMIN_B, OFFICER_A, OFFICER_B, ADMIN_P} <= listed and "001099000001" not in listed


def test_suspending_ends_sessions_and_tokens_and_reenabling_restores_sign_in(api, province, backend):
    officer_token = api.headers(OFFICER_A)
    assert api.client.get("/api/v1/tasks", headers=officer_token).status_code == 200
    r = api.client.patch(f"/api/v1/officers/{OFFICER_A}", headers=api.headers(ADMIN_A),
                         json={"active": False, "reason": "Nghỉ phép dài hạn"})
    assert r.status_code == 200 and r.get_json()["active"] is False
    assert r.get_json()["suspended_reason"] == "Nghỉ phép dài hạn"
    assert api.client.get("/api/v1/tasks", headers=officer_token).status_code == 401
    assert api.client.post("/api/v1/auth/token", json={"username": OFFICER_A, "password": PASSWORD}).status_code == 401
    r = api.client.patch(f"/api/v1/officers/{OFFICER_A}", headers=api.headers(ADMIN_A), json={"active": True})
    assert r.status_code == 200 and r.get_json()["active"] is True
    assert api.client.post("/api/v1/auth/token", json={"username": OFFICER_A, "password": PASSWORD}).status_code == 200
    assert [e.details for e in events(province, "officer.suspend")] == [{"reason": "Nghỉ phép dài hạn"}]
    assert events(province, "officer.reinstate")[0].details == {"was_suspended_for": "Nghỉ phép dài hạn"}
    # nobody suspends themselves
    r = api.client.patch(f"/api/v1/officers/{ADMIN_A}", headers=api.headers(ADMIN_A), json={"active": False})
    assert r.status_code == 409


def test_changing_roles_is_audited_and_takes_effect_at_the_next_sign_in(api, province):
    old = api.headers(OFFICER_A)
    r = api.client.patch(f"/api/v1/officers/{OFFICER_A}", headers=api.headers(ADMIN_P),
                         json={"roles": ["administrator", "clerk"]})
    assert r.status_code == 200 and r.get_json()["roles"] == ["administrator", "clerk"]
    assert api.client.get("/api/v1/tasks", headers=old).status_code == 401  # the old rights ended with the session
    assert events(province, "officer.update")[-1].details == {
        "changes": {"roles": {"from": ["receiving_officer"], "to": ["administrator", "clerk"]}}}
    r = api.client.patch(f"/api/v1/officers/{OFFICER_A}", headers=api.headers(ADMIN_P), json={"roles": ["citizen"]})
    assert r.status_code == 422 and "roles" in r.get_json()["error"]["fields"]


def test_a_password_reset_sends_a_code_and_the_page_sets_a_new_password(api, province, backend):
    old = api.headers(OFFICER_A)
    r = api.post(f"/api/v1/officers/{OFFICER_A}/password-reset", ADMIN_A)
    assert r.status_code == 202, r.get_json()
    code = last_code(province, OFFICER_A)
    assert code not in r.get_data(as_text=True) and "password" not in r.get_data(as_text=True)
    web = province.test_client()
    token = web.get("/dat-lai-mat-khau").get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    form = {"csrf_token": token, "username": OFFICER_A, "code": code, "password": "mat-khau-moi-2",
            "password2": "mat-khau-moi-2"}
    assert web.post("/dat-lai-mat-khau", data={**form, "csrf_token": "x"}).status_code == 400  # CSRF
    assert web.post("/dat-lai-mat-khau", data=form).status_code == 302
    assert api.client.get("/api/v1/tasks", headers=old).status_code == 401
    assert api.client.post("/api/v1/auth/token", json={"username": OFFICER_A,
                                                      "password": "mat-khau-moi-2"}).status_code == 200
    assert events(province, "officer.password_reset")[0].details == {"sent_to": []}
    for _ in range(4):
        api.post(f"/api/v1/officers/{OFFICER_A}/password-reset", ADMIN_A)
    assert api.post(f"/api/v1/officers/{OFFICER_A}/password-reset", ADMIN_A).status_code == 429


def test_the_officer_list_is_paged_and_filtered_by_agency(api, province):
    for i in range(5):
        body = {**NEW_OFFICER, "username": f"cb{i}.a", "email": None, "phone": f"091200010{i}"}
        assert api.post("/api/v1/officers", ADMIN_P, json=body).status_code == 201
    seen, url = [], f"/api/v1/officers?agency={WARD_A}&limit=2"
    while url:
        r = api.get(url, ADMIN_P)
        seen += [o["username"] for o in r.get_json()]
        link = r.headers.get("Link")
        url = link[1:link.index(">")] if link else None
    assert seen == sorted([f"cb{i}.a" for i in range(5)] + [ADMIN_A, OFFICER_A])


# -- import ---------------------------------------------------------------------------------------------------
CSV = ("username,full_name,agency,roles,email,phone\n"
       "vanthu.a,Vũ Văn Thư,000.00.31.H56,clerk,vt.a@example.vn,\n"
       "lanhdao.a,Phạm Lãnh Đạo,000.00.31.H56,\"department_leader,specialist\",ld.a@example.vn,0912000222\n"
       "hong.b,Sai Phường,000.00.32.H56,clerk,,0912000333\n"
       "vanthu.a,Trùng Tên,000.00.31.H56,clerk,,0912000444\n"
       "xau,X,000.00.31.H56,khong_co,,\n"
       f"{OFFICER_A},Đã Có,000.00.31.H56,clerk,,0912000555\n")


def test_import_reports_each_row_and_skips_bad_rows_whole(api, province, backend):
    r = api.post("/api/v1/officers/import", ADMIN_A, content_type="multipart/form-data",
                 data={"file": (io.BytesIO(CSV.encode()), "staff.csv")})
    assert r.status_code == 200, r.get_json()
    report = r.get_json()
    assert (report["created"], report["skipped"]) == (2, 4)
    status = {(row["row"], row["username"]): row["status"] for row in report["rows"]}
    assert status == {(2, "vanthu.a"): "created", (3, "lanhdao.a"): "created", (4, "hong.b"): "skipped",
                      (5, "vanthu.a"): "skipped", (6, "xau"): "skipped", (7, OFFICER_A): "skipped"}
    reasons = {row["row"]: row.get("reason", "") for row in report["rows"]}
    assert "phạm vi" in reasons[4] and "lặp lại" in reasons[5] and "đã có" in reasons[7]
    assert user_row(province, "hong.b") is None and user_row(province, "xau") is None
    assert user_row(province, "lanhdao.a").roles == {"department_leader", "specialist"}
    assert user_row(province, OFFICER_A).full_name == "Tiếp nhận A"  # an existing officer is never overwritten
    assert last_code(province, "vanthu.a")


def test_import_reads_xlsx_too(api, province):
    from openpyxl import Workbook

    book, out = Workbook(), io.BytesIO()
    sheet = book.active
    sheet.append(["username", "full_name", "agency", "roles", "email", "phone"])
    sheet.append(["xlsx.a", "Trần Bảng Tính", WARD_A, "specialist", "xlsx.a@example.vn", "0912000111"])
    # a phone column the spreadsheet made numbers of: the leading zero is gone, a float has ".0"
    sheet.append(["xlsx.b", "Lê Số Điện Thoại", WARD_A, "specialist", None, 912000222])
    sheet.append(["xlsx.c", "Phan Số Thực", WARD_A, "specialist", None, 912000333.0])
    book.save(out)
    r = api.post("/api/v1/officers/import", ADMIN_P, content_type="multipart/form-data",
                 data={"file": (io.BytesIO(out.getvalue()), "staff.xlsx")})
    assert r.status_code == 200 and r.get_json()["created"] == 3, r.get_json()
    assert [user_row(province, u).phone for u in ("xlsx.a", "xlsx.b", "xlsx.c")] == [
        "0912000111", "0912000222", "0912000333"]


@pytest.mark.parametrize("content", [b"", b"\xff\xfe\x00junk", b"ten,ho\nabc,def\n", b"PK\x03\x04broken"])
def test_an_unreadable_import_file_is_422_and_creates_nothing(api, province, content):
    r = api.post("/api/v1/officers/import", ADMIN_P, content_type="multipart/form-data",
                 data={"file": (io.BytesIO(content), "x.csv")})
    assert r.status_code == 422 and "file" in r.get_json()["error"]["fields"], r.get_json()


def test_creating_an_officer_says_where_the_activation_code_went(api, province, backend):
    """As POST /citizens/desk: the answer names the channels that carry the code (an officer with an email alone,
    where only SMS is configured, got 201 saying nothing, and the code reached nobody)."""
    ext = province.extensions["tthc"]
    ext["settings"] = ext["settings"].replace(sms_url="http://127.0.0.1:9/sms", smtp_host="")
    r = api.post("/api/v1/officers", ADMIN_A, json={**NEW_OFFICER, "phone": None})
    assert r.status_code == 201 and (r.get_json()["activation_sent"], r.get_json()["sent_to"]) == (False, [])
    r = api.post("/api/v1/officers", ADMIN_A, json={**NEW_OFFICER, "username": "chuyenvien.b", "email": None})
    assert r.status_code == 201 and (r.get_json()["activation_sent"], r.get_json()["sent_to"]) == (True, ["sms"])
