"""D26 with D13 on the dossier's pages (engine/web/dossier_view.py _result_why): a fee asked at the receipt or
before the result stops the result's clock (status 6) and its payment moves the due date later by the working time
waited (engine.law.payment.on_paid). The note under "Hạn trả kết quả" said only "3 ngày làm việc kể từ khi tiếp nhận
hợp lệ lúc 23/11/2026 09:30" beside a date that does not follow from those words; it now says by how much, and why.

Dates worked out by hand: office hours 07:00–11:30 and 13:30–17:00 (8 h a day), cut-off 15:00, Tue 24/11/2026 a
public holiday. The household-business sample (3 working days, a fee of 100 000 đồng at the receipt), its fees
collected at the desk: filed Mon 23/11/2026 09:00, received 09:30 (due Fri 27/11 09:30), the fee asked then; paid
Thu 26/11 10:00: waited Mon 5.5 h, Wed 8 h, Thu 3 h = 16.5 h = 2 days 30 minutes of working time; due Tue 01/12
10:00.
"""
from __future__ import annotations

import pytest

from conftest import CITIZEN, SAMPLE_FORM, STEP_DATA, iso, vn
from payment_support import configure
from test_deadline_words import deploy, pages
from test_dossier_view_deadlines import deadlines_of, login
from test_fees import _deploy as deploy_fee
from test_official_forms import at
from test_paused_step_due import paid_at_desk
from test_step_limits import received

from engine.law.statuses import Status

RECEIVER, SPECIALIST = "demo.tiepnhan", "demo.chuyenvien"
RECEIPT = "3 ngày làm việc kể từ khi tiếp nhận hợp lệ lúc 23/11/2026 09:30"
FEE_WORDS = ("Hạn đã được lùi thêm 2 ngày 30 phút làm việc, đúng thời gian chờ nộp phí, lệ phí (từ 23/11/2026 09:30 "
             "đến 26/11/2026 10:00).")
FEE_EN = ("The due date was moved later by 2 days 30 minutes of working time, the time spent waiting for the fee to "
          "be paid (from 23/11/2026 09:30 to 26/11/2026 10:00).")


@pytest.fixture
def backend():
    return "sqlite"


def paid_on_thursday(api, app, clock) -> str:
    configure(app, None)  # fees at the desk
    code, dossier = received(api, clock)
    assert dossier["status"] == Status.PAYMENT
    at(api, clock, vn(2026, 11, 26, 10, 0))
    paid_at_desk(api, code)
    return code


def english_pages(app, code: str) -> list[str]:
    """The deadline sections in English, the language chosen with the portal's switch."""
    found = []
    for user, path in ((CITIZEN, f"/ca-nhan/ho-so/{code}"), (SPECIALIST, f"/can-bo/ho-so/{code}")):
        web = login(app, user)
        web.post("/ngon-ngu", {"lang": "en"}, status=302)
        found.append(deadlines_of(web.get(path)))
    return found


def test_a_fee_paid_after_the_receipt_says_by_how_much_the_date_moved(api, app, clock):
    code = paid_on_thursday(api, app, clock)
    assert api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()["due_at"] == iso(2026, 12, 1, 10, 0)
    for notes in pages(app, code):
        assert "Hạn trả kết quả: 01/12/2026 10:00 " + RECEIPT in notes, notes
        assert FEE_WORDS in notes, notes
        assert notes.count("lùi thêm") == 1 and "Tạm dừng tính thời gian" not in notes
    for notes in english_pages(app, code):
        assert "3 working days from valid intake at 23/11/2026 09:30" in notes, notes
        assert FEE_EN in notes, notes
        assert "lùi thêm" not in notes


def test_while_the_fee_is_owed_the_page_says_the_clock_is_paused_and_nothing_moved_yet(api, app, clock):
    """Asked at the receipt, not yet paid: the page's own note says the clock stands still since then and that the
    date will move by the time waited; the result's words name no finished wait."""
    configure(app, None)
    code, _ = received(api, clock)
    at(api, clock, vn(2026, 11, 25, 10, 0))
    for notes in pages(app, code):
        assert "Hạn trả kết quả: 27/11/2026 09:30 " + RECEIPT in notes, notes
        assert ("Tạm dừng tính thời gian: 23/11/2026 09:30 Đang chờ nộp phí, lệ phí. Khi nhận được thanh toán, hạn "
                "được lùi thêm đúng thời gian chờ") in notes, notes
        assert "Hạn đã được lùi thêm" not in notes


