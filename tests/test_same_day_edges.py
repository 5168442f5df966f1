"""D14, D15, D16 at the edges of a same-day ("trong ngày") procedure.

- D14 + D16: office hours are per agency. An office open 07:00–11:30 only closes before the 15:00 cut-off; a
  same-day dossier received after that close (Mon 01/03/2027 13:00) was due at 11:30 the same day, before its
  receipt, and the first sweep recorded it late. Received at or after the day's close it is due at the close of
  the next working day (Tue 02/03 11:30), and the clock starts then too (clock_start and same_day_due agree).
- D15 + D16: a Saturday made a working day late on that Saturday (Sat 06/03/2027 16:00). A same-day dossier
  received Fri 05/03 15:30 (due at the close of the next working day, Mon 08/03 17:00) was moved to Sat 06/03
  17:00, one hour later, overdue on a Saturday nobody planned to work. Counted as if received at the moment the
  day became working (16:00, after the cut-off), it stays due Mon 08/03 17:00.

2027 calendar: Mon 01/03 and Tue 02/03 are working days; Sat 06/03 and Sun 07/03 are days off unless declared.
"""
from __future__ import annotations

import importlib

import pytest

from conftest import CITIZEN, iso, vn
from engine import timers
from engine.core.calendar import load_config, parse_blocks
from engine.core.settings import load_settings
from engine.data import calendars
from engine.law import deadlines
from test_deadline_words import deploy
from test_official_forms import at

RECEIVER, ADMIN, WARD = "demo.tiepnhan", "demo.admin", "000.00.06.H56"
SAME_DAY = {"value": 1, "unit": "same_day"}


def calendar_with(*spans: str):
    """The province's calendar with these office hours (an agency's own, D14)."""
    return load_config(load_settings().calendar_file).calendar(blocks=parse_blocks(list(spans)))


MORNING = calendar_with("07:00-11:30")
FULL = calendar_with("07:00-11:30", "13:30-17:00")


# -- D14 + D16: the same-day due instant of an office that closes before the cut-off -------------------------
@pytest.mark.parametrize("received, due", [
    (vn(2027, 3, 1, 13, 0), vn(2027, 3, 2, 11, 30)),   # after the close, before 15:00 → next working day
    (vn(2027, 3, 1, 11, 30), vn(2027, 3, 2, 11, 30)),  # at the close itself → next working day
    (vn(2027, 3, 1, 11, 29), vn(2027, 3, 1, 11, 30)),  # before the close → that day's close
    (vn(2027, 3, 1, 6, 30), vn(2027, 3, 1, 11, 30)),   # before opening → that day's close
    (vn(2027, 3, 1, 15, 30), vn(2027, 3, 2, 11, 30)),  # after the cut-off → next working day
    (vn(2027, 3, 5, 12, 0), vn(2027, 3, 8, 11, 30)),   # Friday after the close → Monday
    (vn(2027, 3, 6, 9, 0), vn(2027, 3, 8, 11, 30)),    # a day off (Saturday) → Monday
])
def test_same_day_due_at_a_morning_only_office_is_never_before_receipt(received, due):
    """D14, D16: for an office whose day closes before 15:00, the close of the day is its cut-off for a same-day
    dossier: received before it, due at that day's close; at or after it, at the close of the next working day."""
    assert deadlines.result_due(MORNING, received, SAME_DAY) == due
    assert deadlines.same_day_due(MORNING, received) > received


@pytest.mark.parametrize("received, start, due", [
    (vn(2027, 3, 1, 13, 0), vn(2027, 3, 2, 7, 0), vn(2027, 3, 2, 11, 30)),
    (vn(2027, 3, 1, 11, 30), vn(2027, 3, 2, 7, 0), vn(2027, 3, 2, 11, 30)),
    (vn(2027, 3, 1, 9, 0), vn(2027, 3, 1, 9, 0), vn(2027, 3, 1, 11, 30)),
])
def test_same_day_clock_start_and_due_agree_at_a_morning_only_office(received, start, due):
    """D16: the clock of a same-day dossier starts on the day whose close it is due at."""
    assert deadlines.clock_start(MORNING, received, "same_day") == start
    assert deadlines.same_day_due(MORNING, received) == due
    assert start.date() == due.date()


@pytest.mark.parametrize("received, start, due", [
    (vn(2027, 3, 1, 14, 59), vn(2027, 3, 1, 14, 59), vn(2027, 3, 1, 17, 0)),
    (vn(2027, 3, 1, 12, 0), vn(2027, 3, 1, 13, 30), vn(2027, 3, 1, 17, 0)),   # lunch break → same day
    (vn(2027, 3, 1, 15, 0), vn(2027, 3, 2, 7, 0), vn(2027, 3, 2, 17, 0)),     # the cut-off → next day
    (vn(2027, 3, 1, 17, 30), vn(2027, 3, 2, 7, 0), vn(2027, 3, 2, 17, 0)),
    (vn(2027, 3, 6, 9, 0), vn(2027, 3, 8, 7, 0), vn(2027, 3, 8, 17, 0)),      # Saturday → Monday
])
def test_same_day_default_office_hours_unchanged(received, start, due):
    """D16 with the default office hours: the 15:00 cut-off decides, as before."""
    assert deadlines.clock_start(FULL, received, "same_day") == start
    assert deadlines.same_day_due(FULL, received) == due


