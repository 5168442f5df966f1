"""Lateness (domain.md D19, D30): judged at resolution; a result resolved in time and collected later is not
late; an open dossier is overdue from its due instant; work done at the due instant is in time."""
from __future__ import annotations

from engine.law import lateness
from engine.law.statuses import Status
from law_support import Facts, vn

DUE = vn(2027, 2, 11, 17, 0)  # a same-day dossier received Wed 03/02/2027 15:01, the eve of Tết 2027


def test_an_open_dossier_is_overdue_from_its_due_instant():
    dossier = Facts(status=Status.PROCESSING, due_at=DUE)
    assert not lateness.is_late(dossier, vn(2027, 2, 11, 16, 59))
    assert lateness.is_late(dossier, DUE)
    assert lateness.becomes_overdue(dossier, DUE)


def test_resolved_in_time_and_collected_after_the_due_is_not_late():
    dossier = Facts(status=Status.RESOLVED, due_at=DUE, resolved_at=vn(2027, 2, 11, 16, 0))
    assert not lateness.is_late(dossier, vn(2027, 2, 15, 9, 0))  # the citizen comes on Monday
    assert not lateness.becomes_overdue(dossier, vn(2027, 2, 15, 9, 0))
    returned = Facts(status=Status.RETURNED, due_at=DUE, resolved_at=vn(2027, 2, 11, 16, 0))
    assert not lateness.is_late(returned, vn(2027, 2, 15, 9, 0))


def test_resolved_at_the_due_instant_is_in_time_a_minute_later_is_late():
    assert not lateness.is_late(Facts(status=Status.RESOLVED, due_at=DUE, resolved_at=DUE), vn(2027, 3, 1))
    assert lateness.is_late(Facts(status=Status.RESOLVED, due_at=DUE, resolved_at=vn(2027, 2, 11, 17, 1)),
                            vn(2027, 2, 11, 17, 1))


def test_no_lateness_while_the_dossier_waits_for_the_applicant():
    # D12: a supplement request pauses (or restarts) the clock: past the old due, nothing is late.
    assert not lateness.is_late(Facts(status=Status.SUPPLEMENT, due_at=DUE), vn(2027, 2, 12, 9, 0))
    assert not lateness.is_late(Facts(status=Status.SUBMITTED), vn(2027, 2, 12, 9, 0))


def test_once_recorded_late_always_late():
    # Overdue, then the clock restarted (a second supplement request); resolved before the new due: still late.
    dossier = Facts(status=Status.RESOLVED, due_at=vn(2027, 2, 19, 17, 0), resolved_at=vn(2027, 2, 18, 9, 0),
                    late=True)
    assert lateness.is_late(dossier, vn(2027, 2, 18, 9, 0))
    assert not lateness.becomes_overdue(dossier, vn(2027, 2, 20))  # recorded once


def test_without_now_only_the_record_and_the_resolution_count():
    assert not lateness.is_late(Facts(status=Status.PROCESSING, due_at=DUE), None)
    assert lateness.is_late(Facts(status=Status.RESOLVED, due_at=DUE, resolved_at=vn(2027, 2, 12, 8, 0)), None)


def test_timeliness_early_on_time_late_by_the_vietnamese_day():
    due = vn(2027, 2, 11, 0, 10)
    assert lateness.timeliness(vn(2027, 2, 10, 23, 30), due) == lateness.EARLY  # same UTC day, earlier VN day
    assert lateness.timeliness(vn(2027, 2, 11, 0, 10), due) == lateness.ON_TIME
    assert lateness.timeliness(vn(2027, 2, 11, 0, 11), due) == lateness.LATE
    assert lateness.timeliness(vn(2027, 2, 11, 0, 5), None) is None
