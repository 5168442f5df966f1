"""Money the gateway takes for a fee settled otherwise (paid at the desk meanwhile) or owed no more (the dossier
ended before the notification) is a refund owed (D26; the README: refunds are recorded and audited): recorded
once as a refund, in the dossier's trail, and told to the receiving agency's officers and the citizen, not only
written in the notification log; a replayed notification records nothing twice."""
from __future__ import annotations

import pytest
from conftest import CITIZEN, OFFICERS, vn
from payment_support import configure, ipn_params
from sqlalchemy import select
from test_payments import _start

from engine.data.model import AuditEvent, User
from engine.data.notice_model import Notice
from engine.data.payment_model import PaymentRefund
from engine.law.statuses import Status

RECEIVER = OFFICERS["intake"]


@pytest.fixture
def backend():
    return "sqlite"  # nothing here is PostgreSQL's own


def _at(api, clock, when):
    clock.set(when)
    api.tokens.clear()


def _received(api, clock) -> str:
    _at(api, clock, vn(2027, 3, 1, 9, 0))
    code = api.file(CITIZEN)["code"]
    api.act(RECEIVER, code, "receive")
    return code


def _recorded(app, code: str) -> dict:
    """The refunds, the trail's refund events and the refund notices (by the username told) of dossier ``code``."""
    with app.extensions["tthc"]["sessions"]() as s:
        refunds = [(r.amount, r.reason) for r in s.scalars(select(PaymentRefund).order_by(PaymentRefund.id))]
        events = [e.data for e in s.scalars(select(AuditEvent).where(AuditEvent.action == "payment_refunded")
                                            .order_by(AuditEvent.id))]
        told = sorted(s.scalars(select(User.username).join(Notice, Notice.user_id == User.id)
                                .where(Notice.event == "refunded")))
    return {"refunds": refunds, "events": events, "told": told}


def _ipn(api, app, ref: str) -> str:
    return api.get("/api/v1/payments/vnpay/ipn", query_string=ipn_params(app, ref, 100000)).get_json()["RspCode"]


def test_d26_money_taken_online_after_a_desk_payment_is_a_refund_recorded_audited_and_told_once(app, api, clock):
    """D26: paid at the desk while an online order was open, then the gateway takes the money too: one refund
    of 100.000 đ naming the order, one refund event in the trail, a notice to the receiving officer and to the
    citizen; the gateway's replay of the same notification adds nothing."""
    configure(app)
    code = _received(api, clock)
    _s, order = _start(api, code)
    api.post(f"/api/v1/dossiers/{code}/payments/desk", RECEIVER, json={"amount": 100000, "method": "cash"})
    _at(api, clock, vn(2027, 3, 1, 9, 10))
    assert _ipn(api, app, order["vnp_TxnRef"]) == "02"
    first = _recorded(app, code)
    assert len(first["refunds"]) == 1 and first["refunds"][0][0] == 100000
    assert order["vnp_TxnRef"] in first["refunds"][0][1] and "nộp tại quầy" in first["refunds"][0][1]
    assert [(e["amount"], e["order"]) for e in first["events"]] == [(100000, order["vnp_TxnRef"])]
    assert RECEIVER in first["told"] and CITIZEN in first["told"]
    d = api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()
    assert [(p["status"], p["method"]) for p in d["payments"]] == [("paid", "cash")]  # the fee stays paid once
    # the money owed back is on the dossier, for the citizen, the desk and the API (it was in no page nor answer)
    [refund] = [p["refund"] for p in d["payments"]]
    assert refund["amount"] == 100000 and order["vnp_TxnRef"] in refund["reason"], refund
    from web_support import Web, text_of
    for who, path in ((CITIZEN, f"/ca-nhan/ho-so/{code}"), (RECEIVER, f"/can-bo/ho-so/{code}")):
        page = text_of(Web(app.test_client()).login(who).get(path))
        assert "Hoàn trả cho người nộp: 100.000 đ" in page, (who, page[page.find("Phí, lệ phí"):][:600])
    _at(api, clock, vn(2027, 3, 1, 9, 20))
    assert _ipn(api, app, order["vnp_TxnRef"]) == "02"
    assert _recorded(app, code) == first