def test_a_fee_and_a_paused_supplement_are_each_named_once(api, app, clock):
    """The fee paid Thu 26/11 10:00 (due Tue 01/12 10:00), then a supplement asked Thu 26/11 16:00 under "pause",
    answered Mon 30/11 20:00: waited Thu 1 h, Fri 8 h, Mon 8 h = 17 h = 2 days 1 hour; Tue 01/12 10:00 + 17 h →
    Tue 5 h, Wed 8 h, Thu 07:00–11:00: due Thu 03/12 11:00. Each wait in its own sentence, neither counted twice."""
    deploy(api, clock_on_supplement="pause")
    code = paid_on_thursday(api, app, clock)
    at(api, clock, vn(2026, 11, 26, 16, 0))
    api.act(SPECIALIST, code, "request_supplement", STEP_DATA["request_supplement"])
    at(api, clock, vn(2026, 11, 30, 20, 0))
    r = api.post(f"/api/v1/dossiers/{code}/supplement", CITIZEN, json={"form": SAMPLE_FORM})
    assert r.status_code == 200 and r.get_json()["due_at"] == iso(2026, 12, 3, 11, 0), r.get_json()
    for notes in pages(app, code):
        assert ("Hạn đã được lùi thêm 2 ngày 1 giờ làm việc, đúng thời gian chờ công dân bổ sung hồ sơ (từ "
                "26/11/2026 16:00 đến 30/11/2026 20:00).") in notes, notes
        assert FEE_WORDS in notes, notes
        assert notes.count("lùi thêm") == 2


def test_a_restart_after_the_fee_counts_from_the_supplement_and_names_no_fee(api, app, clock):
    """Under "restart" the supplement's answer counts the 3 days again (Tue 01/12 07:00 → Thu 03/12 17:00): the
    fee waited before it no longer moves the date."""
    code = paid_on_thursday(api, app, clock)
    at(api, clock, vn(2026, 11, 26, 16, 0))
    api.act(SPECIALIST, code, "request_supplement", STEP_DATA["request_supplement"])
    at(api, clock, vn(2026, 11, 30, 20, 0))
    r = api.post(f"/api/v1/dossiers/{code}/supplement", CITIZEN, json={"form": SAMPLE_FORM})
    assert r.status_code == 200 and r.get_json()["due_at"] == iso(2026, 12, 3, 17, 0), r.get_json()
    for notes in pages(app, code):
        assert "nhận đủ hồ sơ bổ sung lúc 30/11/2026 20:00" in notes, notes
        assert "chờ nộp phí, lệ phí (" not in notes


def test_a_fee_asked_with_the_filing_names_no_wait(api, app, clock):
    """Paid Mon 23/11 14:00 before the intake check, received 14:30: the result's clock starts at the receipt, the
    fee's wait came before it."""
    configure(app, None)
    deploy_fee(api, '<spiffworkflow:property name="fee.le_phi" value="100000;at_filing;Lệ phí" />')
    at(api, clock, vn(2026, 11, 23, 9, 0))
    code = api.file(CITIZEN)["code"]
    at(api, clock, vn(2026, 11, 23, 14, 0))
    paid_at_desk(api, code)
    at(api, clock, vn(2026, 11, 23, 14, 30))
    assert api.act(RECEIVER, code, "receive")["status"] == Status.PROCESSING
    for notes in pages(app, code):
        assert "3 ngày làm việc kể từ khi tiếp nhận hợp lệ lúc 23/11/2026 14:30" in notes, notes
        assert "lùi thêm" not in notes


def test_a_dossier_withdrawn_while_the_fee_is_owed_names_no_wait(api, app, clock):
    """Withdrawn Wed 25/11 10:00 without paying: the due date never moved, so no words say it did."""
    configure(app, None)
    code, _ = received(api, clock)
    at(api, clock, vn(2026, 11, 25, 10, 0))
    r = api.post(f"/api/v1/dossiers/{code}/withdraw", CITIZEN, json={"reason": "Không còn nhu cầu"})
    assert r.status_code == 200, r.get_json()
    for notes in pages(app, code):
        assert "Hạn trả kết quả: 27/11/2026 09:30 " + RECEIPT in notes, notes
        assert "lùi thêm" not in notes
