"""D12 and D26 with D16: a wait for the applicant (a fee, a supplement under the "pause" policy) moves the result's
due instant by the counting time it cost, and none passes before the result's clock starts: a dossier received
after the 15:00 cut-off starts counting on the next working day, so the time from the receipt to 17:00 is not
added when the fee is paid or the supplement answered (engine.law.deadlines.waited_time). The items' own limits
(D30) move by the same time, and the page says how much was added. And after a one-time extension (D17, D18), the
result's note says the date shown is the re-appointed one.

Dates worked out by hand: office hours 07:00–11:30 and 13:30–17:00, cut-off 15:00, Tue 24/11/2026 a public holiday.
The household-business sample (3 working days, a fee of 100 000 đồng at the receipt, collected at the desk), its
assessment task limited to 1 working day (tests/test_step_limits.py deploy_limited). Filed Mon 23/11/2026 15:30,
received 16:00: counting starts Wed 25/11 07:00 (after the cut-off, Tue off): due Fri 27/11 17:00; the assessment
item, opened at the receipt, due Wed 25/11 17:00.

- Fee paid Wed 25/11 10:00: the clock lost Wed 07:00–10:00 = 3 h (not Mon 16:00–17:00, before it started): due
  Mon 30/11 10:00 (the engine said 11:00), the item Thu 26/11 10:00 (it said 11:00).
- "pause": supplement asked Mon 16:30, answered Wed 25/11 10:00: 3 h lost: due Mon 30/11 10:00 (it said 10:30).
"""
from __future__ import annotations

import pytest

from conftest import CITIZEN, SAMPLE_FORM, STEP_DATA, iso, vn
from payment_support import configure
from test_deadline_words import deploy, pages
from test_official_forms import at
from test_paused_step_due import paid_at_desk
from test_step_limits import deploy_limited, stored_due

from engine.law.statuses import Status

RECEIVER, SPECIALIST, DEPT_LEADER, DIRECTOR = "demo.tiepnhan", "demo.chuyenvien", "demo.lanhdao", "demo.giamdoc"


@pytest.fixture
def backend():
    return "sqlite"


def received_after_cutoff(api, clock) -> tuple[str, dict]:
    """Filed Mon 23/11/2026 15:30, received 16:00."""
    at(api, clock, vn(2026, 11, 23, 15, 30))
    code = api.file(CITIZEN)["code"]
    at(api, clock, vn(2026, 11, 23, 16, 0))
    return code, api.act(RECEIVER, code, "receive")


def shown(api, code: str) -> dict:
    return api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()


def test_a_fee_asked_at_a_receipt_after_the_cutoff_moves_the_dates_by_the_counting_time_only(api, app, clock):
    deploy_limited(api, "1", "working_day")
    configure(app, None)  # fees at the desk
    code, dossier = received_after_cutoff(api, clock)
    assert dossier["status"] == Status.PAYMENT and dossier["due_at"] == iso(2026, 11, 27, 17, 0)
    assert api.task_for(SPECIALIST, code)["due_at"] == iso(2026, 11, 25, 17, 0)  # open while the fee is owed
    at(api, clock, vn(2026, 11, 25, 10, 0))
    paid_at_desk(api, code)
    d = shown(api, code)
    assert d["status"] == Status.PROCESSING
    assert d["due_at"] == d["original_due_at"] == iso(2026, 11, 30, 10, 0)
    # the item's own limit moved by what the dossier's moved: 3 h, not 4
    assert api.task_for(SPECIALIST, code)["due_at"] == iso(2026, 11, 26, 10, 0)
    assert stored_due(app, code) == vn(2026, 11, 26, 10, 0)
    for notes in pages(app, code):
        assert ("Hạn trả kết quả: 30/11/2026 10:00 " in notes and "Hạn đã được lùi thêm 3 giờ làm việc, đúng thời "
                "gian chờ nộp phí, lệ phí (từ 23/11/2026 16:00 đến 25/11/2026 10:00).") in notes, notes
        assert "Hạn ban đầu" not in notes and "Đã gia hạn" not in notes


def test_a_fee_paid_before_the_clock_started_moves_nothing_and_says_nothing(api, app, clock):
    deploy_limited(api, "1", "working_day")
    configure(app, None)
    code, _ = received_after_cutoff(api, clock)
    at(api, clock, vn(2026, 11, 23, 16, 45))
    paid_at_desk(api, code)
    d = shown(api, code)
    assert d["due_at"] == d["original_due_at"] == iso(2026, 11, 27, 17, 0)
    assert api.task_for(SPECIALIST, code)["due_at"] == iso(2026, 11, 25, 17, 0)
    for notes in pages(app, code):
        assert "lùi thêm" not in notes, notes


