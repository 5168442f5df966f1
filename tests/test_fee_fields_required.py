"""A fee computed from the form (D26) needs the fields its expression names: the citizen is told when they can
still fix it, at filing (online or at the desk) and at the supplement answer, not the leader at approval (the
docs' own example ``=20000 * so_lao_dong;before_result`` on the optional field so_lao_dong blocked the approval
with a Python NameError); a fee that still cannot be computed at its moment says so in Vietnamese."""
from __future__ import annotations

import copy

import pytest
from conftest import CITIZEN, OFFICERS, SAMPLE_FORM, STEP_DATA, vn
from payment_support import configure
from test_fees import SCHEMA, _deploy

from sqlalchemy import select

from engine.cases import local_fees
from engine.data.model import Dossier
from engine.process import fees

BEFORE_RESULT = '<spiffworkflow:property name="fee.le_phi" value="=20000 * so_lao_dong;before_result;Phí thẩm định" />'
NEEDS = "Cần khai Số lượng lao động để tính lệ phí Phí thẩm định"
OWNER = {"full_name": "Lê Thị Chủ", "birth_date": "1985-04-12", "cccd": "046185000777"}


@pytest.fixture
def backend():
    return "sqlite"  # nothing here is PostgreSQL's own


def _without_workers() -> dict:
    form = copy.deepcopy(SAMPLE_FORM)
    del form["so_lao_dong"]
    return form


def test_d26_an_online_filing_without_a_field_the_fee_is_computed_from_is_refused_naming_it(app, api, clock):
    """D26: the fee's field is asked of the citizen at filing, in Vietnamese, by the form's own title."""
    configure(app)
    _deploy(api, BEFORE_RESULT)
    clock.set(vn(2027, 3, 1, 9, 0))
    r = api.post("/api/v1/dossiers", CITIZEN, json={"procedure": "1.001612", "form": _without_workers()})
    assert r.status_code == 422, r.get_json()
    error = r.get_json()["error"]
    assert error["code"] == "invalid_form" and error["fields"] == {"so_lao_dong": NEEDS}
    assert NEEDS in error["message"]
    assert api.post("/api/v1/dossiers", CITIZEN, json={"procedure": "1.001612", "form": SAMPLE_FORM}).status_code == 201


def test_d26_a_desk_filing_without_a_field_the_fee_is_computed_from_is_refused_too(app, api, clock):
    """D26: the receiving officer who records a paper dossier is told the same, before the dossier exists."""
    configure(app)
    _deploy(api, BEFORE_RESULT)
    clock.set(vn(2027, 3, 1, 9, 0))
    r = api.post("/api/v1/dossiers", OFFICERS["intake"],
                 json={"procedure": "1.001612", "form": _without_workers(), "owner": OWNER, "channel": "desk"})
    assert r.status_code == 422 and r.get_json()["error"]["fields"] == {"so_lao_dong": NEEDS}, r.get_json()


def test_d26_a_fixed_fee_asks_no_field(app, api, clock):
    """D26: only the fields an expression names are needed: the sample's fixed fee asks nothing more."""
    configure(app)
    clock.set(vn(2027, 3, 1, 9, 0))
    assert api.post("/api/v1/dossiers", CITIZEN,
                    json={"procedure": "1.001612", "form": _without_workers()}).status_code == 201


def test_d26_a_supplement_answer_without_the_fee_field_is_refused_naming_it(app, api, clock):
    """D26: the form sent back after a supplement request is the one the fee is computed from: same rule."""
    configure(app)
    _deploy(api, BEFORE_RESULT)
    clock.set(vn(2027, 3, 1, 9, 0))
    code = api.file(CITIZEN)["code"]
    api.act(OFFICERS["intake"], code, "request_supplement", STEP_DATA["request_supplement"])
    clock.set(vn(2027, 3, 2, 9, 0))
    api.tokens.clear()
    r = api.post(f"/api/v1/dossiers/{code}/supplement", CITIZEN, json={"form": _without_workers()})
    assert r.status_code == 422 and r.get_json()["error"]["fields"] == {"so_lao_dong": NEEDS}, r.get_json()
    assert api.post(f"/api/v1/dossiers/{code}/supplement", CITIZEN, json={"form": SAMPLE_FORM}).status_code == 200


