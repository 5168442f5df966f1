"""An agency's office hours set by its administrator are its working calendar's (D14), for every deadline computed
after the change; those computed before keep their value (D15: each records the calendar version it used).

The ward Thuận Hóa (000.00.06.H56, the demo ward) gets 07:30-11:30 and 13:30-17:30 (8 working hours a day) instead
of the default 07:00-11:30 and 13:30-17:00. Tue 24/11/2026 is a day off (Ngày Văn hóa Việt Nam, D15), Wed 25/11
and Thu 26/11 are working days. SQLite only."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from conftest import CITIZEN, SAMPLE_CODE, SAMPLE_FORM, iso, vn
from engine.data import agencies, calendars
from engine.data.agency_model import Agency
from staff_support import offer_sample_copy

ADMIN, RECEIVER, WARD = "demo.admin", "demo.tiepnhan", "000.00.06.H56"
NEW_HOURS = {day: ["07:30-11:30", "13:30-17:30"] for day in ("mon", "tue", "wed", "thu", "fri")}


@pytest.fixture
def backend():
    return "sqlite"


@pytest.fixture(autouse=True)
def fresh_cache(monkeypatch):
    """The 2-second recheck never comes by itself (a frozen monotonic clock): a change is seen at once only
    because the process that made it forgets what it read."""
    monkeypatch.setattr(calendars.time, "monotonic", lambda: 1000.0)
    calendars.forget_overrides()
    yield
    calendars.forget_overrides()


def set_hours(api, hours, code: str = WARD) -> None:
    r = api.client.patch(f"/api/v1/agencies/{code}", headers=api.headers(ADMIN), json={"office_hours": hours})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["office_hours"] == hours


def dossier(api, code: str) -> dict:
    return api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()


def file_at(api, clock, at, procedure: str = SAMPLE_CODE) -> dict:
    clock.set(at)
    api.tokens.clear()  # a new login at the new time (a token lives hours, not days)
    r = api.post("/api/v1/dossiers", CITIZEN, json={"procedure": procedure, "form": SAMPLE_FORM})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def other_agency(app, clock, code: str, parent: str | None, hours=None) -> str:
    """An agency (under ``parent``, or a root of its own) with its own copy of the sample procedure; the copy's
    code."""
    with app.extensions["tthc"]["sessions"].begin() as session:
        above = agencies.by_code(session, parent) if parent else None
        agency = agencies.place(session, Agency(code=code, name=f"Phường {code}", level="commune",
                                                office_hours=hours), above)
        made = offer_sample_copy(session, agency, f"{SAMPLE_CODE}{code[-6:-4]}", clock.now())
    calendars.forget_overrides()
    return made


def test_the_administrators_hours_set_the_intake_due_of_the_next_filings(api, clock):
    set_hours(api, NEW_HOURS)
    # Wed 25/11/2026 07:10: no working time passes before 07:30, then 1 working hour (D7) → 08:30 (was 08:10).
    assert file_at(api, clock, vn(2026, 11, 25, 7, 10))["intake_due_at"] == iso(2026, 11, 25, 8, 30)
    # Wed 17:15: 15 minutes left until 17:30, the other 45 from Thu 26/11 07:30 → 08:15 (was Thu 08:00).
    late = file_at(api, clock, vn(2026, 11, 25, 17, 15))
    assert late["intake_due_at"] == iso(2026, 11, 26, 8, 15)


def test_a_dossier_received_after_the_change_is_due_by_the_new_hours(api, clock):
    before = file_at(api, clock, vn(2026, 11, 23, 9, 0))
    set_hours(api, NEW_HOURS)
    code = file_at(api, clock, vn(2026, 11, 25, 17, 15))["code"]
    api.act(RECEIVER, code, "receive")
    # Received Wed 25/11/2026 17:15, after the 15:00 cut-off (D16): counting starts at the next working day, Thu
    # 26/11, at the start of its office hours, 07:30 (the default would be 07:00). 3 working days of 8 working hours
    # (07:30-11:30 + 13:30-17:30): Thu 26/11 07:30→17:30, Fri 27/11 07:30→17:30, (Sat, Sun off) Mon 30/11
    # 07:30→17:30: due Mon 30/11/2026 17:30 (the default hours would give 17:00).
    shown = dossier(api, code)
    assert shown["due_at"] == iso(2026, 11, 30, 17, 30)
    assert shown["calendar_version"] != before["calendar_version"]  # D15: a new calendar, a new version


def test_a_dossier_received_before_the_change_keeps_its_due(api, clock):
    code = file_at(api, clock, vn(2026, 11, 23, 9, 0))["code"]
    assert dossier(api, code)["intake_due_at"] == iso(2026, 11, 23, 10, 0)
    api.act(RECEIVER, code, "receive")
    # Mon 23/11 09:00 + 3 working days under the default hours (Tue 24/11 is off): Fri 27/11/2026 09:00.
    kept = dossier(api, code)
    assert kept["due_at"] == iso(2026, 11, 27, 9, 0)
    set_hours(api, NEW_HOURS)
    clock.set(vn(2026, 11, 25, 10, 0))
    api.tokens.clear()
    after = dossier(api, code)
    assert (after["due_at"], after["intake_due_at"], after["calendar_version"]) == (
        kept["due_at"], kept["intake_due_at"], kept["calendar_version"])


def test_an_agency_without_stored_hours_keeps_the_default(api, app, clock):
    set_hours(api, NEW_HOURS)
    procedure = other_agency(app, clock, "000.00.09.H56", None)  # a root of its own, no hours stored
    assert file_at(api, clock, vn(2026, 11, 25, 7, 10), procedure)["intake_due_at"] == iso(2026, 11, 25, 8, 10)
    assert file_at(api, clock, vn(2026, 11, 25, 17, 15), procedure)["intake_due_at"] == iso(2026, 11, 26, 8, 0)


def test_an_agency_below_takes_the_nearest_hours_its_own_first(api, app, clock):
    set_hours(api, NEW_HOURS)
    below = other_agency(app, clock, "000.00.31.H56", WARD)  # no hours of its own: the ward's
    own = other_agency(app, clock, "000.00.32.H56", WARD, {"mon": ["08:00-12:00", "13:00-17:00"]})
    assert file_at(api, clock, vn(2026, 11, 25, 7, 10), below)["intake_due_at"] == iso(2026, 11, 25, 8, 30)
    # its own hours (Monday's, the only weekday given, hold for every working day): 08:00 + 1 h
    assert file_at(api, clock, vn(2026, 11, 25, 7, 10), own)["intake_due_at"] == iso(2026, 11, 25, 9, 0)


def test_hours_changed_by_another_process_are_used_within_the_recheck_time(app, settings, monkeypatch):
    tick = [1000.0]
    monkeypatch.setattr(calendars.time, "monotonic", lambda: tick[0])
    sessions = app.extensions["tthc"]["sessions"]
    with sessions() as session:
        old = calendars.calendar_for(session, settings, WARD)
    with sessions.begin() as session:  # "another process": no forget here
        session.scalar(select(Agency).where(Agency.code == WARD)).office_hours = NEW_HOURS
    with sessions() as session:  # within the recheck time, the hours read a moment ago
        assert calendars.calendar_for(session, settings, WARD).version == old.version
    tick[0] += calendars.OVERRIDES_RECHECK_SECONDS + 0.1
    with sessions() as session:
        new = calendars.calendar_for(session, settings, WARD)
    assert new.version != old.version
    assert new.next_working_instant(vn(2026, 11, 25, 7, 10)) == vn(2026, 11, 25, 7, 30)


def test_a_proposed_calendar_has_the_stored_hours_too(api, app, settings, clock):
    """A notice being previewed builds its calendars without a session (engine.cases.calendar_notices): the same
    hours, the same version as the calendar the deadlines use."""
    set_hours(api, NEW_HOURS)
    with app.extensions["tthc"]["sessions"]() as session:
        used = calendars.calendar_for(session, settings, WARD)
    assert calendars.built(settings, WARD, ()).version == used.version
    assert used.day_length.total_seconds() == 8 * 3600
