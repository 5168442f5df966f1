"""What reports count (domain.md D5, D19, D32): online, late, violation, early/on time/late, pending."""
from __future__ import annotations

import pytest

from engine.core.clock import VN_TZ
from engine.law import counting
from engine.law.statuses import Status
from law_support import Facts, vn

DUE = vn(2027, 2, 11, 17, 0)
NOW = vn(2027, 2, 15, 9, 0)


def test_online_means_registered_on_the_portal_or_app():
    assert counting.is_online("online")
    assert not counting.is_online("desk")
    assert not counting.is_online("post")
    assert counting.is_online("post", registered_on_portal=True)  # the postal operator on the citizen's behalf
    assert counting.is_online("desk", registered_on_portal=True)  # an officer helping the citizen on the portal
    with pytest.raises(ValueError):
        counting.is_online("fax")


def test_resolved_on_time_and_collected_late_counts_on_time():
    flags = counting.flags(Facts(status=Status.RETURNED, due_at=DUE, resolved_at=vn(2027, 2, 11, 16, 0)),
                           "online", [], NOW)
    assert flags == counting.Flags(online=True, late=False, violation=False, resolution="on_time", pending=None)
    early = counting.flags(Facts(status=Status.RESOLVED, due_at=DUE, resolved_at=vn(2027, 2, 3, 16, 0)),
                           "desk", [], NOW)
    assert early.resolution == "early" and not early.online


def test_late_and_violations():
    late = counting.flags(Facts(status=Status.RESOLVED, due_at=DUE, resolved_at=vn(2027, 2, 12, 8, 0)),
                          "online", [["overdue"]], NOW)
    assert late.late and late.violation and late.resolution == "late"
    second = counting.flags(Facts(status=Status.PROCESSING, due_at=DUE), "online", [["second_supplement"]],
                            vn(2027, 2, 11, 9, 0))
    assert second.violation and not second.late and second.pending == "in_time"
    extended = counting.flags(Facts(status=Status.PROCESSING, due_at=DUE), "online", [["extension"]],
                              vn(2027, 2, 11, 9, 0))
    assert not extended.violation
    overdue = counting.flags(Facts(status=Status.PROCESSING, due_at=DUE), "post", [], NOW)
    assert overdue.pending == "overdue" and overdue.late


@pytest.mark.parametrize("resolved", [vn(2027, 2, 3, 16, 0), vn(2027, 2, 11, 7, 0), DUE, vn(2027, 2, 11, 16, 1),
                                      vn(2027, 2, 12, 8, 0)])
@pytest.mark.parametrize("recorded_late", [False, True])
def test_the_bulk_verdict_from_grouped_facts_is_the_verdict_of_one_dossier(resolved, recorded_late):
    """Reports group resolved dossiers by three facts (recorded late, after the due instant, on a Vietnam day
    before the due day); the verdict from those facts is the one ``flags`` gives the dossier (D19, D32)."""
    one = counting.flags(Facts(status=Status.RESOLVED, due_at=DUE, resolved_at=resolved, late=recorded_late),
                         "online", [], NOW).resolution
    bulk = counting.resolution(recorded_late, resolved > DUE,
                               resolved.astimezone(VN_TZ).date() < DUE.astimezone(VN_TZ).date())
    assert bulk == one


def test_pending_at_the_end_of_a_period():
    assert counting.pending(run_out=True, waiting_for_applicant=False) == "overdue"
    assert counting.pending(run_out=False, waiting_for_applicant=False) == "in_time"
    assert counting.pending(run_out=True, waiting_for_applicant=True) == "in_time"  # no processing time passes
