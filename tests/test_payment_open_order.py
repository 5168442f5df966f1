"""A second press of "pay online" while the first order is still open at the gateway (D26).

The gateway keeps an order open 15 minutes (VNPay's vnp_ExpireDate). Within them the citizen may have paid it a
moment ago, its notification not come yet: a second order could take the money again, given back only later by
the desk. The portal's button says so and asks the citizen to confirm that the first order took no money; the
JSON API's contract (a fresh order each call) is unchanged.

Times: the dossier is received Monday 23/11/2026 09:00 (Vietnam); the first order is opened at 09:00.
"""
from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from conftest import CITIZEN
from payment_support import configure, ipn_params
from test_payments_followups import _web_received
from web_support import text_of

from engine.cases import gateways


@pytest.fixture
def backend():
    """Pages and use cases only: nothing here is database-specific (test_payments runs both databases)."""
    return "sqlite"


def _press(citizen, code: str, status: int = 303, **form):
    """The pay button: 303 to the gateway, or 302 back to the dossier's page with the refusal said."""
    return citizen.post(f"/ca-nhan/ho-so/{code}/thanh-toan", form, status=status)


def _ref(response) -> str | None:
    return parse_qs(urlparse(response.headers["Location"]).query).get("vnp_TxnRef", [None])[0]


def test_a_second_press_within_the_orders_life_asks_first(app, api, clock):
    configure(app)
    citizen, code = _web_received(app)
    first = _ref(_press(citizen, code))
    assert first is not None
    page = citizen.get(f"/ca-nhan/ho-so/{code}")
    shown = text_of(page)
    assert "Bạn đã mở một giao dịch thanh toán lúc 23/11/2026 09:00" in shown
    assert 'name="again"' in page.get_data(as_text=True) and "Thanh toán lại" in shown

    clock.advance(minutes=5)  # 09:05: the citizen presses again without saying the first took nothing
    refused = _press(citizen, code, status=302)
    assert _ref(refused) is None and refused.headers["Location"].endswith(f"/ca-nhan/ho-so/{code}")
    said = text_of(citizen.get(f"/ca-nhan/ho-so/{code}"))
    assert "lúc 09:00 ngày 23/11/2026, còn hiệu lực đến 09:15" in said
    fees = api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()["payments"]
    assert [p["status"] for p in fees] == ["pending"]

    second = _ref(_press(citizen, code, again="1"))  # confirmed: a new order, the first still known
    assert second is not None and second != first
    # the first order paid after all: its money is owed back, as before (nothing lost either way)
    paid = api.get("/api/v1/payments/vnpay/ipn", query_string=ipn_params(app, second, 100000))
    assert paid.get_json()["RspCode"] == "00"
    late = api.get("/api/v1/payments/vnpay/ipn", query_string=ipn_params(app, first, 100000, number="14000002"))
    assert late.get_json()["RspCode"] == "02"
    refund = api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()["payments"][0]["refund"]
    assert refund is not None and refund["amount"] == 100000


def test_after_the_orders_life_or_its_failure_the_button_pays_at_once(app, api, clock):
    configure(app)
    citizen, code = _web_received(app)
    first = _ref(_press(citizen, code))
    clock.advance(minutes=15)  # 09:15: the gateway no longer takes the first order
    assert gateways.ORDER_LIFE.total_seconds() == 15 * 60
    page = citizen.get(f"/ca-nhan/ho-so/{code}").get_data(as_text=True)
    assert 'id="payment-open"' not in page and 'name="again"' not in page
    second = _ref(_press(citizen, code))
    assert second is not None and second != first
    # the gateway says the second order took nothing: the fee is owed again, with no order open
    clock.advance(minutes=1)
    answer = api.get("/api/v1/payments/vnpay/ipn", query_string=ipn_params(app, second, 100000, paid=False))
    assert answer.get_json()["RspCode"] == "00"
    assert 'id="payment-open"' not in citizen.get(f"/ca-nhan/ho-so/{code}").get_data(as_text=True)
    assert _ref(_press(citizen, code)) is not None


def test_the_api_still_makes_a_fresh_order_each_call(app, api, clock):
    """api.md "Payments": POST /dossiers/{code}/payments answers 201 with a new redirect each time."""
    configure(app)
    _citizen, code = _web_received(app)
    urls = []
    for _ in range(2):
        r = api.post(f"/api/v1/dossiers/{code}/payments", CITIZEN)
        assert r.status_code == 201, r.get_json()
        urls.append(r.get_json()["redirect_url"])
    assert urls[0] != urls[1]


def test_the_english_page_says_it_in_english(app, clock):
    configure(app)
    citizen, code = _web_received(app)
    _press(citizen, code)
    citizen.post("/ngon-ngu", {"lang": "en"}, status=302)
    shown = text_of(citizen.get(f"/ca-nhan/ho-so/{code}"))
    assert "You opened a payment at" in shown and "Pay again" in shown
    _press(citizen, code, status=302)
    assert "Your earlier payment is still open at the gateway" in text_of(citizen.get(f"/ca-nhan/ho-so/{code}"))
