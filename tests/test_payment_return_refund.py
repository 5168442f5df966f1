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
