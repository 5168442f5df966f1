"""D26 with D10-D12: a fee computed from the form, after the supplement changed the form.

A fee due at filing or at intake is settled before a supplement can be asked (the dossier waits in status 6
while it is owed; a supplement is asked from status 1 or 4), and a fee due before the result is asked at the
approval, from the form as supplemented. So the fee the one supplement (D10) could change is already paid, or
exempted by the form as filed: it keeps its money (or its exemption), and the trail tells the officer what the
new form would cost, for the agency to decide. A fixed fee is untouched and costs the supplement no query.

The sample procedure (ho-kinh-doanh) is deployed with its fee computed from the form and asked with the filing:
20.000 đ per worker + 10.000 đ, exempted when the capital is under 10.000.000 đ. Filed Monday 01/03/2027, paid
at the desk, supplement asked Tuesday 02/03, supplied Wednesday 03/03/2027.
"""
from __future__ import annotations

import copy
import io

from conftest import CITIZEN, OFFICERS, SAMPLE, SAMPLE_FORM, STEP_DATA, vn
from payment_support import configure
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


def _supplied(app, api, clock, code: str, form: dict, pay: bool = True) -> None:
    """Paid at the desk Monday 10:00 (unless exempted), supplement asked at intake Tuesday 09:00, supplied by the
    citizen through the API Wednesday 09:00."""
    if pay:
        clock.set(vn(2027, 3, 1, 10, 0))
        r = api.post(f"/api/v1/dossiers/{code}/payments/desk", OFFICERS["intake"],
                     json={"amount": 50000, "method": "cash"})
        assert r.status_code in (200, 201), r.get_json()
    clock.set(vn(2027, 3, 2, 9, 0))
    api.tokens.clear()
    api.act(OFFICERS["intake"], code, "request_supplement", STEP_DATA["request_supplement"])
    clock.set(vn(2027, 3, 3, 9, 0))
    api.tokens.clear()
    r = api.post(f"/api/v1/dossiers/{code}/supplement", CITIZEN, json={"form": form})
    assert r.status_code == 200, r.get_json()


def test_d26_a_fee_already_paid_keeps_its_money_and_the_trail_tells_the_new_amount(app, api, clock):
    """The citizen declares 4 workers on Wednesday: the 50.000 đ paid stays paid; the trail says 90.000 đ."""
    d = _filed(app, api, clock)
    _supplied(app, api, clock, d["code"], _form(so_lao_dong=4))
    [fee] = _payments(api, d["code"])
    assert (fee["status"], fee["amount"]) == ("paid", 50000)
    [line] = _repriced(app, d["code"])
    assert (line["old_amount"], line["new_amount"], line["kept"]) == (50000, 90000, True)
    assert "được giữ nguyên" in line["note"]


def test_d26_a_fee_the_filed_form_exempted_stays_exempted_and_the_trail_tells_what_it_would_cost(app, api,
                                                                                               clock):
    """Filed with a capital of 5.000.000 đ (exempted, nothing to pay), supplemented with 20.000.000 đ: still
    exempted, and the trail says the 50.000 đ the new form would cost."""
    clock.set(vn(2027, 3, 1, 8, 0))
    configure(app)
    _deploy(api)
    clock.set(vn(2027, 3, 1, 9, 0))
    d = api.file(form=_form(von_kinh_doanh=5_000_000))
    assert d["payments"][0]["status"] == "exempted"
    _supplied(app, api, clock, d["code"], _form(von_kinh_doanh=20_000_000), pay=False)
    assert [(f["status"], f["amount"]) for f in _payments(api, d["code"])] == [("exempted", 0)]
    [line] = _repriced(app, d["code"])
    assert (line["old_amount"], line["new_amount"], line["kept"]) == (0, 50000, True)
    assert "được miễn" in line["note"]


def test_d26_a_supplement_that_changes_nothing_of_the_fee_writes_nothing(app, api, clock):
    d = _filed(app, api, clock)
    _supplied(app, api, clock, d["code"], _form(ten_ho_kinh_doanh="Hộ kinh doanh Mai Anh"))
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
