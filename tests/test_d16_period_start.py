"""D16: a working-day deadline keeps the clock time of intake. Received at the very start of a working period
(07:00, 13:30 after the lunch break), the count of whole working days ends at the end of a period (the evening
before at 17:00, the morning at 11:30): the same instant in working time, but not the receipt's clock time, and a
result approved at 13:29 on its due day was judged late (an apology, a late dossier in every report). Expected
instants worked out by hand from domain.md on the 2027 calendar (Tết off Thu 04/02 to Wed 10/02)."""
from __future__ import annotations

from datetime import date, time

import pytest
from conftest import CITIZEN, STEP_DATA, iso, vn

from engine.core.calendar import WorkingCalendar, parse_blocks

RECEIVER, SPECIALIST, LEADER = "demo.tiepnhan", "demo.chuyenvien", "demo.lanhdao"


@pytest.fixture
def backend():
    return "sqlite"  # the clock is the engine's own; the database only keeps its answers


def _received(api, clock, *when) -> dict:
    clock.set(vn(*when[:3], 6, 30))  # filed before office hours the same day, received at the instant
    api.tokens.clear()
    code = api.file(CITIZEN)["code"]
    clock.set(vn(*when))
    api.tokens.clear()
    return api.act(RECEIVER, code, "receive")


@pytest.mark.parametrize("received, due", [
    ((2027, 2, 11, 13, 30), (2027, 2, 16, 13, 30)),  # Thu after the lunch break: Fri, Mon, Tue 13:30
    ((2027, 2, 11, 7, 0), (2027, 2, 16, 7, 0)),      # Thu at opening: Tue 07:00, not Mon 17:00
    ((2027, 2, 12, 13, 30), (2027, 2, 17, 13, 30)),  # Fri 13:30: Mon, Tue, Wed 13:30
    ((2027, 2, 11, 9, 32), (2027, 2, 16, 9, 32)),    # within a period, as D16's own example: unchanged
    ((2027, 2, 11, 15, 1), (2027, 2, 16, 17, 0)),    # after 15:00: counted from Fri 07:00, due at the close
])
def test_a_working_day_deadline_keeps_the_clock_time_of_a_receipt_at_a_period_start_D16(api, clock, received, due):
    assert _received(api, clock, *received)["due_at"] == iso(*due)


def test_a_result_approved_before_the_receipts_clock_time_on_the_due_day_is_on_time_D16_D19(api, clock):
    code = _received(api, clock, 2027, 2, 11, 13, 30)["code"]
    clock.set(vn(2027, 2, 16, 13, 0))
    api.tokens.clear()
    api.act(SPECIALIST, code, "propose_approval", STEP_DATA["propose_approval"])
    clock.set(vn(2027, 2, 16, 13, 29))  # before the receipt's clock time on the due day (was late from 11:30)
    done = api.act(LEADER, code, "approve", {"y_kien_phe_duyet": "Đồng ý"})
    assert done["late"] is False, done


@pytest.mark.parametrize("hours", [["07:00-11:30", "13:30-17:00"], ["07:30-12:00", "13:00-17:30"]])
def test_the_calendar_keeps_the_clock_time_for_every_period_start_D16(hours):
    """The default office hours and an agency's own (D14): from each period's start, N working days later."""
    cal = WorkingCalendar(parse_blocks(hours), [], time(15, 0))
    for start, _ in cal._blocks(date(2026, 12, 1)):
        for days in (1, 2, 5, 15):
            due = cal.due(start, days, "working_day")
            assert due.time() == start.time(), (start, days, due)
            assert cal.working_time_between(start, due) == cal.day_length * days
