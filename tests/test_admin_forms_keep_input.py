"""Nothing typed is lost on a refusal, and the refusal is said next to the field it concerns: the administrators'
forms refused for a conflict (a username or an agency id already taken, an administrator changing their own
roles) come back with what was typed, the message next to the field and the conflict's 409; the signing page
says a wrong PIN next to the PIN field (D35); the citizens' accounts table scrolls inside its own box on a phone.
Flask test client, real SQLite and PostgreSQL."""
from __future__ import annotations

import re
from datetime import datetime

from conftest import CITIZEN, PASSWORD, STEP_DATA, Api, drain_after_commit
from staff_support import ADMIN_P, PROVINCE, WARD_B, build_province
from web_support import Web

from engine.core.clock import VN_TZ

ADMIN, LEADER = "demo.admin", "demo.lanhdao"
DEMO_WARD = "000.00.06.H56"


def _field_error(page: str, field_id: str) -> str:
    """The text of the error shown next to the field ``field_id`` ("" when there is none)."""
    found = re.search(rf'<p class="field-error" id="{re.escape(field_id)}-error">(.*?)</p>', page, re.S)
    return re.sub(r"<[^>]+>", "", found.group(1)).strip() if found else ""


def test_an_officer_whose_username_is_taken_comes_back_with_the_form_as_typed(app, clock, backend):
    clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=VN_TZ))  # Monday 23/11/2026, 09:00
    web = Web(app.test_client()).login(ADMIN)
    r = web.post("/quan-tri/can-bo", {"username": "demo.tiepnhan", "full_name": "Lê Thị Mới", "agency": DEMO_WARD,
                                       "roles": "clerk", "email": "le.moi@example.vn", "phone": "0912000111"},
                 status=409)
    page = r.get_data(as_text=True)
    assert "Đã tồn tại" in _field_error(page, "o-username")
    assert 'id="o-username" name="username" value="demo.tiepnhan"' in page
    assert 'value="Lê Thị Mới"' in page and 'value="le.moi@example.vn"' in page and 'value="0912000111"' in page
    assert 'id="o-role-clerk" name="roles" value="clerk" checked' in page
    assert f'<option value="{DEMO_WARD}" selected' in page
    assert 'id="error-summary"' in page and 'id="o-full_name"' in page  # the page with its form, not a bare error


def test_an_agency_whose_id_is_taken_comes_back_with_the_form_as_typed(app, clock, backend):
    clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=VN_TZ))
    build_province(app)  # the province's administrator creates a ward under the province with ward B's id
    web = Web(app.test_client()).login(ADMIN_P)
    r = web.post("/quan-tri/co-quan", {"id": WARD_B, "name": "Phường Trùng Mã", "level": "commune",
                                        "parent": PROVINCE, "address": "12 Lê Lợi", "seal_name": "",
                                        "symbol": "", "office_hours": "mon 07:30-11:30"}, status=409)
    page = r.get_data(as_text=True)
    assert "Đã tồn tại" in _field_error(page, "a-id")
    assert f'id="a-id" name="id" value="{WARD_B}"' in page
    assert 'value="Phường Trùng Mã"' in page and 'value="12 Lê Lợi"' in page
    assert "mon 07:30-11:30</textarea>" in page and f'<option value="{PROVINCE}" selected' in page


def test_an_administrator_changing_their_own_roles_is_told_so_next_to_the_roles(app, clock, backend):
    clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=VN_TZ))
    web = Web(app.test_client()).login(ADMIN)
    shown = web.get(f"/quan-tri/can-bo/{ADMIN}").get_data(as_text=True)
    agency = re.search(r'<option value="([^"]+)" selected', shown).group(1)
    r = web.post(f"/quan-tri/can-bo/{ADMIN}", {"full_name": "Ngô Quản Trị Sửa", "agency": agency,
                                                "roles": ["administrator", "specialist"],
                                                "email": "qt.sua@example.vn", "phone": ""}, status=409)
    page = r.get_data(as_text=True)
    assert "chính mình" in _field_error(page, "p-roles")
    assert 'value="Ngô Quản Trị Sửa"' in page and 'value="qt.sua@example.vn"' in page
    assert 'id="p-role-specialist" name="roles" value="specialist" checked' in page
    assert 'id="p-role-administrator" name="roles" value="administrator" checked' in page


def test_the_citizens_accounts_table_scrolls_inside_its_box(app, clock, backend):
    clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=VN_TZ))
    web = Web(app.test_client()).login(ADMIN)
    page = web.get(f"/quan-tri/cong-dan?q={CITIZEN}").get_data(as_text=True)
    assert 'data-citizen="' in page  # the demo citizen's row is there
    assert re.search(r'<div class="table-wrap"><table>\s*<caption>', page)


def _awaiting_leader(app, clock) -> int:
    """Filed and received Monday 23/11/2026, approved by the leader at 09:00: the decision waits for the
    leader's signature; the signing request's id."""
    drain_after_commit(app, "seal")
    api = Api(app.test_client(), auto_sign=False)
    clock.set(datetime(2026, 11, 23, 8, 30, tzinfo=VN_TZ))
    code = api.file(CITIZEN)["code"]
    api.act("demo.tiepnhan", code, "receive")
    api.act("demo.chuyenvien", code, "propose_approval", STEP_DATA["propose_approval"])
    clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=VN_TZ))
    api.act(LEADER, code, "approve")
    [request] = [r for r in api.get("/api/v1/signing-requests", LEADER).get_json() if r["dossier"] == code]
    return request["id"]


def test_a_wrong_pin_is_said_next_to_the_pin_field(app, clock, backend):
    rid = _awaiting_leader(app, clock)
    web = Web(app.test_client()).login(LEADER)
    clock.set(datetime(2026, 11, 23, 9, 5, tzinfo=VN_TZ))
    r = web.post(f"/can-bo/ky-so/{rid}", {"pin": "0000"}, status=422)
    page = r.get_data(as_text=True)
    assert "PIN" in _field_error(page, "pin")
    assert re.search(r'<input type="password" id="pin"[^>]*aria-invalid="true"[^>]*aria-describedby="pin-error"', page)
    fresh = web.get(f"/can-bo/ky-so/{rid}").get_data(as_text=True)  # asked again: no error left over
    assert 'id="pin-error"' not in fresh and 'aria-invalid' not in fresh
    assert web.post(f"/can-bo/ky-so/{rid}", {"pin": PASSWORD}).status_code in (200, 302)
