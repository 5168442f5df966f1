"""A fee computed from the form (D26) is an amount in whole đồng: a percentage is computed exactly and rounded
half-up to the đồng, never refused for a binary-float remainder; a negative, infinite, non-numeric or absurd
result is still refused with a Vietnamese message naming the fee."""
from __future__ import annotations

import copy

import pytest
from conftest import CITIZEN, OFFICERS, SAMPLE_FORM, vn
from payment_support import configure
from test_fees import SCHEMA, _deploy

from engine.law.statuses import Status
from engine.process import fees


@pytest.fixture
def backend():
    return "sqlite"  # nothing here is PostgreSQL's own


def _fee(expression: str) -> dict:
    declared, problems = fees.read({"fee.a": f"={expression};at_intake;Lệ phí A"}, SCHEMA)
    assert problems == []
    return declared[0]


@pytest.mark.parametrize("expression, form, expected", [
    ("von_kinh_doanh * 0.07", {"von_kinh_doanh": 50_000_000}, 3_500_000),  # float: 3500000.0000000005
    ("von_kinh_doanh * 5 / 1000", {"von_kinh_doanh": 12_345_679}, 61_728),  # 61.728,395 đ
    ("von_kinh_doanh * 0.5 / 100", {"von_kinh_doanh": 12_345_700}, 61_729),  # 61.728,5 đ: half up
    ("von_kinh_doanh * 0.001", {"von_kinh_doanh": 2_500}, 3),  # 2,5 đ: half up, not to even
    ("von_kinh_doanh * 1.15", {"von_kinh_doanh": 10.1}, 12),  # a decimal in the form too: 11,615 đ
    ("von_kinh_doanh * (5 / 1000)", {"von_kinh_doanh": 1_000_000}, 5_000),
    ("20000 * so_lao_dong", {"so_lao_dong": 3}, 60_000),
    # a float met on the way (float(), a negative power) meets the decimals without a TypeError
    ("float(von_kinh_doanh) * 0.5", {"von_kinh_doanh": 1_000}, 500),
    ("von_kinh_doanh * 2 ** -1 * 1.5", {"von_kinh_doanh": 1_000}, 750),
    ("von_kinh_doanh * 0.1 + float(so_lao_dong)", {"von_kinh_doanh": 1_000, "so_lao_dong": 2}, 102),
    # round() in an expression rounds half-up too, as the amount is rounded
    ("round(von_kinh_doanh * 0.001)", {"von_kinh_doanh": 2_500}, 3),
    ("round(von_kinh_doanh * 0.001, -3)", {"von_kinh_doanh": 12_500_000}, 13_000),
    ("min(von_kinh_doanh * 0.001, 30000)", {"von_kinh_doanh": 50_000_000}, 30_000),
    ("von_kinh_doanh % 7 * 0.5", {"von_kinh_doanh": 50_000_000}, 1),
])
def test_d26_a_computed_fee_is_rounded_half_up_to_the_whole_dong(expression, form, expected):
    """D26: a Vietnamese fee is paid in whole đồng: the expression's exact value, rounded half-up to the đồng."""
    assert fees.amount(_fee(expression), form) == expected


@pytest.mark.parametrize("expression, form", [
    ("-5 * so_lao_dong", {"so_lao_dong": 2}),
    ("so_lao_dong * 1e400", {"so_lao_dong": 2}),  # inf
    ("float('nan')", {}),
    ("von_kinh_doanh * float('inf')", {"von_kinh_doanh": 1}),
    ("'100000'", {}),
    ("True", {}),
    ("so_lao_dong * 10 ** 15", {"so_lao_dong": 2}),
    ("so_lao_dong * 10.0 ** 15", {"so_lao_dong": 2}),
])
def test_d26_a_negative_infinite_non_numeric_or_absurd_fee_is_still_refused(expression, form):
    """D26: only a real, non-negative, sensible amount is a fee; anything else is named, in Vietnamese."""
    with pytest.raises(fees.FeeError, match="phí a"):
        fees.amount(_fee(expression), form)


def test_d26_a_percentage_fee_is_asked_at_the_intake_not_refused(app, api, clock):
    """D26: 7 % of 50.000.000 đ is 3.500.000 đ, asked when the dossier is received (it was refused as
    'not computable' because the float product was 3500000.0000000005)."""
    configure(app)
    _deploy(api, '<spiffworkflow:property name="fee.le_phi" value="=von_kinh_doanh * 0.07;at_intake;Lệ phí" />')
    clock.set(vn(2027, 3, 1, 9, 0))
    form = copy.deepcopy(SAMPLE_FORM)
    form["von_kinh_doanh"] = 50_000_000
    code = api.file(CITIZEN, form=form)["code"]
    d = api.act(OFFICERS["intake"], code, "receive")
    assert d["status"] == Status.PAYMENT and d["payments"][0]["amount"] == 3_500_000
