"""D1 with D26 and D29: a fee the procedure leaves to the province (``feeLocal.<key>``) costs a dossier what its
receiving office charged when the dossier was received, even if the office changes its amount afterwards; the
receipt Mẫu 01 prints that amount, not the procedure's declared one."""
from __future__ import annotations

import io
from pathlib import Path

from pypdf import PdfReader
from sqlalchemy import select

from conftest import CITIZEN, PASSWORD, SAMPLE, STEP_DATA
from engine.cases import payments
from engine.data import agencies
from engine.data.model import Document, Dossier
from engine.paperwork import documents, results
from engine.process import procedures
from test_offers import DEMO, WARD_A, WARD_B, deploy_with_local_fee, province, put_offers  # noqa: F401

DECLARED_FEE = 'name="fee.le_phi" value="100000;at_intake;Lệ phí đăng ký hộ kinh doanh"'


def deploy_local_fee_before_result(app, tmp_path, settings, clock, moment: str = "before_result",
                                   gateway: str | None = "vnpay") -> None:
    """The sample procedure, its "le_phi" left to each office (feeLocal) and due at ``moment``; ward A collects
    fees through ``gateway`` and can seal results."""
    text = SAMPLE.read_text(encoding="utf-8")
    assert DECLARED_FEE in text
    local = tmp_path / SAMPLE.name
    local.write_text(text.replace(DECLARED_FEE, 'name="feeLocal.le_phi" value="true" />\n        '
                                                '<spiffworkflow:property name="fee.le_phi" '
                                                f'value="100000;{moment};Lệ phí đăng ký hộ kinh doanh"'),
                     encoding="utf-8")
    with app.extensions["tthc"]["sessions"].begin() as session:
        procedures.deploy(session, procedures.load_file(local, settings.forms_dir), clock.now(), "tester")
        payments.configure(session, agencies.by_code(session, WARD_A).id, gateway, clock.now(), "TTHC",
                           "http://127.0.0.1:9/pay")
    with app.extensions["tthc"]["sessions"].begin() as session:
        results.ensure_keys(session, settings, clock.now(), pin=PASSWORD)


def ward_a_charges(api, amount: int | None) -> None:
    ward_a = {"agency": WARD_A, "fees": {"le_phi": amount}} if amount is not None else WARD_A
    r = put_offers(api, {"agencies": [DEMO, ward_a, WARD_B]})
    assert r.status_code == 200, r.get_json()


def approved_payments(api, code: str) -> list[int]:
    api.act("a.canbo", code, "propose_approval", STEP_DATA["propose_approval"])
    d = api.act("a.canbo", code, "approve", {"y_kien_phe_duyet": "Đồng ý"})
    return [p["amount"] for p in d["payments"]]


def test_a_fee_due_before_the_result_costs_what_the_office_charged_when_the_dossier_was_received(
        api, province, app, clock, tmp_path, settings):  # noqa: F811
    """D1: ward A charged 50,000 when the dossier was received and 80,000 from the next day: the dossier in
    progress is asked 50,000 before its result, and the citizen's dossier shows that amount."""
    deploy_local_fee_before_result(app, tmp_path, settings, clock)
    ward_a_charges(api, 50000)
    code = api.file(CITIZEN, agency=WARD_A)["code"]
    assert api.act("a.canbo", code, "receive")["payments"] == []
    ward_a_charges(api, 80000)  # the ward raises its amount after the dossier was received
    assert approved_payments(api, code) == [50000]
    shown = api.get(f"/api/v1/dossiers/{code}", user=CITIZEN).get_json()
    assert [p["amount"] for p in shown["payments"]] == [50000], shown["payments"]
    # a dossier received after the change is charged the new amount
    later = api.file(CITIZEN, agency=WARD_A)["code"]
    api.act("a.canbo", later, "receive")
    assert approved_payments(api, later) == [80000]


def test_an_office_setting_its_own_amount_after_receipt_leaves_the_declared_amount_in_force(
        api, province, app, clock, tmp_path, settings):  # noqa: F811
    """D1: ward A gave no amount of its own when the dossier was received (the declared 100,000 was in force);
    the amount it sets afterwards is not the one the dossier is charged; an amount set before receipt is."""
    deploy_local_fee_before_result(app, tmp_path, settings, clock)
    ward_a_charges(api, None)
    code = api.file(CITIZEN, agency=WARD_A)["code"]
    filed_only = api.file(CITIZEN, agency=WARD_A)["code"]
    api.act("a.canbo", code, "receive")
    ward_a_charges(api, 30000)
    assert approved_payments(api, code) == [100000]
    api.act("a.canbo", filed_only, "receive")  # filed before the change, received after it: the new amount
    assert approved_payments(api, filed_only) == [30000]


def test_the_receipt_mau_01_prints_the_amount_the_office_charges(api, province, app, clock, tmp_path,
                                                                   settings):  # noqa: F811
    """D8 with D29: ward A charges 50,000 of a fee the procedure declares at 100,000: Mẫu 01 said 100.000
    đồng while the citizen was asked 50,000."""
    deploy_with_local_fee(app, tmp_path, settings, clock)
    ward_a_charges(api, 50000)
    code = api.file(CITIZEN, agency=WARD_A)["code"]
    assert [p["amount"] for p in api.act("a.canbo", code, "receive")["payments"]] == [50000]
    with app.extensions["tthc"]["sessions"]() as session:
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        docs = session.scalars(select(Document).where(Document.dossier_id == dossier.id,
                                                      Document.kind == "receipt")).all()
        assert docs
        body = " ".join(" ".join((p.extract_text() or "").split()) for doc in docs
                        for p in PdfReader(io.BytesIO(documents.read(Path(settings.data_dir), doc))).pages)
    assert "Lệ phí đăng ký hộ kinh doanh: 50.000 đồng" in body, body
    assert "100.000" not in body


def test_a_fee_paid_at_filing_is_printed_on_the_receipt_at_what_was_paid(api, province, app, clock, tmp_path,  # noqa: F811
                                                                          settings):
    """D1, D26, D8: the citizen pays ward A's 50,000 with the filing; ward A then raises its amount to 80,000
    before receiving the dossier: the receipt Mẫu 01 says 50,000, what was asked and paid."""
    deploy_local_fee_before_result(app, tmp_path, settings, clock, moment="at_filing", gateway=None)
    ward_a_charges(api, 50000)
    code = api.file(CITIZEN, agency=WARD_A)["code"]
    assert [p["amount"] for p in api.get(f"/api/v1/dossiers/{code}", user=CITIZEN).get_json()["payments"]] == [50000]
    r = api.post(f"/api/v1/dossiers/{code}/payments/desk", "a.canbo", json={"amount": 50000, "method": "cash"})
    assert r.status_code == 201, r.get_json()
    ward_a_charges(api, 80000)
    api.act("a.canbo", code, "receive")
    with app.extensions["tthc"]["sessions"]() as session:
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        docs = session.scalars(select(Document).where(Document.dossier_id == dossier.id,
                                                      Document.kind == "receipt")).all()
        body = " ".join(" ".join((p.extract_text() or "").split()) for doc in docs
                        for p in PdfReader(io.BytesIO(documents.read(Path(settings.data_dir), doc))).pages)
    assert "Lệ phí đăng ký hộ kinh doanh: 50.000 đồng" in body, body[body.find("Lệ phí"):][:200]
