"""D1: a received dossier keeps the rule set of the version it was received under. The household business
registration (1.001612, 3 working days, the supplement restarting the time, D12) received Monday 23/11/2026 09:00
is due Friday 27/11/2026 09:00 (24/11 is off in the test calendar). Version 2 only changes the rule for a
supplement to "pause": moved to it, a supplement asked 25/11 09:00 and given 26/11 09:00 would make the dossier
due 30/11 09:00 (one working day waited) instead of 01/12 09:00 (3 working days from the supplement), a rule not in
force at receipt. The move is refused (409) with the reason; a dossier not yet received still moves."""
from __future__ import annotations

from conftest import SAMPLE, SAMPLE_FORM, STEP_DATA, CITIZEN, iso, vn
from test_versions import ADMIN, deploy


def test_a_received_dossier_is_not_moved_to_a_version_counting_supplements_otherwise(api, clock):
    clock.set(vn(2026, 11, 23, 8, 30))
    received, waiting = api.file()["code"], api.file()["code"]
    clock.set(vn(2026, 11, 23, 9, 0))
    assert api.act("demo.tiepnhan", received, "receive")["due_at"] == iso(2026, 11, 27, 9, 0)
    paused = SAMPLE.read_text().replace('name="clockOnSupplement" value="restart"',
                                        'name="clockOnSupplement" value="pause"')
    assert deploy(api, paused).status_code == 201
    r = api.post(f"/api/v1/dossiers/{received}/migrate", ADMIN, json={"version": 2})
    assert r.status_code == 409, r.get_json()
    assert any("bổ sung" in p["message"] for p in r.get_json()["error"]["problems"]), r.get_json()
    clock.set(vn(2026, 11, 25, 9, 0))
    api.tokens.clear()  # the next working day: signed in again
    api.act("demo.chuyenvien", received, "request_supplement", STEP_DATA["request_supplement"])
    clock.set(vn(2026, 11, 26, 9, 0))
    api.tokens.clear()
    r = api.post(f"/api/v1/dossiers/{received}/supplement", CITIZEN, json={"form": SAMPLE_FORM})
    assert r.status_code == 200, r.get_json()
    assert (r.get_json()["procedure_version"], r.get_json()["due_at"]) == (1, iso(2026, 12, 1, 9, 0))
    assert api.post(f"/api/v1/dossiers/{waiting}/migrate", ADMIN, json={"version": 2}).status_code == 200
