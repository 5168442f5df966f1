"""Fees as the procedure declares them (D26): fixed or computed from the form by a restricted expression,
exempted by a condition on the form, due at filing, at intake or before the result; a bad declaration is
refused at deploy with a message naming the fee."""
from __future__ import annotations

import copy
import io

import pytest
from conftest import CITIZEN, OFFICERS, SAMPLE, SAMPLE_FORM, STEP_DATA, iso, vn
from payment_support import configure

from engine.law.statuses import Status
from engine.process import fees

SCHEMA = {"properties": {"so_lao_dong": {}, "von_kinh_doanh": {}}}
FEE_LINE = '<spiffworkflow:property name="fee.le_phi" value="100000;at_intake;Lệ phí đăng ký hộ kinh doanh" />'


def test_fixed_and_computed_fees_are_read_with_their_moment():
    declared, problems = fees.read({"fee.a": "100000;at_intake;Lệ phí A", "fee.b": "=20000 * so_lao_dong;before_result;Phí B",
                                    "fee.c": "0;filing;Phí C", "feeExempt.b": "von_kinh_doanh < 10000000"}, SCHEMA)
    assert problems == []
    assert [(f["key"], f["amount"], f["when"], f["moment"]) for f in declared] == [
        ("a", 100000, "at_intake", "intake"), ("b", None, "before_result", "before_result"), ("c", 0, "at_filing", "filing")]
    b = declared[1]
    assert fees.amount(b, {"so_lao_dong": 3, "von_kinh_doanh": 5}) == 60000
    assert fees.exempt(b, {"so_lao_dong": 3, "von_kinh_doanh": 5}) is True
    assert fees.exempt(b, {"so_lao_dong": 3, "von_kinh_doanh": 50_000_000}) is False


@pytest.mark.parametrize("props, message", [
    ({"fee.a": "100000;at_noon;A"}, "phí fee.a: cần dạng"),
    ({"fee.a": "100.000;at_intake;A"}, "số tiền phải là số đồng"),
    ({"fee.a": "=__import__('os').system('true');at_intake;A"}, "phí fee.a: biểu thức số tiền"),
    ({"fee.a": "=20000 * so_nguoi;at_intake;A"}, "không phải trường của tờ khai hay hàm được phép: so_nguoi"),
    ({"fee.a": "=20000 *;at_intake;A"}, "phí fee.a: biểu thức số tiền"),
    ({"fee.a": "1;at_intake;A", "feeExempt.a": "so_lao_dong.__class__"}, "feeExempt.a: điều kiện miễn"),
    ({"feeExempt.b": "True"}, "feeExempt.b: không có phí fee.b"),
])
def test_a_bad_declaration_is_named(props, message):
    _declared, problems = fees.read(props, SCHEMA)
    assert any(message in p for p in problems), problems


def test_a_computed_fee_that_cannot_be_computed_is_an_error_not_a_crash():
    fee = fees.read({"fee.a": "=1 // (so_lao_dong - 2);at_intake;A"}, SCHEMA)[0][0]
    with pytest.raises(fees.FeeError, match="ZeroDivisionError"):
        fees.amount(fee, {"so_lao_dong": 2})
    fee = fees.read({"fee.a": "=-5 * so_lao_dong;at_intake;A"}, SCHEMA)[0][0]
    with pytest.raises(fees.FeeError, match="không hợp lệ"):
        fees.amount(fee, {"so_lao_dong": 2})
    fee = fees.read({"fee.a": "=while_true;at_intake;A"}, None)[0][0]  # no schema given: names not checked
    with pytest.raises(fees.FeeError):
        fees.amount(fee, {})


def _deploy(api, fee_line: str, status: int = 201):
    text = SAMPLE.read_text(encoding="utf-8")
    assert FEE_LINE in text
    text = text.replace(FEE_LINE, fee_line)
    r = api.post("/api/v1/procedures", "demo.admin", content_type="multipart/form-data",
                 data={"bpmn": (io.BytesIO(text.encode()), SAMPLE.name)})
    assert r.status_code == status, r.get_json()
    return r.get_json()


def test_deploy_refuses_a_bad_fee_expression_with_a_clear_message(api):
    body = _deploy(api, '<spiffworkflow:property name="fee.le_phi" value="=open(\'/etc/passwd\');at_intake;Lệ phí" />', 422)
    assert any("phí fee.le_phi: biểu thức số tiền" in p for p in map(str, body["error"]["problems"])), body
    body = _deploy(api, '<spiffworkflow:property name="fee.le_phi" value="=1000 * so_nhan_khau;at_intake;Lệ phí" />', 422)
    assert any("không phải trường của tờ khai hay hàm được phép: so_nhan_khau" in str(p) for p in body["error"]["problems"]), body