def test_d26_money_taken_after_the_dossier_was_withdrawn_is_a_refund_recorded_once(app, api, clock):
    """D26: the citizen started paying, then withdrew the dossier; the gateway's success comes after: the money
    is owed back (recorded, audited, told), once."""
    configure(app)
    code = _received(api, clock)
    _s, order = _start(api, code)
    r = api.post(f"/api/v1/dossiers/{code}/withdraw", CITIZEN, json={"reason": "Không kinh doanh nữa"})
    assert r.status_code == 200 and r.get_json()["status"] == Status.WITHDRAWN
    assert _recorded(app, code)["refunds"] == []  # nothing was paid yet: nothing to give back
    _at(api, clock, vn(2027, 3, 1, 9, 30))
    assert _ipn(api, app, order["vnp_TxnRef"]) == "02"
    first = _recorded(app, code)
    assert len(first["refunds"]) == 1 and first["refunds"][0][0] == 100000
    assert [e["order"] for e in first["events"]] == [order["vnp_TxnRef"]]
    assert RECEIVER in first["told"]
    assert _ipn(api, app, order["vnp_TxnRef"]) == "02"
    assert _recorded(app, code) == first


def test_d26_a_fee_paid_twice_then_withdrawn_gives_both_back_without_a_crash(app, api, clock):
    """D26: the second payment's refund and the withdrawal's refund of the fee itself are both given back (one
    refund row per fee: 200.000 đ, both reasons), not a 500 on the second refund of the same fee."""
    configure(app)
    code = _received(api, clock)
    _s, order = _start(api, code)
    api.post(f"/api/v1/dossiers/{code}/payments/desk", RECEIVER, json={"amount": 100000, "method": "cash"})
    assert _ipn(api, app, order["vnp_TxnRef"]) == "02"
    _at(api, clock, vn(2027, 3, 1, 10, 0))
    r = api.post(f"/api/v1/dossiers/{code}/withdraw", CITIZEN, json={"reason": "Không kinh doanh nữa"})
    assert r.status_code == 200 and r.get_json()["payments"][0]["status"] == "refunded", r.get_json()
    after = _recorded(app, code)
    assert len(after["refunds"]) == 1 and after["refunds"][0][0] == 200000
    assert "Không kinh doanh nữa" in after["refunds"][0][1] and order["vnp_TxnRef"] in after["refunds"][0][1]
    assert [e["amount"] for e in after["events"]] == [100000, 100000]


def test_the_refund_notices_say_it_will_be_refunded_and_the_desk_is_asked_to_give_it_back(app, api, clock):
    """The notices said "is refunded" the moment the money was taken twice, and told the officer, who gives it
    back, the same words (found by a review): the citizen reads it will be refunded; the desk, that it refunds."""
    configure(app)
    code = _received(api, clock)
    _s, order = _start(api, code)
    api.post(f"/api/v1/dossiers/{code}/payments/desk", RECEIVER, json={"amount": 100000, "method": "cash"})
    assert _ipn(api, app, order["vnp_TxnRef"]) == "02"
    with app.extensions["tthc"]["sessions"]() as s:
        bodies = dict(s.execute(select(User.username, Notice.body).join(Notice, Notice.user_id == User.id)
                                .where(Notice.event == "refunded")).all())
    assert "sẽ được hoàn trả" in bodies[CITIZEN] and "Bộ phận tiếp nhận hoàn trả" not in bodies[CITIZEN]
    assert "sẽ được hoàn trả. Bộ phận tiếp nhận hoàn trả khoản tiền này cho người nộp, rồi ghi nhận" in bodies[RECEIVER]
