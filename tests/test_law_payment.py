"""D26 and the clock (engine.law.payment): waiting for the applicant's fee is the applicant's time, as a
supplement is (D12); a filing fee starts the intake check's hour when paid (D7); refunds; D27's online payment."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from conftest import vn

from engine.core.settings import load_settings
from engine.data import calendars
from engine.law import payment
from engine.law.statuses import Status


@pytest.fixture(scope="module")
def cal():
    return calendars.calendar_for(None, load_settings(), None)


def _dossier(**kw):
    base = {"due_at": None, "original_due_at": None, "paused_at": None, "warned_at": None, "intake_due_at": None,
            "calendar_version": None, "channel": "online"}
    return SimpleNamespace(**{**base, **kw})


def test_the_moments_and_where_a_paid_dossier_goes():
    assert [payment.moment_of(t) for t in ("at_filing", "filing", "at_intake", "intake", "before_result", "x")] == [
        "filing", "filing", "intake", "intake", "before_result", None]
    assert payment.waiting_status("filing") == Status.SUBMITTED
    assert payment.waiting_status("intake") == payment.waiting_status("before_result") == Status.PROCESSING


def test_the_result_clock_pauses_while_the_fee_is_owed(cal):
    # received Monday 23/11/2026 09:30, due Friday 27/11 09:30 (24/11 is a day off); the fee is asked at once and
    # paid Wednesday 25/11 14:00: 10.5 working hours later (Monday 5.5, Wednesday 5), so the due instant moves
    # to Monday 30/11 14:00 (Friday 09:30 + 5.5 hours = Friday 17:00, then 5 hours of Monday)
    d = _dossier(due_at=vn(2026, 11, 27, 9, 30), original_due_at=vn(2026, 11, 27, 9, 30), warned_at=vn(2026, 11, 26))
    payment.on_payment_requested(d, vn(2026, 11, 23, 9, 30))
    assert d.paused_at == vn(2026, 11, 23, 9, 30)
    payment.on_paid(d, cal, "intake", vn(2026, 11, 25, 14, 0))
    assert d.due_at == d.original_due_at == vn(2026, 11, 30, 14, 0)
    assert d.paused_at is None and d.warned_at is None and d.calendar_version == cal.version


def test_paid_the_same_minute_nothing_moves(cal):
    d = _dossier(due_at=vn(2026, 11, 27, 9, 30), original_due_at=vn(2026, 11, 27, 9, 30))
    payment.on_payment_requested(d, vn(2026, 11, 23, 18, 0))  # after office hours: no working time passes
    payment.on_paid(d, cal, "intake", vn(2026, 11, 24, 10, 0))  # the next morning is a day off
    assert d.due_at == vn(2026, 11, 27, 9, 30)


def test_a_filing_fee_starts_the_intake_hour_when_paid(cal):
    d = _dossier(intake_due_at=vn(2026, 11, 23, 10, 0))
    payment.on_payment_requested(d, vn(2026, 11, 23, 9, 0))
    payment.on_paid(d, cal, "filing", vn(2026, 11, 23, 14, 0))
    assert d.intake_due_at == vn(2026, 11, 23, 15, 0) and d.due_at is None


@pytest.mark.parametrize("ended, refund", [(Status.REFUSED, True), (Status.WITHDRAWN, True), (Status.STOPPED, True),
                                           (Status.RESOLVED, False), (Status.RETURNED, False),
                                           (Status.PROCESSING, False)])
def test_a_fee_is_refunded_when_the_dossier_ends_unprocessed(ended, refund):
    assert payment.refund_due(ended) is refund


def test_online_payment_counts_for_the_level_only_with_a_gateway():
    assert payment.counts_online_payment(True, False, False)  # no fee: nothing to pay
    assert payment.counts_online_payment(True, True, True)
    assert not payment.counts_online_payment(True, True, False)
    assert not payment.counts_online_payment(False, True, True)
