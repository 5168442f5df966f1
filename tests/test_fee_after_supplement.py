"""D26 with D10-D12: a fee computed from the form follows the form the supplement gives.

The fee is fixed when it is asked; when the one supplement (D10) changes the fields it is computed from (the
number of workers, the capital that exempts), the fee not paid yet is recomputed in the supplement's own
transaction (its payment row's amount changes, or it becomes exempted), audited with the old and the new
amount, and an order the gateway took for the old amount can no longer settle it (D26: the gateway's
notification is checked by amount). A fee already paid keeps its money; the difference is written in the
trail for the agency to decide. A fixed fee is untouched and costs the supplement no query.

The sample procedure (ho-kinh-doanh) is deployed with its fee computed from the form and asked with the filing:
20.000 đ per worker + 10.000 đ, exempted when the capital is under 10.000.000 đ. Filed Monday 01/03/2027,
supplement asked Tuesday 02/03, supplied Wednesday 03/03/2027.

Today a dossier cannot be asked a supplement while it waits in status 6 (request_supplement starts from 1 or 4
only), so a fee still owed at the supplement is reached here by calling the supplement's repricing on a dossier
whose filing fee is owed with an online order started for it.
"""
from __future__ import annotations

import copy
import io
from urllib.parse import parse_qs, urlparse

from conftest import CITIZEN, OFFICERS, SAMPLE, SAMPLE_FORM, STEP_DATA, vn
from payment_support import configure, ipn_params
from sqlalchemy import event, select

from engine.cases import fee_repricing
from engine.cases.dossiers import Context
from engine.data.model import AuditEvent, Dossier, User
from engine.data.payment_model import Payment
from engine.law.statuses import Status

FEE_LINE = '<spiffworkflow:property name="fee.le_phi" value="100000;at_intake;Lệ phí đăng ký hộ kinh doanh" />'
COMPUTED = ('<spiffworkflow:property name="fee.le_phi" value="=20000 * so_lao_dong + 10000;at_filing;Lệ phí" />'
            '<spiffworkflow:property name="feeExempt.le_phi" value="von_kinh_doanh &lt; 10000000" />')


def _deploy(api, fee_line: str = COMPUTED) -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    assert FEE_LINE in text
    r = api.post("/api/v1/procedures", "demo.admin", content_type="multipart/form-data",
                 data={"bpmn": (io.BytesIO(text.replace(FEE_LINE, fee_line).encode()), SAMPLE.name)})
    assert r.status_code == 201, r.get_json()


def _form(**changes) -> dict:
    form = copy.deepcopy(SAMPLE_FORM)
    form.update(changes)
    return form


def _filed(app, api, clock) -> dict:
    """Filed Monday 01/03/2027 09:00 with 2 workers: 20.000 × 2 + 10.000 = 50.000 đ owed (status 6)."""
    clock.set(vn(2027, 3, 1, 8, 0))
    configure(app)
    _deploy(api)
    clock.set(vn(2027, 3, 1, 9, 0))
    d = api.file()
    assert d["status"] == Status.PAYMENT and d["payments"][0]["amount"] == 50000
    return d


def _payments(api, code: str) -> list[dict]:
    api.tokens.clear()  # the tokens of an earlier day have expired
    return api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()["payments"]


def _repriced(app, code: str) -> list[dict]:
    with app.extensions["tthc"]["sessions"]() as session:
        return [e.data for e in session.scalars(select(AuditEvent).join(Dossier).where(
            Dossier.code == code, AuditEvent.action == fee_repricing.ACTION).order_by(AuditEvent.id))]


def _start_online(api, code: str) -> dict:
    api.tokens.clear()
    r = api.post(f"/api/v1/dossiers/{code}/payments", CITIZEN, json={})
    assert r.status_code == 201, r.get_json()
    return {k: v[0] for k, v in parse_qs(urlparse(r.get_json()["redirect_url"]).query).items()}


def _supplement_while_owed(app, clock, code: str, form: dict) -> None:
    """The supplement's repricing, Wednesday 03/03/2027 09:00, on a dossier whose fee is still owed (see above)."""
    ext = app.extensions["tthc"]
    clock.set(vn(2027, 3, 3, 9, 0))
    with ext["sessions"].begin() as session:
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        citizen = session.scalar(select(User).where(User.username == CITIZEN))
        dossier.form = form
        fee_repricing.after_supplement(session, Context(citizen, clock.now(), ext["settings"]), dossier)


def test_d26_a_fee_not_paid_yet_is_recomputed_from_the_supplemented_form_and_audited(app, api, clock):
    d = _filed(app, api, clock)
    _supplement_while_owed(app, clock, d["code"], _form(so_lao_dong=4))  # 20.000 × 4 + 10.000
    [fee] = _payments(api, d["code"])
    assert (fee["status"], fee["amount"]) == ("pending", 90000)
    [line] = _repriced(app, d["code"])
    assert (line["old_amount"], line["new_amount"], line["kept"]) == (50000, 90000, False)


