"""D1: a dossier keeps the rule set and the procedure version in force when it was received; D18: the extension
is at most 1/3 of the procedure's processing time. The household business registration (1.001612, 3 working
days) received Monday 07/12/2026 09:00 is due Thursday 10/12/2026 09:00 (its receipt says so). Version 2 takes
30 working days. Moved to version 2, the dossier kept its due date of version 1 while the rules counted from the
processing time read version 2's: a 5-working-day extension was accepted against a 10-day cap. A received dossier
whose version would change its processing time is not moved (409, with the reason); one not yet received is."""
from __future__ import annotations

from conftest import iso, vn
from test_versions import ADMIN, deploy, variant


def test_a_received_dossier_is_not_moved_to_a_version_with_another_processing_time(api, clock):
    clock.set(vn(2026, 12, 7, 8, 30))
    received, waiting = api.file()["code"], api.file()["code"]
    clock.set(vn(2026, 12, 7, 9, 0))
    api.act("demo.tiepnhan", received, "receive")
    assert deploy(api, variant(duration="30")).status_code == 201
    r = api.post(f"/api/v1/dossiers/{received}/migrate", ADMIN, json={"version": 2})
    assert r.status_code == 409, r.get_json()
    assert any("thời hạn giải quyết" in p["message"] for p in r.get_json()["error"]["problems"]), r.get_json()
    shown = api.get(f"/api/v1/dossiers/{received}", "demo.tiepnhan").get_json()
    assert shown["due_at"] == iso(2026, 12, 10, 9, 0)
    # 1/3 of 3 working days is 1: 5 days are refused, as on version 1
    clock.set(vn(2026, 12, 8, 9, 0))
    api.tokens.clear()  # the next day: signed in again
    r = api.post(f"/api/v1/tasks/{api.task_for('demo.chuyenvien', received)['id']}/complete", "demo.chuyenvien",
                 json={"action": "request_extension", "data": {"working_days": 5, "reason": "Cần xác minh"}})
    assert r.status_code == 422 and r.get_json()["error"]["rule"] == "D18", r.get_json()
    # not received yet: its appointment is not given, it moves and will be counted on version 2
    assert api.post(f"/api/v1/dossiers/{waiting}/migrate", ADMIN, json={"version": 2}).status_code == 200
