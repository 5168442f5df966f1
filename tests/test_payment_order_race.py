"""A fee settled at the very moment the citizen starts an online order (D26, D32).

* D26: the gateway's notification (IPN) is the truth, idempotent; api.md Payments: a replay changes nothing. The
  citizen presses "pay online" (Mon 23/11/2026 09:40, the 100.000 đ intake fee owed since 09:30) while the
  receiving officer records it paid in cash, or while the IPN of the citizen's first order lands: the new order is
  refused (409 ``no_payment_due``: nothing is owed any more), no order is made, and the settled fee keeps how it
  was paid — cash stays cash (D32 counts it at the desk), the first order stays the one that paid, and its
  replayed IPN is a replay, not money to give back.
* D26: two orders started while the fee was owed, both paid: the one paid second is flagged "cần hoàn trả", the
  one that paid is not, however often its IPN comes again.

Deterministic: the other request runs to its commit, on its own thread and connection, when start_online has
read the pending fee and asks for the agency's gateway (payments.gateway_of), before it writes anything.
"""
from __future__ import annotations

import threading
from urllib.parse import parse_qs, urlparse

from conftest import CITIZEN, OFFICERS, vn
from payment_support import configure, ipn_params
from sqlalchemy import select

from engine.cases import payments
from engine.data.model import Dossier
from engine.data.payment_model import Payment, PaymentEvent, PaymentOrder
from engine.law.statuses import Status

RECEIVER = OFFICERS["intake"]
REFUND = "cần hoàn trả"


def _at(api, clock, when) -> None:
    clock.set(when)
    api.tokens.clear()


def _owing(api, clock) -> str:
    """Filed Mon 23/11/2026 09:00, received 09:30: the 100.000 đ intake fee is owed (status 6)."""
    _at(api, clock, vn(2026, 11, 23, 9, 0))
    code = api.file(CITIZEN)["code"]
    _at(api, clock, vn(2026, 11, 23, 9, 30))
    d = api.act(RECEIVER, code, "receive")
    assert d["status"] == Status.PAYMENT and d["payments"][0]["amount"] == 100000
    return code


def _ref(r) -> str:
    assert r.status_code == 201, r.get_json()
    return parse_qs(urlparse(r.get_json()["redirect_url"]).query)["vnp_TxnRef"][0]


def _start_while(app, api, monkeypatch, code: str, other) -> tuple:
    """The citizen starts an online order; ``other(client)`` runs to its commit in between (see the module)."""
    done: dict = {}
    real = payments.gateway_of

    def in_between(session, agency_id):
        if not done:
            done["started"] = True
            thread = threading.Thread(target=lambda: done.setdefault("other", other(app.test_client())))
            thread.start()
            thread.join(60)
        return real(session, agency_id)

    monkeypatch.setattr(payments, "gateway_of", in_between)
    try:
        r = api.post(f"/api/v1/dossiers/{code}/payments", CITIZEN, json={})
    finally:
        monkeypatch.setattr(payments, "gateway_of", real)
    assert "other" in done, "the other request did not run inside start_online"
    return r, done["other"]


def _rows(app, code: str) -> tuple[list[Payment], list[str]]:
    """The dossier's fees and the references of their online orders."""
    with app.extensions["tthc"]["sessions"]() as session:
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        rows = list(session.scalars(select(Payment).where(Payment.dossier_id == dossier.id)))
        refs = list(session.scalars(select(PaymentOrder.ref).where(PaymentOrder.payment_id.in_([p.id for p in rows]))
                                    .order_by(PaymentOrder.created_at)))
        session.expunge_all()
        return rows, refs


def _messages(app, ref: str) -> list[str]:
    with app.extensions["tthc"]["sessions"]() as session:
        return list(session.scalars(select(PaymentEvent.message).where(PaymentEvent.order_ref == ref)
                                    .order_by(PaymentEvent.id)))


def _return_state(app, code: str, params: dict) -> str:
    """What the return page tells the citizen coming back from the gateway with ``params``."""
    with app.extensions["tthc"]["sessions"]() as session:
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        return payments.return_state(session, app.extensions["tthc"]["settings"], dossier, params)


