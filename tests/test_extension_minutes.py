"""D17, D18 at the edges an officer meets: an extension is asked to the minute (2 h 40 min, the cap of a one-day
procedure, is 2.666… hours: "2,67" is that, not a few seconds over it), and the department leader's confirmation
is refused once it is too late, as the centre's would be (it was accepted and went nowhere)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from conftest import CITIZEN, vn
from law_support import calendar
from engine.core.errors import Invalid
from engine.core.vocabulary import vn_number
from engine.law import extension

SPECIALIST, LEADER, RECEIVER = "demo.chuyenvien", "demo.lanhdao", "demo.tiepnhan"
ONE_DAY = {"value": 1, "unit": "working_day"}


@pytest.mark.parametrize("hours", [2.67, 2.6667, 8 / 3])
def test_two_hours_forty_is_asked_as_the_hours_round_to_the_minute(hours):
    cal = calendar()
    assert extension.requested_amount({"working_hours": hours}, cal) == timedelta(minutes=160)
    # received Mon 07/12/2026 08:00, one working day: due Tue 08/12 08:00; asked at 07:30 that morning
    due = extension.check_request(cal, ONE_DAY, extensions_so_far=0, pending=False, due_at=vn(2026, 12, 8, 8, 0),
                                  original_due_at=vn(2026, 12, 8, 8, 0),
                                  amount=extension.requested_amount({"working_hours": hours}, cal),
                                  now=vn(2026, 12, 8, 7, 30), received_at=vn(2026, 12, 7, 8, 0))
    assert due == vn(2026, 12, 8, 10, 40)


def test_more_than_the_cap_by_a_minute_is_still_refused():
    cal = calendar()
    with pytest.raises(Invalid, match="1/3"):
        extension.check_request(cal, ONE_DAY, extensions_so_far=0, pending=False, due_at=vn(2026, 12, 8, 8, 0),
                                original_due_at=vn(2026, 12, 8, 8, 0),
                                amount=extension.requested_amount({"working_hours": 2.69}, cal),
                                now=vn(2026, 12, 8, 7, 30), received_at=vn(2026, 12, 7, 8, 0))


def test_a_tiny_positive_amount_is_one_minute_not_none():
    assert extension.requested_amount({"working_hours": 0.001}, calendar()) == timedelta(minutes=1)


def test_the_department_leaders_confirmation_after_the_time_for_it_is_refused(api, clock):
    """Received Mon 07/12/2026 08:00 (3 working days: due Thu 10/12 08:00). The specialist asks one working day on
    Tue 08/12 09:00, in time; the leader confirms on Wed 09/12 09:00, 7 working hours before the due: too late
    (D18: at least one working day before), refused as the centre's confirmation would be; the due stays."""
    clock.set(vn(2026, 12, 7, 7, 30))
    code = api.file(CITIZEN)["code"]
    clock.set(vn(2026, 12, 7, 8, 0))
    assert api.act(RECEIVER, code, "receive")["due_at"] == "2026-12-10T08:00:00+07:00"
    clock.set(vn(2026, 12, 8, 9, 0))
    api.act(SPECIALIST, code, "request_extension", {"working_days": 1, "reason": "Cần xác minh địa điểm"})
    clock.set(vn(2026, 12, 9, 9, 0))
    api.tokens.clear()
    refused = api.act(LEADER, code, "confirm_extension", status=422)
    assert "1 ngày làm việc trước hạn" in str(refused)
    assert api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()["due_at"] == "2026-12-10T08:00:00+07:00"


def test_statistics_round_half_up_as_people_do():
    assert vn_number(18.25, 1) == "18,3" and vn_number(2.675, 2) == "2,68" and vn_number(18.24, 1) == "18,2"
