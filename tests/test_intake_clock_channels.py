"""D5, D7: the intake check's working hour is the online dossier's (the post counts as online); each intake
deadline is watched, the check again after a supplement too.

- A paper dossier handed in at the desk Fri 27/11/2026 16:30 and registered there by the receiving officer has no
  intake hour: no intake deadline, no "intake overdue" at Mon 30/11/2026 07:30, and received Mon 08:00 it is not
  late at intake, in the API and in the dossier register.
- A postal dossier registered Sat 28/11/2026 keeps the hour: due Mon 30/11/2026 08:00 (the hour counts from the
  start of the next working period). An online one filed Fri 16:30 is due Mon 07:30 and alerted then.
- Online Wed 25/11/2026 09:00, alerted late at 10:00, a supplement asked at 10:30 and answered Thu 26/11/2026
  09:00: the check again is due Thu 10:00, and alerted then (once); the register still says the first check
  was late.
"""
from __future__ import annotations

import io
from types import SimpleNamespace

from openpyxl import load_workbook

from conftest import CITIZEN, SAMPLE_FORM, STEP_DATA, iso, vn
from law_support import calendar
from engine import timers
from engine.law import deadlines
from engine.paperwork import registers

RECEIVER = "demo.tiepnhan"
OWNER = {"full_name": "Trần Thị Bình", "birth_date": "1990-05-06", "cccd": "046190000123"}
LATE_AT_INTAKE = "Tiếp nhận quá hạn"


def sweep(app, *when) -> dict:
    ext = app.extensions["tthc"]
    return timers.sweep(ext["sessions"], ext["settings"], vn(*when)).effects


def show(api, code: str, user: str = RECEIVER) -> dict:
    api.tokens.clear()  # the clock moves by days: a fresh token
    r = api.get(f"/api/v1/dossiers/{code}", user)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def act(api, clock, code: str, action: str, *when, data: dict | None = None) -> dict:
    clock.set(vn(*when))
    api.tokens.clear()
    return api.act(RECEIVER, code, action, data)


def register_notes(api, code: str) -> str:
    api.tokens.clear()
    r = api.get("/api/v1/register?from=2026-11-23&to=2026-11-30&format=xlsx", RECEIVER)
    assert r.status_code == 200
    sheet = load_workbook(io.BytesIO(r.data)).active
    header = [c.value for c in sheet[registers.HEADER_ROW]]
    rows = [dict(zip(header, row)) for row in sheet.iter_rows(min_row=registers.HEADER_ROW + 1, values_only=True)]
    [row] = [row for row in rows if code in row.values()]
    return row["Ghi chú"] or ""


def test_a_desk_dossier_has_no_intake_hour_and_is_never_late_at_intake(api, app, clock):
    clock.set(vn(2026, 11, 27, 16, 30))  # Fri: the paper handed in at the one-stop, registered there
    code = api.file(RECEIVER, owner=OWNER, channel="desk")["code"]
    filed = show(api, code)
    assert filed["intake_due_at"] is None and filed["intake_late"] is False
    assert "intake_overdue" not in sweep(app, 2026, 11, 30, 7, 30)  # an online one would be due now
    assert show(api, code)["intake_late"] is False
    received = act(api, clock, code, "receive", 2026, 11, 30, 8, 0)
    assert received["intake_late"] is False
    assert "intake_overdue" not in [h["action"] for h in received["history"]]
    assert LATE_AT_INTAKE not in register_notes(api, code)


def test_a_desk_dossier_checked_again_after_a_supplement_gets_no_hour_either():
    """D7: whoever records the supplement of a desk dossier at intake, its check again has no hour."""
    cal = calendar()
    desk = SimpleNamespace(channel="desk", intake_due_at=vn(2026, 11, 25, 10, 0), calendar_version=None, paused_at=None)
    deadlines.on_supplemented(desk, cal, {}, "intake", vn(2026, 11, 26, 9, 0))
    assert desk.intake_due_at is None
    online = SimpleNamespace(channel="online", intake_due_at=None, calendar_version=None, paused_at=None)
    deadlines.on_supplemented(online, cal, {}, "intake", vn(2026, 11, 26, 9, 0))
    assert online.intake_due_at == vn(2026, 11, 26, 10, 0)


def test_a_postal_dossier_keeps_the_hour_from_the_next_working_period(api, app, clock):
    clock.set(vn(2026, 11, 28, 10, 0))  # Sat: registered for the postal operator
    code = api.file(RECEIVER, owner=OWNER, channel="post")["code"]
    assert show(api, code)["intake_due_at"] == iso(2026, 11, 30, 8, 0)
    assert sweep(app, 2026, 11, 30, 7, 59).get("intake_overdue") is None
    assert sweep(app, 2026, 11, 30, 8, 0).get("intake_overdue") == 1


def test_an_online_dossier_keeps_the_hour(api, app, clock):
    clock.set(vn(2026, 11, 27, 16, 30))
    code = api.file(CITIZEN)["code"]
    assert show(api, code)["intake_due_at"] == iso(2026, 11, 30, 7, 30)
    assert sweep(app, 2026, 11, 30, 7, 30).get("intake_overdue") == 1
    assert show(api, code)["intake_late"] is True


def test_the_check_again_after_a_late_first_check_is_watched_too(api, app, clock):
    clock.set(vn(2026, 11, 25, 9, 0))  # Wed
    code = api.file(CITIZEN)["code"]
    assert sweep(app, 2026, 11, 25, 10, 0).get("intake_overdue") == 1  # the first hour ran out
    act(api, clock, code, "request_supplement", 2026, 11, 25, 10, 30, data=STEP_DATA["request_supplement"])
    clock.set(vn(2026, 11, 26, 9, 0))  # Thu: the citizen answers
    api.tokens.clear()
    assert api.post(f"/api/v1/dossiers/{code}/supplement", CITIZEN, json={"form": SAMPLE_FORM}).status_code == 200
    again = show(api, code)
    assert again["intake_due_at"] == iso(2026, 11, 26, 10, 0)
    assert again["intake_late"] is True  # the first check was late, and stays so
    assert sweep(app, 2026, 11, 26, 9, 59).get("intake_overdue") is None
    assert sweep(app, 2026, 11, 26, 10, 0).get("intake_overdue") == 1  # the second hour, alerted
    assert sweep(app, 2026, 11, 27, 9, 0).get("intake_overdue") is None  # once
    assert [h["action"] for h in show(api, code)["history"]].count("intake_overdue") == 2
    received = act(api, clock, code, "receive", 2026, 11, 26, 10, 30)
    assert received["intake_late"] is True
    assert LATE_AT_INTAKE in register_notes(api, code)