def _ipn(app, params: dict) -> dict:
    return app.test_client().get("/api/v1/payments/vnpay/ipn", query_string=params).get_json()


def test_cash_at_the_desk_while_the_citizen_starts_an_online_order_stays_cash(app, api, clock, monkeypatch):
    configure(app)
    code = _owing(api, clock)
    _at(api, clock, vn(2026, 11, 23, 9, 40))
    desk_headers = api.headers(RECEIVER)

    def cash(client):
        answer = client.post(f"/api/v1/dossiers/{code}/payments/desk", headers=desk_headers,
                             json={"amount": 100000, "method": "cash"})
        return answer.status_code, answer.get_json()

    r, (desk_status, desk_body) = _start_while(app, api, monkeypatch, code, cash)
    assert desk_status == 201, desk_body
    # nothing is owed any more: the citizen is not sent to pay it again
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "no_payment_due", r.get_json()
    rows, refs = _rows(app, code)
    assert [(p.status, p.method, p.gateway, p.order_ref) for p in rows] == [("paid", "cash", None, None)]
    assert refs == []  # no order was made
    shown = api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()
    assert shown["status"] == Status.PROCESSING
    assert [(p["status"], p["method"]) for p in shown["payments"]] == [("paid", "cash")]


def test_the_first_order_paid_while_a_second_is_started_stays_the_one_that_paid(app, api, clock, monkeypatch):
    configure(app)
    code = _owing(api, clock)
    _at(api, clock, vn(2026, 11, 23, 9, 35))
    first = _ref(api.post(f"/api/v1/dossiers/{code}/payments", CITIZEN, json={}))
    _at(api, clock, vn(2026, 11, 23, 9, 40))
    paid = ipn_params(app, first, 100000, number="14000001")

    r, answer = _start_while(app, api, monkeypatch, code, lambda client: client.get(
        "/api/v1/payments/vnpay/ipn", query_string=paid).get_json())
    assert answer == {"RspCode": "00", "Message": "Confirm Success"}
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "no_payment_due", r.get_json()
    rows, refs = _rows(app, code)
    assert [(p.status, p.method, p.order_ref, p.transaction_no) for p in rows] == [
        ("paid", "online", first, "14000001")]
    assert refs == [first]
    # the gateway repeats the IPN of the order that paid: a replay, nothing to give back
    assert _ipn(app, paid)["RspCode"] == "02"
    assert not [m for m in _messages(app, first) if REFUND in m]
    assert _return_state(app, code, paid) == "paid"


def test_of_two_orders_the_one_paid_second_is_flagged_for_refund_not_the_one_that_paid(app, api, clock):
    configure(app)
    code = _owing(api, clock)
    _at(api, clock, vn(2026, 11, 23, 9, 35))
    first = _ref(api.post(f"/api/v1/dossiers/{code}/payments", CITIZEN, json={}))
    _at(api, clock, vn(2026, 11, 23, 9, 36))  # another tab: a second order of the same fee
    second = _ref(api.post(f"/api/v1/dossiers/{code}/payments", CITIZEN, json={}))
    _at(api, clock, vn(2026, 11, 23, 9, 40))
    paid_first = ipn_params(app, first, 100000, number="14000001")
    assert _ipn(app, paid_first)["RspCode"] == "00"
    _at(api, clock, vn(2026, 11, 23, 9, 45))
    paid_second = ipn_params(app, second, 100000, number="14000002")
    assert _ipn(app, paid_second)["RspCode"] == "02"
    assert [m for m in _messages(app, second) if REFUND in m and first in m]
    assert _ipn(app, paid_first)["RspCode"] == "02"  # replayed
    assert not [m for m in _messages(app, first) if REFUND in m]
    rows, _refs = _rows(app, code)
    assert [(p.status, p.order_ref, p.transaction_no) for p in rows] == [("paid", first, "14000001")]
    assert _return_state(app, code, paid_first) == "paid"
    assert _return_state(app, code, paid_second) == "refund"