def test_d26_a_fee_that_cannot_be_computed_at_its_moment_says_why_in_vietnamese():
    """D26: the officer reads a Vietnamese reason, never a Python exception's text (NameError: name ...)."""
    fee = fees.read({"fee.a": "=20000 * so_lao_dong;before_result;Phí thẩm định"}, SCHEMA)[0][0]
    with pytest.raises(fees.FeeError) as missing:
        fees.amount(fee, {"von_kinh_doanh": 5})
    assert "NameError" not in str(missing.value) and "so_lao_dong" in str(missing.value)
    fee = fees.read({"fee.a": "=von_kinh_doanh / (so_lao_dong - 2);before_result;A"}, SCHEMA)[0][0]
    with pytest.raises(fees.FeeError, match="chia cho 0"):
        fees.amount(fee, {"von_kinh_doanh": 5, "so_lao_dong": 2})


EXEMPT_ON_WORKERS = ('<spiffworkflow:property name="fee.le_phi" value="=20000 * von_kinh_doanh / 1000000;at_intake;'
                     'Phí thẩm định" /><spiffworkflow:property name="feeExempt.le_phi" value="so_lao_dong &lt; 5" />')


def test_d26_an_exemption_on_a_field_left_out_is_not_claimed_and_the_form_is_not_refused(app, api, clock):
    """D26: an exemption is claimed by declaring the fact that grants it: a form without the field its condition
    names is filed, and the fee is asked in full at intake (not refused for want of it, nor exempted)."""
    configure(app)
    _deploy(api, EXEMPT_ON_WORKERS)
    clock.set(vn(2027, 3, 1, 9, 0))
    r = api.post("/api/v1/dossiers", CITIZEN, json={"procedure": "1.001612", "form": _without_workers()})
    assert r.status_code == 201, r.get_json()
    code = r.get_json()["code"]
    shown = api.act(OFFICERS["intake"], code, "receive")
    asked = [(p["amount"], p["status"]) for p in shown["payments"]]
    assert asked == [(20000 * SAMPLE_FORM["von_kinh_doanh"] // 1000000, "pending")], shown["payments"]
    fee = fees.read({"fee.a": "=1000;at_intake;A", "feeExempt.a": "so_lao_dong < 5"}, SCHEMA)[0][0]
    assert fees.exempt(fee, _without_workers()) is False and fees.exempt(fee, {**SAMPLE_FORM, "so_lao_dong": 2})


EXEMPT_BIG = ('<spiffworkflow:property name="fee.le_phi" value="=20000 * so_lao_dong;at_intake;Phí thẩm định" />'
              '<spiffworkflow:property name="feeExempt.le_phi" value="von_kinh_doanh &lt; 100000000" />')
BRANCH = ('<spiffworkflow:property name="fee.le_phi" value="=(20000 * so_lao_dong if von_kinh_doanh &gt; 100000000 '
          'else 10000);at_intake;Phí thẩm định" />')


@pytest.mark.parametrize("declaration", [EXEMPT_BIG, BRANCH], ids=["exempt", "branch"])
def test_d26_a_field_the_applicants_fee_does_not_read_is_not_asked(app, api, clock, declaration):
    """D26: the fee is computed with the form as it will be at its moment: an applicant the fee exempts, or whose
    branch of the expression does not read the field, is not asked for it."""
    configure(app)
    _deploy(api, declaration)
    clock.set(vn(2027, 3, 1, 9, 0))
    r = api.post("/api/v1/dossiers", CITIZEN, json={"procedure": "1.001612", "form": _without_workers()})
    assert r.status_code == 201, r.get_json()


def test_d26_a_supplement_after_the_fee_was_asked_does_not_need_its_field(app, api, clock):
    """D26: a fee asked at intake is settled at its amount: the form of a supplement during processing is not
    refused for the field it was computed from."""
    configure(app)
    _deploy(api, '<spiffworkflow:property name="fee.le_phi" value="=20000 * so_lao_dong;at_intake;Phí thẩm định" />')
    clock.set(vn(2027, 3, 1, 9, 0))
    code = api.file(CITIZEN)["code"]
    shown = api.act(OFFICERS["intake"], code, "receive")
    assert [p["amount"] for p in shown["payments"]] == [20000 * SAMPLE_FORM["so_lao_dong"]], shown["payments"]
    with app.extensions["tthc"]["sessions"]() as session:
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        assert local_fees.still_to_ask(session, dossier) == []  # asked: a supplement's form is not checked for it
        assert fees.check_form(local_fees.still_to_ask(session, dossier), None, _without_workers()) is None
