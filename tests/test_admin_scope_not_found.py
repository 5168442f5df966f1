"""Two answers of the JSON API that said more than they should, or offered what they would refuse.

1) api.md: "404 not found (also for dossiers the caller may not see)". The administrator of ward A
   (admin.phuonga), who is told 404 by GET /dossiers/{code} for the demo agency's dossier, was told 403
   outside_your_agencies by its audit, suspend, resume, terminate and migrate routes, and 404 for a made-up code:
   the administrator role sufficed to probe which codes exist in other agencies. Now 404 dossier_not_found for
   both; a caller who is no administrator is still refused (403) whatever the code; the administrators in scope
   still act.
2) api.md Tasks: GET /tasks gives the actions complete takes. A dossier suspended by an administrator still listed
   ["receive", "request_supplement", "refuse"] while complete answered 409 dossier_suspended. Now no actions, and
   "suspended": true says why; the officer's task page offers no action either. Resumed: the actions are back.
"""
from __future__ import annotations

from staff_support import ADMIN_A, ADMIN_P, build_province
from web_support import Web

from conftest import vn

MADE_UP = "000.00.06.H56-261123-9999"
REASON = {"reason": "Kiểm tra hồ sơ"}
ROUTES = [("get", "audit", None), ("post", "suspend", REASON), ("post", "terminate", REASON),
          ("post", "resume", REASON), ("post", "migrate", {"version": 1})]


def answer(api, user: str, code: str, method: str, route: str, body):
    path = f"/api/v1/dossiers/{code}/{route}"
    r = api.get(path, user) if method == "get" else api.post(path, user, json=body)
    return r.status_code, r.get_json()["error"]["code"] if r.status_code >= 400 else None


def test_an_administrator_outside_the_subtree_is_told_the_dossier_does_not_exist(app, api, clock):
    build_province(app)
    clock.set(vn(2026, 11, 23, 9, 30))
    code = api.file()["code"]
    assert api.get(f"/api/v1/dossiers/{code}", ADMIN_A).status_code == 404
    for method, route, body in ROUTES:
        real = answer(api, ADMIN_A, code, method, route, body)
        made_up = answer(api, ADMIN_A, MADE_UP, method, route, body)
        assert real == made_up == (404, "dossier_not_found"), (route, real, made_up)
    task = api.task_for("demo.tiepnhan", code)  # nothing was done to it
    assert task["suspended"] is False and "receive" in task["actions"]


def test_who_is_no_administrator_is_refused_whatever_the_code(app, api, clock):
    build_province(app)
    clock.set(vn(2026, 11, 23, 9, 30))
    code = api.file()["code"]
    for method, route, body in ROUTES:
        if route == "audit":  # the dossier's own officers read it; anyone else: 404 (as before)
            continue
        for which in (code, MADE_UP):
            status, error = answer(api, "demo.tiepnhan", which, method, route, body)
            assert status == 403 and error == "not_administrator", (route, which, status, error)


def test_the_administrators_in_scope_still_act(app, api, clock):
    build_province(app)
    clock.set(vn(2026, 11, 23, 9, 30))
    code = api.file()["code"]
    assert api.get(f"/api/v1/dossiers/{code}/audit", ADMIN_P).status_code == 200
    assert answer(api, "demo.admin", code, "post", "migrate", {"version": 1})[0] == 409  # not newer: refused
    assert api.post(f"/api/v1/dossiers/{code}/suspend", ADMIN_P, json=REASON).status_code == 200
    assert api.post(f"/api/v1/dossiers/{code}/resume", "demo.admin", json=REASON).status_code == 200


def test_a_suspended_dossiers_task_offers_no_action(app, api, clock):
    clock.set(vn(2026, 11, 23, 9, 30))
    code = api.file()["code"]
    task = api.task_for("demo.tiepnhan", code)
    assert task["actions"] and task["suspended"] is False
    desk = Web(app.test_client()).login("demo.tiepnhan")
    assert 'id="action-receive"' in desk.get(f"/can-bo/cong-viec/{task['id']}").get_data(as_text=True)

    clock.set(vn(2026, 11, 23, 10, 0))
    assert api.post(f"/api/v1/dossiers/{code}/suspend", "demo.admin", json=REASON).status_code == 200
    listed = api.task_for("demo.tiepnhan", code)
    assert listed["actions"] == [] and listed["suspended"] is True, listed
    one = api.get(f"/api/v1/tasks/{task['id']}", "demo.tiepnhan").get_json()
    assert one["actions"] == [] and one["suspended"] is True
    r = api.post(f"/api/v1/tasks/{task['id']}/complete", "demo.tiepnhan", json={"action": "receive", "data": {}})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "dossier_suspended"
    assert 'id="action-' not in desk.get(f"/can-bo/cong-viec/{task['id']}").get_data(as_text=True)

    clock.set(vn(2026, 11, 23, 14, 0))
    assert api.post(f"/api/v1/dossiers/{code}/resume", "demo.admin", json=REASON).status_code == 200
    back = api.task_for("demo.tiepnhan", code)
    assert back["actions"] == task["actions"] and back["suspended"] is False
    assert 'id="action-receive"' in desk.get(f"/can-bo/cong-viec/{task['id']}").get_data(as_text=True)
