"""D3 at the desk, sent twice: the receiving officer's "create the citizen's account" for the same walk-in citizen
again (a double click, a reload of the answer page, a client's retry) makes no locked twin and sends no second
activation code (the citizen would follow the newest SMS to a locked account). The page answers with a redirect
to what it made and the form is sent once; the API replays an Idempotency-Key and otherwise refuses the same
citizen again (409 account_exists). A different person's facts with a CCCD already checked still get the locked
account D3 asks for. Real SQLite and PostgreSQL, the real app; Monday 07/12/2026 in Vietnam time.
"""
from __future__ import annotations

import re

from conftest import vn
from sqlalchemy import func, select
from web_support import Web, text_of

from engine.data.agency_model import OneTimeCode
from engine.data.model import User

HOA = {"full_name": "Lê Thị Hoa", "cccd": "046190000123", "cccd_issued_on": "2022-01-15", "phone": "0905111222"}


def accounts_of(app, cccd: str) -> list[tuple[str, bool, str | None]]:
    with app.extensions["tthc"]["sessions"]() as session:
        return [tuple(row) for row in session.execute(
            select(User.username, User.standardised, User.locked_reason).where(User.cccd == cccd).order_by(User.id))]


def codes_sent(app) -> int:
    with app.extensions["tthc"]["sessions"]() as session:
        return session.scalar(select(func.count(OneTimeCode.id)))


def test_the_desk_page_posted_twice_makes_one_account_and_sends_one_code(app, clock, backend):
    clock.set(vn(2026, 12, 7, 9, 0))
    web = Web(app.test_client()).login("demo.tiepnhan")
    form = web.get("/can-bo/cong-dan/tao").get_data(as_text=True)
    token = re.search(r'name="submit_token" value="([^"]+)"', form).group(1)
    first = web.post("/can-bo/cong-dan/tao", {**HOA, "submit_token": token}, status=303)
    shown = web.get(first.headers["Location"])  # what the officer sees; reloading it sends nothing again
    assert shown.status_code == 200 and "đã được tạo và chuẩn hóa" in text_of(shown)
    assert HOA["cccd"] in text_of(web.get(first.headers["Location"]))
    admin = Web(app.test_client()).login("demo.admin")  # the page is the officer's who sent the form
    admin.get(first.headers["Location"], status=404)
    clock.set(vn(2026, 12, 7, 9, 1))
    again = web.post("/can-bo/cong-dan/tao", {**HOA, "submit_token": token}, status=303)  # a double click
    assert again.headers["Location"] == first.headers["Location"]
    fresh = web.post("/can-bo/cong-dan/tao", HOA, status=409)  # the same citizen from a new page
    assert "đã có tài khoản" in text_of(fresh) and HOA["cccd"] in text_of(fresh)
    assert "Quên mật khẩu" in text_of(fresh)
    assert accounts_of(app, HOA["cccd"]) == [(HOA["cccd"], True, None)]
    assert codes_sent(app) == 1


def test_the_api_sent_twice_without_a_key_refuses_the_same_citizen_again(app, api, clock, backend):
    clock.set(vn(2026, 12, 7, 9, 0))
    assert api.post("/api/v1/citizens/desk", "demo.tiepnhan", json=HOA).status_code == 201
    clock.set(vn(2026, 12, 7, 9, 5))  # the same facts, however typed: name case and spaces, +84 phone
    retyped = {**HOA, "full_name": " lê  THỊ hoa ", "phone": "+84905111222"}
    for body in (HOA, retyped):
        r = api.post("/api/v1/citizens/desk", "demo.tiepnhan", json=body)
        assert r.status_code == 409, r.get_json()
        error = r.get_json()["error"]
        assert error["code"] == "account_exists" and HOA["cccd"] in error["message"]
    assert accounts_of(app, HOA["cccd"]) == [(HOA["cccd"], True, None)]
    assert codes_sent(app) == 1


def test_the_api_sent_twice_with_the_same_key_replays_the_first_answer(app, api, clock, backend):
    clock.set(vn(2026, 12, 7, 9, 0))
    headers = {**api.headers("demo.tiepnhan"), "Idempotency-Key": "quay-1-hoa-0900"}
    first = api.client.post("/api/v1/citizens/desk", json=HOA, headers=headers)
    assert first.status_code == 201, first.get_json()
    clock.set(vn(2026, 12, 7, 9, 0, 30))
    again = api.client.post("/api/v1/citizens/desk", json=HOA, headers=headers)
    assert again.status_code == 201 and again.get_json() == first.get_json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert accounts_of(app, HOA["cccd"]) == [(HOA["cccd"], True, None)]
    assert codes_sent(app) == 1


def test_another_persons_facts_with_a_checked_cccd_still_get_the_locked_account(app, api, clock, backend):
    clock.set(vn(2026, 12, 7, 9, 0))
    assert api.post("/api/v1/citizens/desk", "demo.tiepnhan", json=HOA).status_code == 201
    clock.set(vn(2026, 12, 7, 10, 0))
    other = {"full_name": "Trần Văn Nam", "cccd": HOA["cccd"], "cccd_issued_on": "2023-03-10", "phone": "0912000333"}
    r = api.post("/api/v1/citizens/desk", "demo.tiepnhan", json=other)
    assert r.status_code == 201, r.get_json()
    made = r.get_json()
    assert made["username"] == f"{HOA['cccd']}.2" and not made["standardised"] and not made["active"]
    web = Web(app.test_client()).login("demo.tiepnhan")  # the page too (another phone: another request)
    page = web.post("/can-bo/cong-dan/tao", {**other, "phone": "0912000444"}, follow_redirects=True, status=200)
    assert "bị khóa" in text_of(page)
    assert [a[0] for a in accounts_of(app, HOA["cccd"])] == [HOA["cccd"], f"{HOA['cccd']}.2", f"{HOA['cccd']}.3"]
    assert codes_sent(app) == 3