def test_a_supplement_asked_before_the_clock_started_under_pause_costs_only_the_counting_time(api, app, clock):
    deploy_limited(api, "1", "working_day", "pause")
    code, dossier = received_after_cutoff(api, clock)
    assert dossier["due_at"] == iso(2026, 11, 27, 17, 0)
    at(api, clock, vn(2026, 11, 23, 16, 30))
    api.act(SPECIALIST, code, "request_supplement", STEP_DATA["request_supplement"])
    at(api, clock, vn(2026, 11, 25, 10, 0))
    r = api.post(f"/api/v1/dossiers/{code}/supplement", CITIZEN, json={"form": SAMPLE_FORM, "note": "ok"})
    assert r.status_code == 200, r.get_json()
    d = shown(api, code)
    assert d["due_at"] == d["original_due_at"] == iso(2026, 11, 30, 10, 0)
    for notes in pages(app, code):
        assert ("Hạn đã được lùi thêm 3 giờ làm việc, đúng thời gian chờ công dân bổ sung hồ sơ (từ 23/11/2026 16:30 "
                "đến 25/11/2026 10:00).") in notes, notes


def test_a_same_day_procedure_received_after_the_cutoff_counts_the_fee_wait_from_the_next_working_day(
        api, app, clock):
    """Same-day, received Mon 16:00: due at the close of the next working day, Wed 25/11 17:00; fee paid Wed 10:00:
    3 h lost (Wed 07:00–10:00): due Thu 26/11 10:00 (the engine said 11:00)."""
    deploy(api, duration="1", unit="same_day")
    configure(app, None)
    code, dossier = received_after_cutoff(api, clock)
    assert dossier["due_at"] == iso(2026, 11, 25, 17, 0)
    at(api, clock, vn(2026, 11, 25, 10, 0))
    paid_at_desk(api, code)
    assert shown(api, code)["due_at"] == iso(2026, 11, 26, 10, 0)


def test_working_hours_have_no_cutoff_the_wait_counts_from_the_receipt(api, app, clock):
    """8 working hours, received Mon 16:00: counted at once (no cut-off for hours), due Wed 25/11 16:00 (Mon 1 h,
    Wed 7 h); fee paid Wed 10:00: 4 h lost (Mon 16:00–17:00, Wed 07:00–10:00): due Thu 26/11 10:00."""
    deploy(api, duration="8", unit="working_hour")
    configure(app, None)
    code, dossier = received_after_cutoff(api, clock)
    assert dossier["due_at"] == iso(2026, 11, 25, 16, 0)
    at(api, clock, vn(2026, 11, 25, 10, 0))
    paid_at_desk(api, code)
    assert shown(api, code)["due_at"] == iso(2026, 11, 26, 10, 0)


def test_calendar_days_keep_counting_the_wait_from_the_receipt(api, app, clock):
    """3 calendar days, received Mon 16:00: due Thu 26/11 16:00 (no cut-off); fee paid Wed 10:00: 4 h of working
    time waited (as before), added in working time: due Fri 27/11 10:00."""
    deploy(api, duration="3", unit="calendar_day")
    configure(app, None)
    code, dossier = received_after_cutoff(api, clock)
    assert dossier["due_at"] == iso(2026, 11, 26, 16, 0)
    at(api, clock, vn(2026, 11, 25, 10, 0))
    paid_at_desk(api, code)
    assert shown(api, code)["due_at"] == iso(2026, 11, 27, 10, 0)


def test_after_an_extension_the_results_note_says_the_date_is_the_new_appointment(api, app, clock):
    """Filed and received Mon 23/11 09:00: due Fri 27/11 09:00; one working day more asked Wed 25/11 10:00 and
    confirmed: due Mon 30/11 09:00. The note said only "3 ngày làm việc kể từ khi tiếp nhận hợp lệ lúc 23/11/2026
    09:00" beside the new date."""
    at(api, clock, vn(2026, 11, 23, 9, 0))
    code = api.file(CITIZEN)["code"]
    api.act(RECEIVER, code, "receive")
    at(api, clock, vn(2026, 11, 25, 10, 0))
    api.act(SPECIALIST, code, "request_extension", {"working_days": 1, "reason": "Cần xác minh thêm"})
    api.act(DEPT_LEADER, code, "confirm_extension")
    api.act(DIRECTOR, code, "confirm_extension")
    d = shown(api, code)
    assert d["extensions"] == 1
    new, old = d["due_at"], d["original_due_at"]
    assert (new, old) == (iso(2026, 11, 30, 9, 0), iso(2026, 11, 27, 9, 0))
    words = ("Đã gia hạn: hẹn lại đến 30/11/2026 09:00, thay cho hạn 27/11/2026 09:00 (theo Điều 19 Nghị định "
             "61/2018/NĐ-CP).")
    for notes in pages(app, code):
        result = notes.split("Hạn trả kết quả:", 1)[1].split("Hạn ban đầu", 1)[0]
        assert words in result and notes.count("Đã gia hạn:") == 1, notes
    english = ("Extended: the new appointment is 30/11/2026 09:00, instead of the due date 27/11/2026 09:00 (under "
               "Điều 19 Nghị định 61/2018/NĐ-CP).")
    for notes in pages(app, code, "en"):
        assert english in notes, notes