COMPUTED = ('<spiffworkflow:property name="fee.le_phi" value="=20000 * so_lao_dong + 10000;at_intake;Lệ phí" />'
            '<spiffworkflow:property name="feeExempt.le_phi" value="von_kinh_doanh &lt; 10000000" />')


def test_a_computed_fee_is_owed_and_a_form_condition_exempts(app, api, clock):
    configure(app)
    _deploy(api, COMPUTED)
    owed = api.file()  # 2 workers: 20,000 × 2 + 10,000
    clock.set(vn(2026, 11, 23, 9, 30))
    d = api.act(OFFICERS["intake"], owed["code"], "receive")
    assert d["status"] == Status.PAYMENT and d["payments"][0]["amount"] == 50000
    small = copy.deepcopy(SAMPLE_FORM)
    small["von_kinh_doanh"] = 5_000_000
    free = api.file(form=small)
    d = api.act(OFFICERS["intake"], free["code"], "receive")
    assert d["status"] == Status.PROCESSING
    assert [(p["status"], p["amount"], p["exempt_reason"]) for p in d["payments"]] == [("exempted", 0, "Miễn theo tờ khai")]


def test_a_fee_that_cannot_be_computed_refuses_the_intake_and_changes_nothing(app, api, clock):
    configure(app)
    _deploy(api, '<spiffworkflow:property name="fee.le_phi" value="=100000 // (so_lao_dong - 2);at_intake;Lệ phí" />')
    d = api.file()
    r = api.act(OFFICERS["intake"], d["code"], "receive", status=422)
    assert r["error"]["code"] == "fee_not_computable"
    assert api.get(f"/api/v1/dossiers/{d['code']}", CITIZEN).get_json()["status"] == Status.SUBMITTED


def test_a_filing_fee_waits_before_the_intake_check_whose_hour_starts_at_the_payment(app, api, clock):
    configure(app, None)
    _deploy(api, '<spiffworkflow:property name="fee.le_phi" value="100000;at_filing;Lệ phí" />')
    d = api.file()
    assert d["status"] == Status.PAYMENT and d["payments"][0]["moment"] == "filing"
    assert api.task_for(OFFICERS["intake"], d["code"])["actions"] == []  # no intake check before the fee
    clock.set(vn(2026, 11, 23, 14, 0))
    api.post(f"/api/v1/dossiers/{d['code']}/payments/desk", OFFICERS["intake"], json={"amount": 100000, "method": "cash"})
    after = api.get(f"/api/v1/dossiers/{d['code']}", CITIZEN).get_json()
    assert after["status"] == Status.SUBMITTED and after["intake_due_at"] == iso(2026, 11, 23, 15, 0)
    assert "receive" in api.task_for(OFFICERS["intake"], d["code"])["actions"]


def test_a_fee_before_the_result_waits_after_the_approval(app, api, clock):
    configure(app, None)
    _deploy(api, '<spiffworkflow:property name="fee.le_phi" value="100000;before_result;Lệ phí" />')
    code = api.file()["code"]
    assert api.act(OFFICERS["intake"], code, "receive")["status"] == Status.PROCESSING
    api.act(OFFICERS["assessment"], code, "propose_approval", STEP_DATA["propose_approval"])
    d = api.act(OFFICERS["approval"], code, "approve", {"y_kien_phe_duyet": "Đồng ý"})
    assert d["status"] == Status.PAYMENT
    assert api.task_for(OFFICERS["signing"], code)["actions"] == []  # the result waits for the fee
    api.post(f"/api/v1/dossiers/{code}/payments/desk", OFFICERS["intake"], json={"amount": 100000, "method": "card"})
    assert api.task_for(OFFICERS["signing"], code)["actions"] == ["issue_result"]


def test_refused_at_the_intake_check_after_paying_the_filing_fee_is_refunded(app, api, clock):
    configure(app, None)
    _deploy(api, '<spiffworkflow:property name="fee.le_phi" value="100000;at_filing;Lệ phí" />')
    code = api.file()["code"]
    api.post(f"/api/v1/dossiers/{code}/payments/desk", OFFICERS["intake"], json={"amount": 100000, "method": "cash"})
    d = api.act(OFFICERS["intake"], code, "refuse", {"reasons": ["Ngành nghề cấm kinh doanh"]})
    assert d["status"] == Status.REFUSED and d["payments"][0]["status"] == "refunded"
