"""Supplement requests (domain.md D10–D12): one in a dossier's life; a second only with a recorded reason of
one of two kinds (D11a without apology, D11b with one); never a third; during processing within 3 working
days of the receipt."""
from __future__ import annotations

import pytest

from engine.core.errors import Invalid
from engine.law import supplement
from law_support import calendar, check_tet_2027, vn

FIRST_ITEMS = [{"component": "Giấy đề nghị", "problem": "Thiếu chữ ký", "required": "Ký tên"},
               {"component": "Bản sao CCCD", "problem": "Mờ", "required": "Bản rõ nét"}]
RECEIVED = vn(2027, 2, 3, 10, 0)  # Wed 03/02/2027, the last working day before Tết 2027


@pytest.fixture(scope="module")
def cal():
    result = calendar()
    check_tet_2027(result)
    return result


def check(cal, n, reason=None, stage="processing", now=vn(2027, 2, 11, 9, 0)):
    return supplement.check_request(requests_so_far=n, second_reason=reason, first_items=FIRST_ITEMS, stage=stage,
                                    received_at=RECEIVED, now=now, cal=cal)


def refused(call, rule: str) -> Invalid:
    with pytest.raises(Invalid) as caught:
        call()
    assert caught.value.rule == rule, caught.value.message
    return caught.value


def test_the_first_request_needs_no_reason_and_no_apology(cal):
    assert check(cal, 0) == supplement.Verdict(1, False, None)
    refused(lambda: check(cal, 0, {"kind": "other", "explanation": "x"}), "D10")


def test_a_second_request_needs_a_reason(cal):
    err = refused(lambda: check(cal, 1), "D10")
    assert "second_reason" in err.fields


def test_a_second_request_because_the_applicant_did_not_comply_names_the_unmet_items(cal):
    ok = {"kind": "applicant_not_compliant", "unmet_items": ["Giấy đề nghị"], "explanation": "Vẫn chưa ký"}
    assert check(cal, 1, ok) == supplement.Verdict(2, False, None)
    refused(lambda: check(cal, 1, {**ok, "unmet_items": []}), "D11")
    refused(lambda: check(cal, 1, {**ok, "unmet_items": ["Sổ hộ khẩu"]}), "D11")  # never asked the first time


def test_a_second_request_for_another_reason_carries_an_apology_from_the_head_of_the_stage(cal):
    other = {"kind": "other", "explanation": "Lần trước hướng dẫn chưa rõ"}
    assert check(cal, 1, other, stage="intake") == supplement.Verdict(2, True, "centre_director")
    assert check(cal, 1, other, stage="processing") == supplement.Verdict(2, True, "head_of_agency")


@pytest.mark.parametrize("reason", [
    None, {"kind": "other", "explanation": "Lần thứ ba"},
    {"kind": "applicant_not_compliant", "unmet_items": ["Giấy đề nghị"], "explanation": "Vẫn chưa ký"},
])
def test_a_third_request_is_refused_whatever_its_reason(cal, reason):
    err = refused(lambda: check(cal, 2, reason), "D10")
    assert "thứ ba" in err.message
    assert not supplement.allowed(2, reason)


def test_the_processing_stage_asks_within_three_working_days_of_the_receipt(cal):
    # Received Wed 03/02/2027 10:00; Tết; Thu 11/02 (1), Fri 12/02 (2), Mon 15/02 (3) → until Mon 15/02 10:00.
    assert check(cal, 0, now=vn(2027, 2, 15, 10, 0)).ordinal == 1
    refused(lambda: check(cal, 0, now=vn(2027, 2, 15, 10, 1)), "D12")
    # The intake stage has its own deadline (D7), not this one.
    assert check(cal, 0, stage="intake", now=vn(2027, 3, 1)).ordinal == 1
    # A second request during processing keeps the window too (counted by the caller from the arrival of the
    # complete dossier, engine.cases.steps.guards): on Mon 01/03/2027, 11 working days after the receipt, no.
    refused(lambda: check(cal, 1, {"kind": "other", "explanation": "x"}, now=vn(2027, 3, 1)), "D12")
    assert check(cal, 1, {"kind": "other", "explanation": "x"}, stage="intake", now=vn(2027, 3, 1)).ordinal == 2


def test_the_stage_of_a_step():
    assert supplement.stage_of("intake") == "intake" and supplement.stage_of("assessment") == "processing"
