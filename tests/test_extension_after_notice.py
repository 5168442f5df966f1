"""D18 with D13/D15: the re-appointment is measured from the legal due instant when it takes effect, at the
one-stop's confirmation (D17). A calendar notice applied between the request and that confirmation moves the legal
due; the extension stored when it was asked then gave a new appointment the legal due had already reached (an
extension of nothing, whose letter named the legal due as the new date) or one past the 1/3 cap.

The demo ward, office hours 07:00-11:30 and 13:30-17:00; 1.001612 takes 3 working days.
- Received Monday 07/12/2026 09:00: due Thursday 10/12/2026 09:00 (Tue, Wed, Thu).
- Tuesday 08/12 09:00 the specialist asks 1 working day (1/3 of 3 days), more than a working day before the due:
  Friday 11/12/2026 09:00 if nothing changes; the department leader confirms at 09:30.
- 10:00 the ward's administrator declares Thursday 10/12/2026 a day off (its calendar notice): the legal due becomes Friday 11/12/2026 09:00.
- 10:30 the centre confirms: one working day after Friday 11/12 09:00 is Monday 14/12/2026 09:00.
"""
from __future__ import annotations

from conftest import iso, vn
from test_legal_clock import DEPT_LEADER, DIRECTOR, RECEIVER, SPECIALIST, file_at, receive_at

NOTICE = {"agency": "000.00.06.H56", "days": [{"day": "2026-12-10", "kind": "off", "name": "Nghỉ theo thông báo"}]}


def test_the_centre_confirms_an_extension_from_the_legal_due_a_notice_moved(api, clock):
    code = file_at(api, clock, 2026, 12, 7, 8, 30)
    receive_at(api, clock, code, 2026, 12, 7, 9, 0)
    assert api.get(f"/api/v1/dossiers/{code}", RECEIVER).get_json()["due_at"] == iso(2026, 12, 10, 9, 0)
    clock.set(vn(2026, 12, 8, 9, 0))
    api.act(SPECIALIST, code, "request_extension", {"working_days": 1, "reason": "Cần xác minh thêm địa điểm"})
    clock.set(vn(2026, 12, 8, 9, 30))
    api.act(DEPT_LEADER, code, "confirm_extension")

    clock.set(vn(2026, 12, 8, 10, 0))
    r = api.post("/api/v1/calendar/apply", "demo.admin", json=NOTICE)
    assert r.status_code == 200 and r.get_json()["moved"] == 1, r.get_json()
    api.tokens.clear()  # a day later: signed in again
    moved = api.get(f"/api/v1/dossiers/{code}", RECEIVER).get_json()
    assert moved["due_at"] == iso(2026, 12, 11, 9, 0) and moved["extensions"] == 0

    clock.set(vn(2026, 12, 8, 10, 30))
    extended = api.act(DIRECTOR, code, "confirm_extension")
    assert extended["due_at"] == iso(2026, 12, 14, 9, 0) and extended["extensions"] == 1
    assert extended["original_due_at"] == iso(2026, 12, 11, 9, 0)
    (letter,) = extended["letters"]
    assert letter["new_due_at"] == iso(2026, 12, 14, 9, 0)
