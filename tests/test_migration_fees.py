"""D1 and D26: a dossier whose fees are in force keeps them when its procedure gets a new version. The household
business registration (1.001612) charges 100,000 đ at intake. A dossier filed Monday 07/12/2026 09:00, received and
paid in cash at the desk at 09:30, would, moved to a version charging the fee before the result, be asked the
100,000 đ a second time after the approval; one received under a version charging 100,000 đ before the result would,
moved to a version charging 900,000 đ, pay 900,000 đ. Both moves (version deployed Tuesday 08/12 08:00) are refused
(409, the fees named), on the API and in the batch of the administration page. A dossier filed Tuesday 08/12 07:30
and not yet received has no fee in force: it moves, and is charged the new version's fee when received. A version
that only rewords a fee's name changes no fee: a received and paid dossier moves to it."""
from __future__ import annotations

from sqlalchemy import select

from conftest import SAMPLE, SAMPLE_CODE, STEP_DATA, vn
from engine.cases import migration
from engine.cases.dossiers import Context
from engine.data.model import User
from payment_support import configure
from test_versions import ADMIN, deploy

SOURCE = SAMPLE.read_text(encoding="utf-8")
FEE = 'name="fee.le_phi" value="100000;at_intake;Lệ phí đăng ký hộ kinh doanh"'


def with_fee(value: str) -> str:
    text_ = SOURCE.replace(FEE, f'name="fee.le_phi" value="{value}"')
    assert text_ != SOURCE
    return text_


def dossier(api, code: str) -> dict:
    r = api.get(f"/api/v1/dossiers/{code}", "demo.tiepnhan")
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def received_and_paid(api, clock) -> str:
    """Filed Monday 07/12/2026 09:00, received 09:30 and its 100,000 đ paid in cash at the desk."""
    clock.set(vn(2026, 12, 7, 9, 0))
    code = api.file()["code"]
    clock.set(vn(2026, 12, 7, 9, 30))
    d = api.act("demo.tiepnhan", code, "receive")
    assert [(p["amount"], p["status"]) for p in d["payments"]] == [(100000, "pending")], d["payments"]
    r = api.post(f"/api/v1/dossiers/{code}/payments/desk", "demo.tiepnhan", json={"amount": 100000, "method": "cash"})
    assert r.status_code == 201, r.get_json()
    return code


def refused_for_fees(r) -> None:
    assert r.status_code == 409, r.get_json()
    error = r.get_json()["error"]
    assert error["code"] == "migration_refused"
    assert any("phí" in p["message"] for p in error["problems"]), error


def test_paid_at_intake_not_moved_to_a_version_charging_before_the_result(api, app, clock, backend):
    configure(app)
    paid = received_and_paid(api, clock)
    clock.set(vn(2026, 12, 8, 7, 30))
    api.tokens.clear()  # the next day: signed in again
    waiting = api.file()["code"]  # filed on version 1, not yet received
    clock.set(vn(2026, 12, 8, 8, 0))
    r = deploy(api, with_fee("100000;before_result;Lệ phí đăng ký hộ kinh doanh"))
    assert r.status_code == 201, r.get_json()
    refused_for_fees(api.post(f"/api/v1/dossiers/{paid}/migrate", ADMIN, json={"version": 2}))
    assert dossier(api, paid)["procedure_version"] == 1
    r = api.post(f"/api/v1/dossiers/{waiting}/migrate", ADMIN, json={"version": 2})
    assert r.status_code == 200, r.get_json()
    clock.set(vn(2026, 12, 8, 9, 0))
    api.act("demo.tiepnhan", waiting, "receive")
    assert dossier(api, waiting)["payments"] == []  # version 2 charges it before the result, not at intake
    # the paid dossier goes on under version 1: nothing more to pay after the approval
    api.act("demo.chuyenvien", paid, "propose_approval", STEP_DATA["propose_approval"])
    d = api.act("demo.lanhdao", paid, "approve")
    assert [(p["amount"], p["status"]) for p in d["payments"]] == [(100000, "paid")], d["payments"]
    assert d["status"] != 6


