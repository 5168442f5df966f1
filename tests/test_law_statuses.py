"""Statuses (domain.md "Statuses"): the national portal codes 1–10, their names, the legal transitions."""
from __future__ import annotations

import pytest

from engine.law import statuses
from engine.law.statuses import Status


def test_the_national_codes_and_their_names():
    assert [int(s) for s in Status] == list(range(1, 11))
    assert Status(1).label == "Mới đăng ký" and Status(4).label == "Đang xử lý"
    assert Status(5).label == "Yêu cầu bổ sung giấy tờ" and Status(10).label == "Đã trả kết quả"
    assert Status.RESOLVED == 9 and statuses.label(9) == "Đã xử lý xong"  # the database stores the int


@pytest.mark.parametrize("before, after", [
    (Status.SUBMITTED, Status.RECEIVED), (Status.SUBMITTED, Status.REFUSED), (Status.SUBMITTED, Status.SUPPLEMENT),
    (Status.RECEIVED, Status.PROCESSING), (Status.PROCESSING, Status.SUPPLEMENT),
    (Status.SUPPLEMENT, Status.PROCESSING), (Status.PROCESSING, Status.PAYMENT), (Status.PAYMENT, Status.PROCESSING),
    (Status.PROCESSING, Status.RESOLVED), (Status.RESOLVED, Status.RETURNED),
    (Status.PAYMENT, Status.WITHDRAWN), (Status.RESOLVED, Status.STOPPED),  # any open → withdrawn/stopped
    # D26: a fee asked with the filing is paid before the intake check (engine.law.payment, moment "filing")
    (Status.SUBMITTED, Status.PAYMENT), (Status.PAYMENT, Status.SUBMITTED),
])
def test_the_legal_transitions(before, after):
    assert statuses.can_move(before, after)


@pytest.mark.parametrize("before, after", [
    (Status.SUBMITTED, Status.PROCESSING),  # never without the receipt
    (Status.RECEIVED, Status.RESOLVED), (Status.PROCESSING, Status.RETURNED),  # no result skips a step
    (Status.RETURNED, Status.WITHDRAWN), (Status.REFUSED, Status.STOPPED),  # ended is ended
    (Status.WITHDRAWN, Status.PROCESSING),
    (Status.PAYMENT, Status.RESOLVED), (Status.PAYMENT, Status.RECEIVED),  # D26: paid, the dossier goes back
])
def test_no_other_transition(before, after):
    assert not statuses.can_move(before, after)


def test_withdrawal_or_stop_only_before_a_result():
    assert statuses.can_end(Status.PROCESSING) and statuses.can_end(Status.SUPPLEMENT)
    assert not statuses.can_end(Status.RESOLVED) and not statuses.can_end(Status.RETURNED)
    assert not statuses.can_end(Status.STOPPED)