def test_d26_an_order_for_the_old_amount_cannot_settle_the_recomputed_fee(app, api, clock):
    d = _filed(app, api, clock)
    old = _start_online(api, d["code"])
    assert old["vnp_Amount"] == "5000000"
    _supplement_while_owed(app, clock, d["code"], _form(so_lao_dong=4))
    answer = api.get("/api/v1/payments/vnpay/ipn", query_string=ipn_params(app, old["vnp_TxnRef"], 50000))
    assert answer.get_json()["RspCode"] == "04"  # the amount is not the one owed: refused, nothing settled
    [fee] = _payments(api, d["code"])
    assert (fee["status"], fee["amount"]) == ("pending", 90000)
    new = _start_online(api, d["code"])  # the citizen pays the new amount
    assert new["vnp_Amount"] == "9000000"
    answer = api.get("/api/v1/payments/vnpay/ipn", query_string=ipn_params(app, new["vnp_TxnRef"], 90000,
                                                                           number="14000002"))
    assert answer.get_json()["RspCode"] == "00"
    assert _payments(api, d["code"])[0]["status"] == "paid"


def test_d26_a_supplement_that_meets_the_exemption_exempts_the_fee_not_paid_yet(app, api, clock):
    d = _filed(app, api, clock)
    old = _start_online(api, d["code"])
    _supplement_while_owed(app, clock, d["code"], _form(von_kinh_doanh=5_000_000))
    [fee] = _payments(api, d["code"])
    assert (fee["status"], fee["amount"]) == ("exempted", 0) and fee["exempt_reason"]
    [line] = _repriced(app, d["code"])
    assert (line["old_amount"], line["new_amount"]) == (50000, 0)
    answer = api.get("/api/v1/payments/vnpay/ipn", query_string=ipn_params(app, old["vnp_TxnRef"], 50000))
    assert answer.get_json()["RspCode"] == "04"  # the old order no longer settles anything


def test_d26_a_fee_already_paid_keeps_its_money_and_the_trail_tells_the_new_amount(app, api, clock):
    """Through the citizen's own supplement: the filing fee paid at the desk on Monday, the intake check asks a
    supplement on Tuesday, the citizen declares 4 workers on Wednesday: the 50.000 đ paid stays paid."""
    d = _filed(app, api, clock)
    clock.set(vn(2027, 3, 1, 10, 0))
    r = api.post(f"/api/v1/dossiers/{d['code']}/payments/desk", OFFICERS["intake"],
                 json={"amount": 50000, "method": "cash"})
    assert r.status_code in (200, 201), r.get_json()
    clock.set(vn(2027, 3, 2, 9, 0))
    api.tokens.clear()
    api.act(OFFICERS["intake"], d["code"], "request_supplement", STEP_DATA["request_supplement"])
    clock.set(vn(2027, 3, 3, 9, 0))
    api.tokens.clear()
    r = api.post(f"/api/v1/dossiers/{d['code']}/supplement", CITIZEN, json={"form": _form(so_lao_dong=4)})
    assert r.status_code == 200, r.get_json()
    [fee] = _payments(api, d["code"])
    assert (fee["status"], fee["amount"]) == ("paid", 50000)
    [line] = _repriced(app, d["code"])
    assert (line["old_amount"], line["new_amount"], line["kept"]) == (50000, 90000, True)
    assert line["note"]


def test_d26_a_supplement_that_changes_nothing_of_the_fee_writes_nothing(app, api, clock):
    d = _filed(app, api, clock)
    _supplement_while_owed(app, clock, d["code"], _form(ten_ho_kinh_doanh="Hộ kinh doanh Mai Anh"))
    assert _payments(api, d["code"])[0]["amount"] == 50000 and _repriced(app, d["code"]) == []


def test_d26_a_fixed_fee_costs_the_supplement_no_query(app, api, clock):
    clock.set(vn(2027, 3, 1, 9, 0))
    d = api.file()  # the sample as it ships: its fee is a fixed amount
    ext = app.extensions["tthc"]
    with ext["sessions"]() as session:
        dossier = session.scalar(select(Dossier).where(Dossier.code == d["code"]))
        citizen = session.scalar(select(User).where(User.username == CITIZEN))
        version = dossier.procedure_version
        assert version.info["fees"] and not any(f.get("expression") or f.get("exempt_if") for f in version.info["fees"])
        queries = []
        connection = session.connection()
        event.listen(connection, "before_cursor_execute", lambda *a: queries.append(a[2]))
        fee_repricing.after_supplement(session, Context(citizen, clock.now(), ext["settings"]), dossier)
        assert queries == []