def test_received_not_moved_to_a_version_with_another_amount(api, app, clock, backend):
    configure(app)
    clock.set(vn(2026, 12, 7, 8, 0))
    assert deploy(api, with_fee("100000;before_result;Lệ phí đăng ký hộ kinh doanh")).status_code == 201
    clock.set(vn(2026, 12, 7, 9, 0))
    code = api.file()["code"]
    clock.set(vn(2026, 12, 7, 9, 30))
    assert api.act("demo.tiepnhan", code, "receive")["payments"] == []  # due before the result: no row yet
    clock.set(vn(2026, 12, 8, 7, 30))
    api.tokens.clear()
    waiting = api.file()["code"]  # on version 2, not yet received
    clock.set(vn(2026, 12, 8, 8, 0))
    assert deploy(api, with_fee("900000;before_result;Lệ phí đăng ký hộ kinh doanh")).status_code == 201
    refused_for_fees(api.post(f"/api/v1/dossiers/{code}/migrate", ADMIN, json={"version": 3}))
    assert api.post(f"/api/v1/dossiers/{waiting}/migrate", ADMIN, json={"version": 3}).status_code == 200
    clock.set(vn(2026, 12, 8, 9, 0))
    api.act("demo.chuyenvien", code, "propose_approval", STEP_DATA["propose_approval"])
    d = api.act("demo.lanhdao", code, "approve")
    assert [(p["amount"], p["status"]) for p in d["payments"]] == [(100000, "pending")], d["payments"]


def test_not_received_moves_and_pays_the_new_fee_at_receipt(api, app, clock, backend):
    configure(app)
    clock.set(vn(2026, 12, 8, 7, 30))
    code = api.file()["code"]
    clock.set(vn(2026, 12, 8, 8, 0))
    assert deploy(api, with_fee("900000;at_intake;Lệ phí đăng ký hộ kinh doanh")).status_code == 201
    r = api.post(f"/api/v1/dossiers/{code}/migrate", ADMIN, json={"version": 2})
    assert r.status_code == 200, r.get_json()
    clock.set(vn(2026, 12, 8, 9, 0))
    d = api.act("demo.tiepnhan", code, "receive")
    assert (d["procedure_version"], [(p["amount"], p["status"]) for p in d["payments"]]) == (
        2, [(900000, "pending")]), d


def test_batch_reports_the_fees_and_moves_the_others(api, app, clock, backend):
    configure(app)
    paid = received_and_paid(api, clock)
    clock.set(vn(2026, 12, 8, 7, 30))
    api.tokens.clear()
    waiting = api.file()["code"]
    clock.set(vn(2026, 12, 8, 8, 0))
    assert deploy(api, with_fee("900000;at_intake;Lệ phí đăng ký hộ kinh doanh")).status_code == 201
    ext = app.extensions["tthc"]
    with ext["sessions"]() as session:
        admin = session.scalar(select(User).where(User.username == ADMIN))
        results, after = migration.migrate_batch(session, Context(admin, clock.now(), ext["settings"]),
                                                 SAMPLE_CODE, 1, 2)
        session.commit()
    assert after is None
    by_code = {r["code"]: r for r in results}
    assert by_code[waiting]["moved"] is True
    assert by_code[paid]["moved"] is False and any("phí" in why for why in by_code[paid]["reasons"]), by_code
    assert dossier(api, paid)["procedure_version"] == 1 and dossier(api, waiting)["procedure_version"] == 2


def test_a_reworded_fee_name_does_not_keep_a_paid_dossier(api, app, clock, backend):
    configure(app)
    paid = received_and_paid(api, clock)
    clock.set(vn(2026, 12, 8, 8, 0))
    api.tokens.clear()
    assert deploy(api, with_fee("100000;at_intake;Lệ phí đăng ký thành lập hộ kinh doanh")).status_code == 201
    r = api.post(f"/api/v1/dossiers/{paid}/migrate", ADMIN, json={"version": 2})
    assert r.status_code == 200, r.get_json()
