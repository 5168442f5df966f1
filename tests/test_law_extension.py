"""Extension (domain.md D17–D18): at most 1/3 of the processing time in working time, once, at least one
working day before the due when the processing time exceeds one working day, otherwise before the due."""
from __future__ import annotations

from datetime import timedelta

import pytest

from engine.core.errors import Invalid
from engine.law import deadlines, extension
from law_support import DAY, H, calendar, check_tet_2027, vn

THREE_DAYS = {"value": 3, "unit": "working_day"}
ONE_DAY = {"value": 1, "unit": "working_day"}
SAME_DAY = {"value": 1, "unit": "same_day"}
FOUR_HOURS = {"value": 4, "unit": "working_hour"}


@pytest.fixture(scope="module")
def cal():
    result = calendar()
    check_tet_2027(result)
    return result


@pytest.mark.parametrize("duration, cap", [
    ({"value": 15, "unit": "working_day"}, 5 * DAY), (THREE_DAYS, DAY),
    (ONE_DAY, timedelta(hours=2, minutes=40)), (SAME_DAY, timedelta(hours=2, minutes=40)),
    ({"value": 6, "unit": "working_hour"}, 2 * H),
])
def test_the_cap_is_a_third_of_the_processing_time(cal, duration, cap):
    assert extension.cap(cal, duration) == cap


def test_a_long_procedure_extends_at_least_one_working_day_before_the_due_over_tet_2027(cal):
    # 3 working days received Wed 03/02/2027 09:00: 6 h on Wednesday, Tết, Thu 11 (14 h), Fri 12 (22 h),
    # 2 h on Mon 15 → due Mon 15/02/2027 09:00. One working day before: Fri 12/02/2027 09:00.
    due = deadlines.result_due(cal, vn(2027, 2, 3, 9, 0), THREE_DAYS)
    assert due == vn(2027, 2, 15, 9, 0)
    assert extension.in_time(cal, THREE_DAYS, due, vn(2027, 2, 12, 9, 0))
    assert not extension.in_time(cal, THREE_DAYS, due, vn(2027, 2, 12, 9, 1))
    with pytest.raises(Invalid) as caught:
        extension.check_in_time(cal, THREE_DAYS, due, vn(2027, 2, 12, 9, 1))
    assert caught.value.rule == "D18" and "1 ngày làm việc" in caught.value.message


@pytest.mark.parametrize("duration, received, due", [
    (ONE_DAY, vn(2026, 3, 9, 9, 0), vn(2026, 3, 10, 9, 0)),
    (SAME_DAY, vn(2026, 3, 9, 14, 59), vn(2026, 3, 9, 17, 0)),
    (FOUR_HOURS, vn(2026, 3, 9, 9, 0), vn(2026, 3, 9, 15, 0)),  # 2 h 30 before lunch, 1 h 30 after
])
def test_a_short_procedure_extends_before_the_due_instant(cal, duration, received, due):
    assert deadlines.result_due(cal, received, duration) == due
    assert extension.is_short(cal, duration)
    assert extension.in_time(cal, duration, due, due - timedelta(minutes=1))
    assert not extension.in_time(cal, duration, due, due)
    with pytest.raises(Invalid) as caught:
        extension.check_in_time(cal, duration, due, due)
    assert caught.value.rule == "D18" and "trước hạn trả kết quả" in caught.value.message


def test_a_same_day_extension_counts_from_the_original_due(cal):
    # Received Mon 09/03/2026 14:59, due 17:00; extended at 16:30 by the cap, 2 h 40 min of working time
    # from 17:00 → Tue 10/03/2026 09:40.
    new_due = extension.check_request(cal, SAME_DAY, extensions_so_far=0, pending=False,
                                      due_at=vn(2026, 3, 9, 17, 0), original_due_at=vn(2026, 3, 9, 17, 0),
                                      amount=timedelta(hours=2, minutes=40), now=vn(2026, 3, 9, 16, 30))
    assert new_due == vn(2026, 3, 10, 9, 40)


@pytest.mark.parametrize("extensions_so_far, pending, amount, words", [
    (1, False, H, "một lần"), (0, True, H, "một lần"), (0, False, DAY + timedelta(minutes=1), "1/3"),
])
def test_once_and_within_the_cap(cal, extensions_so_far, pending, amount, words):
    with pytest.raises(Invalid) as caught:
        extension.check_request(cal, THREE_DAYS, extensions_so_far=extensions_so_far, pending=pending,
                                due_at=vn(2027, 2, 15, 9, 0), original_due_at=vn(2027, 2, 15, 9, 0), amount=amount,
                                now=vn(2027, 2, 3, 10, 0))
    assert caught.value.rule == "D18" and words in caught.value.message


def test_the_amount_asked_for(cal):
    assert extension.requested_amount({"working_days": 2}, cal) == 2 * DAY
    assert extension.requested_amount({"working_hours": 3}, cal) == 3 * H
