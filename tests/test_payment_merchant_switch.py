"""An agency that changes its VNPay account keeps the payments its former account took (D26: "the gateway's
notification is the truth"). Ward A (UBND phường An Cựu) takes fees through merchant ANCUU01; a citizen starts
paying Monday 23/11/2026 09:40 (order taken by ANCUU01, signed with its secret); at 09:42 the ward's administrator
moves the ward to a new account, ANCUU02, with its own secret; at 09:45 VNPay notifies the payment of the first
order, signed by ANCUU01 as it was paid there. It was refused as a bad signature (the engine checked it with the
new account's secret and merchant): the citizen had paid and the fee stayed owed. Now the order keeps the merchant
that took it; a new order goes to the new account.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from conftest import vn
from test_offers import DEMO, WARD_A, province, put_offers  # noqa: F401 (province: a fixture)
from test_payment_secret_per_merchant import (WARD_MERCHANT, WARD_SECRET, _gateways, _ipn, _post,
                                              _received_at, _start, _status)

from engine.cases import payments
from engine.data import agencies
from engine.data.payment_model import PaymentOrder
from engine.law.statuses import Status

NEW_MERCHANT, NEW_SECRET = "ANCUU02", "an-cuu-second-account-secret"


@pytest.fixture
def settings(settings):
    """Both of ward A's accounts have their secret configured (``[payment_secrets]``)."""
    return settings.replace(payment_secrets=((WARD_MERCHANT, WARD_SECRET), (NEW_MERCHANT, NEW_SECRET)))


def _switch(app, clock) -> None:
    with app.extensions["tthc"]["sessions"].begin() as session:
        payments.configure(session, agencies.by_code(session, WARD_A).id, "vnpay", clock.now(), NEW_MERCHANT,
                           "http://127.0.0.1:9/pay")


def test_an_order_taken_by_the_former_account_is_settled_after_the_switch(api, province, app, clock):  # noqa: F811
    assert put_offers(api, {"agencies": [DEMO, WARD_A]}).status_code == 200
    _gateways(app)
    d = _received_at(api, clock, WARD_A, "a.canbo")
    clock.set(vn(2026, 11, 23, 9, 40))
    ref = _start(api, d["code"])["vnp_TxnRef"]
    clock.set(vn(2026, 11, 23, 9, 42))
    _switch(app, clock)
    clock.set(vn(2026, 11, 23, 9, 45))
    assert _post(api, _ipn(app, ref, NEW_SECRET, NEW_MERCHANT)) == "97"  # not the account that took it
    assert _post(api, _ipn(app, ref, WARD_SECRET, WARD_MERCHANT)) == "00"
    assert _status(api, d["code"]) == (Status.PROCESSING, "paid")
    with app.extensions["tthc"]["sessions"]() as session:
        assert session.scalar(select(PaymentOrder.merchant).where(PaymentOrder.ref == ref)) == WARD_MERCHANT


def test_a_new_order_after_the_switch_goes_to_the_new_account(api, province, app, clock):  # noqa: F811
    assert put_offers(api, {"agencies": [DEMO, WARD_A]}).status_code == 200
    _gateways(app)
    d = _received_at(api, clock, WARD_A, "a.canbo")
    clock.set(vn(2026, 11, 23, 9, 42))
    _switch(app, clock)
    query = _start(api, d["code"])
    assert query["vnp_TmnCode"] == NEW_MERCHANT
    clock.set(vn(2026, 11, 23, 9, 45))
    assert _post(api, _ipn(app, query["vnp_TxnRef"], WARD_SECRET, WARD_MERCHANT)) == "97"
    assert _post(api, _ipn(app, query["vnp_TxnRef"], NEW_SECRET, NEW_MERCHANT)) == "00"
    assert _status(api, d["code"]) == (Status.PROCESSING, "paid")
