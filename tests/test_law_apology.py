"""Apology letters and who signs (domain.md D11b, D17, D19, D20, D21)."""
from __future__ import annotations

import pytest

from engine.core.errors import Conflict, Invalid
from engine.law import apology
from engine.law.statuses import Status
from law_support import Facts, vn

DUE = vn(2027, 2, 11, 17, 0)
AFTER = vn(2027, 2, 15, 9, 0)


def test_who_signs():
    assert apology.signer_role(apology.SECOND_SUPPLEMENT, "intake") == "centre_director"  # D11b, one-stop
    assert apology.signer_role(apology.SECOND_SUPPLEMENT, "processing") == "head_of_agency"
    assert apology.signer_role(apology.OVERDUE) == "head_of_agency"  # D19
    assert apology.signer_role(apology.EXTENSION) == "head_of_agency"  # D17, D20
    assert apology.refusal_signer_role() == "head_of_agency"  # D21, whoever held the approval step


def test_the_faults_of_a_supplement_letter_combine():
    other = {"kind": "other", "explanation": "Hướng dẫn lần trước chưa rõ"}
    assert apology.supplement_letter_faults(None, True) == []
    assert apology.supplement_letter_faults({"kind": "applicant_not_compliant"}, True) == []  # D11a
    assert apology.supplement_letter_faults(other, False) == [("second_supplement", "Hướng dẫn lần trước chưa rõ")]
    assert [k for k, _ in apology.supplement_letter_faults(other, True)] == ["second_supplement", "overdue"]  # D20
    assert apology.is_violation(["second_supplement"]) and apology.is_violation(["extension", "overdue"])
    assert not apology.is_violation(["extension"])


def test_resolved_on_time_and_collected_late_owes_no_apology():
    dossier = Facts(status=Status.RESOLVED, due_at=DUE, resolved_at=vn(2027, 2, 11, 16, 0))
    assert not apology.overdue_apology_needed(dossier, AFTER, has_overdue_letter=False)
    with pytest.raises(Invalid) as caught:
        apology.check_overdue_apology(dossier, AFTER, has_overdue_letter=False)
    assert caught.value.rule == "D19"
    assert apology.return_allowed(dossier, AFTER, has_overdue_letter=False)
    apology.check_return(dossier, AFTER, has_overdue_letter=False)


@pytest.mark.parametrize("dossier", [
    Facts(status=Status.PROCESSING, due_at=DUE),
    Facts(status=Status.RESOLVED, due_at=DUE, resolved_at=vn(2027, 2, 12, 8, 0)),
    Facts(status=Status.SUPPLEMENT, due_at=DUE, late=True),
])
def test_a_late_dossier_owes_an_apology_before_its_return(dossier):
    assert apology.overdue_apology_needed(dossier, AFTER, has_overdue_letter=False)
    apology.check_overdue_apology(dossier, AFTER, has_overdue_letter=False)
    with pytest.raises(Invalid) as caught:
        apology.check_return(dossier, AFTER, has_overdue_letter=False)
    assert caught.value.rule == "D19"
    assert apology.return_allowed(dossier, AFTER, has_overdue_letter=True)
    assert not apology.overdue_apology_needed(dossier, AFTER, has_overdue_letter=True)
    with pytest.raises(Conflict):
        apology.check_overdue_apology(dossier, AFTER, has_overdue_letter=True)


def test_no_apology_before_the_due_nor_after_the_dossier_ended():
    assert not apology.overdue_apology_needed(Facts(status=Status.PROCESSING, due_at=DUE), vn(2027, 2, 11, 16, 59),
                                              False)
    assert not apology.overdue_apology_needed(Facts(status=Status.WITHDRAWN, due_at=DUE, late=True), AFTER, False)
    assert not apology.overdue_apology_needed(
        Facts(status=Status.RETURNED, due_at=DUE, resolved_at=vn(2027, 2, 12), late=True), AFTER, False)
