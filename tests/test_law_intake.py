"""Intake (domain.md D7): an online dossier is checked within 1 working hour of filing; filings outside office
hours count from the next working period; the figure is configurable."""
from __future__ import annotations

import pytest

from engine.law import intake
from engine.law.statuses import Status
from law_support import Facts, calendar, check_tet_2027, vn


@pytest.fixture(scope="module")
def cal():
    result = calendar()
    check_tet_2027(result)
    return result


def test_filed_in_the_last_half_hour_before_tet_2027_is_due_after_tet(cal):
    # Wed 03/02/2027 16:30: 30 working minutes pass before 17:00; Tết until Wed 10/02; 30 more minutes on
    # Thu 11/02 from 07:00 → 07:30.
    assert intake.intake_due(cal, vn(2027, 2, 3, 16, 30)) == vn(2027, 2, 11, 7, 30)


def test_filed_on_the_friday_evening_before_tet_2027_counts_from_monday(cal):
    # Fri 29/01/2027 17:30, after office hours: counting starts Mon 01/02 07:00 → 08:00.
    assert intake.intake_due(cal, vn(2027, 1, 29, 17, 30)) == vn(2027, 2, 1, 8, 0)


def test_the_figure_is_configurable(cal):
    # 2 working hours from Mon 01/02/2027 10:30: 1 h until 11:30, lunch, 1 h from 13:30 → 14:30.
    assert intake.intake_due(cal, vn(2027, 2, 1, 10, 30), 2) == vn(2027, 2, 1, 14, 30)


def test_a_decision_at_the_due_instant_is_in_time_and_an_unchecked_dossier_is_late_from_it():
    due = vn(2027, 2, 11, 7, 30)
    assert not intake.decided_late(due, due) and intake.decided_late(due, vn(2027, 2, 11, 7, 31))
    waiting = Facts(status=Status.SUBMITTED, intake_due_at=due)
    assert not intake.is_intake_late(waiting, vn(2027, 2, 11, 7, 29)) and intake.is_intake_late(waiting, due)
    received = Facts(status=Status.RECEIVED, intake_due_at=due)
    assert not intake.is_intake_late(received, vn(2027, 2, 12))  # checked in time: never late afterwards
    received.intake_late = True
    assert intake.is_intake_late(received, vn(2027, 2, 12))  # recorded late: kept
