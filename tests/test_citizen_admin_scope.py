"""Citizen accounts are the province's (D29: a citizen may file at any agency; administrators act on their own
subtree only). In the demo province, `phuxuan.admin` (the ward Phú Xuân's administrator) could suspend or cancel
the demo citizen (whose dossiers are at the ward Thuận Hóa) through `PATCH /api/v1/citizens/{cccd}` (200), and
search, read (phone number included) and cancel any citizen account on /quan-tri/cong-dan. Now an agency
administrator is refused (403 `outside_your_agencies`) before anything is read or changed, on the API and the
pages, and the admin home does not offer the page; the province's administrator (`demo.admin`) still can."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select
from staff_support import admin_of_another_ward
from web_support import Web, text_of

from conftest import CITIZEN, PASSWORD, Api
from engine.cli import load_demo
from engine.data.agency_model import AdminEvent
from engine.data.model import User

WARD_ADMIN = "phuxuan.admin"
PHONE = "0912345678"  # the demo citizen's


@pytest.fixture
def province(settings, request):
    """The demo province loaded onto the test database (the tests' single ward moves into it), then the app."""
    load_demo(settings, PASSWORD)
    return request.getfixturevalue("app")


def citizen_row(app) -> User:
    with app.extensions["tthc"]["sessions"]() as session:
        return session.scalar(select(User).where(User.username == CITIZEN))


def citizen_events(app) -> int:
    with app.extensions["tthc"]["sessions"]() as session:
        return session.scalar(select(func.count(AdminEvent.id)).where(AdminEvent.target_kind == "citizen"))


def can_sign_in(api: Api) -> bool:
    r = api.client.post("/api/v1/auth/token", json={"username": CITIZEN, "password": PASSWORD})
    return r.status_code == 200


def test_a_ward_administrator_cannot_suspend_or_cancel_a_citizen_through_the_api(province, backend):
    api = Api(province.test_client())
    for change in ({"active": False, "reason": "Nghi giả mạo"}, {"cancelled": True, "reason": "Đề nghị hủy"},
                   {"active": True, "reason": "Mở lại"}):
        r = api.client.patch(f"/api/v1/citizens/{CITIZEN}", headers=api.headers(WARD_ADMIN), json=change)
        assert r.status_code == 403, r.get_json()
        assert r.get_json()["error"]["code"] == "outside_your_agencies"
        assert PHONE not in r.get_data(as_text=True) and "Nguyễn Văn An" not in r.get_data(as_text=True)
    # refused before the account is looked up: an unknown one is not told apart from a real one
    r = api.client.patch("/api/v1/citizens/079000000999", headers=api.headers(WARD_ADMIN),
                         json={"active": False, "reason": "x"})
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "outside_your_agencies"
    row = citizen_row(province)
    assert row.locked_reason is None and row.cancelled_at is None
    assert can_sign_in(api) and citizen_events(province) == 0


def test_a_ward_administrator_cannot_search_read_or_cancel_a_citizen_on_the_pages(province, backend):
    uid = citizen_row(province).id
    web = Web(province.test_client()).login(WARD_ADMIN)
    assert 'href="/quan-tri/cong-dan"' not in web.get("/quan-tri").get_data(as_text=True)  # not offered
    for path in ("/quan-tri/cong-dan", f"/quan-tri/cong-dan?q={CITIZEN}", f"/quan-tri/cong-dan?q={PHONE}",
                 f"/quan-tri/cong-dan/{uid}", "/quan-tri/cong-dan/987654"):
        page = text_of(web.get(path, status=403))
        assert "Chỉ quản trị viên cấp tỉnh được quản lý tài khoản công dân." in page, path  # said, not a 500
        assert PHONE not in page and CITIZEN not in page, path
    for what in ("suspend", "cancel"):
        web.post(f"/quan-tri/cong-dan/{uid}/{what}", {"reason": "Nghi giả mạo"}, status=403)  # no confirmation
        page = text_of(web.post(f"/quan-tri/cong-dan/{uid}/{what}", {"reason": "Nghi giả mạo", "confirm": "1"},
                                status=403))
        assert PHONE not in page
    row = citizen_row(province)
    assert row.locked_reason is None and row.cancelled_at is None
    assert can_sign_in(Api(province.test_client())) and citizen_events(province) == 0


def test_the_province_administrator_still_finds_suspends_and_reinstates_a_citizen(province, backend):
    api = Api(province.test_client())
    web = Web(province.test_client()).login("demo.admin")
    assert 'href="/quan-tri/cong-dan"' in web.get("/quan-tri").get_data(as_text=True)
    assert f'data-citizen="{CITIZEN}"' in web.get(f"/quan-tri/cong-dan?q={PHONE}").get_data(as_text=True)
    assert PHONE in text_of(web.get(f"/quan-tri/cong-dan/{citizen_row(province).id}"))
    r = api.client.patch(f"/api/v1/citizens/{CITIZEN}", headers=api.headers("demo.admin"),
                         json={"active": False, "reason": "Nghi giả mạo"})
    assert r.status_code == 200 and r.get_json()["active"] is False
    assert not can_sign_in(api)
    r = api.client.patch(f"/api/v1/citizens/{CITIZEN}", headers=api.headers("demo.admin"),
                         json={"active": True, "reason": "Đã xác minh"})
    assert r.status_code == 200 and r.get_json()["active"] is True
    assert can_sign_in(api) and citizen_events(province) == 2


def test_the_administrator_of_a_tree_beside_the_installation_is_refused_too(app, api, clock):
    """A root agency's administrator administers the whole installation only when theirs is its only tree."""
    other = admin_of_another_ward(app, clock.now())
    r = api.client.patch(f"/api/v1/citizens/{CITIZEN}", headers=api.headers(other),
                         json={"active": False, "reason": "Nghi giả mạo"})
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "outside_your_agencies"
    Web(app.test_client()).login(other).get(f"/quan-tri/cong-dan?q={CITIZEN}", status=403)
    assert citizen_row(app).locked_reason is None and can_sign_in(api)