# -- through the API -----------------------------------------------------------------------------------------
@pytest.fixture
def backend():
    return "sqlite"


@pytest.fixture(autouse=True)
def fresh_cache(monkeypatch, clock):
    """An agency's office hours and a calendar change are seen at once (no 2-second recheck by the real clock)."""
    monkeypatch.setattr(calendars.time, "monotonic", lambda: 1000.0)
    monkeypatch.setattr(importlib.import_module("engine.cli.calendar"), "clock", clock, raising=False)
    calendars.forget_overrides()
    yield
    calendars.forget_overrides()


def received(api, clock, when) -> str:
    at(api, clock, when)
    code = api.file(CITIZEN)["code"]
    api.act(RECEIVER, code, "receive")
    return code


def shown(api, code) -> dict:
    return api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()


def test_morning_only_office_same_day_received_after_close_is_due_next_day_and_not_late(api, app, settings, clock):
    """D14, D16: the ward open 07:00–11:30 only; a same-day dossier received Mon 01/03/2027 13:00 is due at the
    close of the next working day, Tue 02/03 11:30, and a sweep at 13:01 does not record it late."""
    deploy(api, duration="1", unit="same_day")
    r = api.client.patch(f"/api/v1/agencies/{WARD}", headers=api.headers(ADMIN),
                         json={"office_hours": {d: ["07:00-11:30"] for d in ("mon", "tue", "wed", "thu", "fri")}})
    assert r.status_code == 200, r.get_json()
    code = received(api, clock, vn(2027, 3, 1, 13, 0))
    assert shown(api, code)["due_at"] == iso(2027, 3, 2, 11, 30)
    timers.sweep(app.extensions["tthc"]["sessions"], settings, vn(2027, 3, 1, 13, 1))
    assert shown(api, code)["due_at"] == iso(2027, 3, 2, 11, 30)
    assert not shown(api, code).get("late")


def saturday_made_working(api, clock, when) -> None:
    at(api, clock, when)
    r = api.post("/api/v1/calendar/apply", ADMIN,
                 json={"agency": WARD, "days": [{"day": "2027-03-06", "kind": "working", "name": "Làm bù"}]})
    assert r.status_code == 200, r.get_json()


def test_saturday_made_working_late_that_day_keeps_same_day_due_on_monday(api, clock):
    """D15, D16: same-day and 1-working-day dossiers received Fri 05/03/2027 15:30 are due Mon 08/03 17:00. Sat
    06/03 is made a working day at 16:00 that Saturday: the 1-working-day one keeps its working time counted from
    now (Mon 16:00); the same-day one, counted as received at 16:00 (after the cut-off), stays due at the close of
    the next working day, Mon 08/03 17:00, not Sat 17:00 (one hour away, on a Saturday nobody planned to work)."""
    deploy(api, duration="1", unit="same_day")
    same_day = received(api, clock, vn(2027, 3, 5, 15, 30))
    deploy(api, duration="1", unit="working_day")
    one_day = received(api, clock, vn(2027, 3, 5, 15, 30))
    assert shown(api, same_day)["due_at"] == shown(api, one_day)["due_at"] == iso(2027, 3, 8, 17, 0)
    saturday_made_working(api, clock, vn(2027, 3, 6, 16, 0))
    assert shown(api, same_day)["due_at"] == iso(2027, 3, 8, 17, 0)
    assert shown(api, one_day)["due_at"] == iso(2027, 3, 8, 16, 0)


@pytest.mark.parametrize("declared, due", [
    (vn(2027, 3, 5, 20, 0), iso(2027, 3, 6, 17, 0)),   # the evening before: the whole Saturday to work
    (vn(2027, 3, 6, 10, 0), iso(2027, 3, 6, 17, 0)),   # that morning, before the cut-off: as received at 10:00
])
def test_saturday_made_working_in_time_moves_same_day_due_to_saturday(api, clock, declared, due):
    """D15, D16: made a working day before it began, or on it before the 15:00 cut-off, the Saturday is the next
    working day after a receipt Fri 05/03/2027 15:30: the same-day dossier is due at its close, Sat 06/03 17:00."""
    deploy(api, duration="1", unit="same_day")
    code = received(api, clock, vn(2027, 3, 5, 15, 30))
    saturday_made_working(api, clock, declared)
    assert shown(api, code)["due_at"] == due
