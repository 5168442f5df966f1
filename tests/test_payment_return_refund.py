"""D26: the citizen starts paying a fee online, the fee is then paid at the desk, and the gateway takes the money as
well: back from the gateway, the return page says the fee was settled otherwise and the amount is refunded (the
IPN log flags the refund). It said "no confirmation yet, look again in a few minutes", for ever."""
from __future__ import annotations

import pytest
from payment_support import configure, ipn_params
from test_payments_followups import _pay, _web_received
from web_support import Web, text_of

REFUNDED = "số tiền bạn vừa thanh toán qua cổng sẽ được hoàn trả"


@pytest.fixture
def backend():
    return "sqlite"


def _back(citizen: Web, code: str, params: dict, english: bool = False) -> str:
    """The page the browser lands on when the gateway sends it back with ``params``."""
    if english:
        citizen.post("/ngon-ngu", {"lang": "en"}, status=302)
    location = citizen.get(f"/ca-nhan/ho-so/{code}/thanh-toan/ket-qua", query_string=params,
                           status=302).headers["Location"]
    return text_of(citizen.get(location.split("#")[0]))


def test_a_gateway_payment_for_a_fee_paid_at_the_desk_meanwhile_is_said_to_be_refunded(app, api):
    configure(app)
    citizen, code = _web_received(app)
    ref = _pay(citizen, code)
    officer = Web(app.test_client()).login("demo.tiepnhan")
    officer.post(f"/can-bo/ho-so/{code}/thu-phi", {"amount": "100000", "method": "cash"}, status=302)
    params = ipn_params(app, ref, 100000)
    assert api.get("/api/v1/payments/vnpay/ipn", query_string=params).get_json()["RspCode"] == "02"
    page = _back(citizen, code, params)
    assert REFUNDED in page and "Chưa nhận được xác nhận thanh toán" not in page
    assert "will be refunded" in _back(citizen, code, params, english=True)


def test_the_return_page_of_an_unconfirmed_payment_still_says_to_look_again(app):
    configure(app)
    citizen, code = _web_received(app)
    ref = _pay(citizen, code)
    page = _back(citizen, code, ipn_params(app, ref, 100000))  # the IPN has not arrived yet
    assert "Chưa nhận được xác nhận thanh toán" in page and REFUNDED not in page


def test_an_abandoned_order_of_a_fee_paid_by_another_order_does_not_ask_to_pay_again(app, api):
    """Two tabs, two orders: B paid, A cancelled at the gateway. A's return said "payment failed, you may pay again"
    above a fee panel saying paid (found by a review)."""
    configure(app)
    citizen, code = _web_received(app)
    abandoned, paid = _pay(citizen, code), _pay(citizen, code, again=True)  # the second tab: "pay again"
    assert api.get("/api/v1/payments/vnpay/ipn", query_string=ipn_params(app, paid, 100000)).get_json()["RspCode"] == "00"
    page = _back(citizen, code, ipn_params(app, abandoned, 100000, paid=False, number="14000002"))
    assert "bạn không cần thanh toán lại" in page and "Bạn có thể thanh toán lại" not in page, page


def test_an_abandoned_order_of_a_fee_paid_at_the_desk_does_not_ask_to_pay_again(app):
    configure(app)
    citizen, code = _web_received(app)
    ref = _pay(citizen, code)
    officer = Web(app.test_client()).login("demo.tiepnhan")
    officer.post(f"/can-bo/ho-so/{code}/thu-phi", {"amount": "100000", "method": "cash"}, status=302)
    page = _back(citizen, code, ipn_params(app, ref, 100000, paid=False))
    assert "bạn không cần thanh toán lại" in page and "Bạn có thể thanh toán lại" not in page, page
    assert "you do not need to pay again" in _back(citizen, code, ipn_params(app, ref, 100000, paid=False),
                                                   english=True)


def test_an_abandoned_order_of_a_dossier_withdrawn_since_says_nothing_is_owed(app, api):
    configure(app)
    citizen, code = _web_received(app)
    ref = _pay(citizen, code)
    assert api.post(f"/api/v1/dossiers/{code}/withdraw", "001099000001",
                    json={"reason": "Tôi không cần nữa"}).status_code == 200
    page = _back(citizen, code, ipn_params(app, ref, 100000, paid=False))
    assert "Khoản phí không còn phải nộp" in page and "Bạn có thể thanh toán lại" not in page, page


def test_an_abandoned_order_of_an_owed_fee_still_offers_to_pay_again(app):
    configure(app)
    citizen, code = _web_received(app)
    ref = _pay(citizen, code)
    assert "Bạn có thể thanh toán lại" in _back(citizen, code, ipn_params(app, ref, 100000, paid=False))
