"""Review of today's commits: the defects confirmed, each with the test that failed before its fix."""
from __future__ import annotations

import pytest

from conftest import CITIZEN, iso, vn
from test_calendar_notices import province  # noqa: F401 (fixture: the demo agency as the province's root)
from test_official_forms import at
from test_step_limit_replanning import ADMIN, RECEIVER, SPECIALIST, deploy, item_due


@pytest.fixture
def backend():
    return "sqlite"


# -- D30 with D29: a province's notice previewed over an agency whose own row keeps the day -----------------
def test_a_province_notice_previews_a_dossier_whose_agency_keeps_the_day_without_a_500(  # noqa: F811
        api, app, clock, province):
    """The demo agency, the province's root, already has Wed 25/11/2026 off in its own table; the province's
    notice names the same day. For the agency's dossiers nothing changes (the nearer row wins the day: an
    empty chain of calendars), but a dossier whose version gives a step its own limit was looked at through
    the chain's last calendar: the preview answered 500 (IndexError) instead of listing nothing for it.
    Applying the notice moves nothing either."""
    deploy(api, duration="10", unit="calendar_day", step_limit=("2", "working_day"))
    at(api, clock, vn(2026, 11, 23, 9, 0))
    code = api.file(CITIZEN)["code"]
    at(api, clock, vn(2026, 11, 23, 9, 30))
    api.act(RECEIVER, code, "receive")
    ward = {"agency": "000.00.06.H56",
            "days": [{"day": "2026-11-25", "kind": "off", "name": "Nghỉ của cơ quan"}]}
    r = api.post("/api/v1/calendar/apply", ADMIN, json=ward)
    assert r.status_code == 200, r.get_json()
    assert item_due(app, code) == vn(2026, 11, 27, 9, 30)
    whole = {"days": [{"day": "2026-11-25", "kind": "off", "name": "Nghỉ toàn tỉnh"}]}
    r = api.post("/api/v1/calendar/preview", ADMIN, json=whole)
    assert r.status_code == 200, r.get_data(as_text=True)[:500]
    assert [d for d in r.get_json()["dossiers"] if d["code"] == code] == []
    r = api.post("/api/v1/calendar/apply", ADMIN, json=whole)
    assert r.status_code == 200, r.get_json()
    assert item_due(app, code) == vn(2026, 11, 27, 9, 30)
    assert api.task_for(SPECIALIST, code)["due_at"] == iso(2026, 11, 27, 9, 30)


# -- D26, api.md "never a 500 for bad input": a signature that is not ASCII --------------------------------
@pytest.mark.parametrize("gateway, params", [
    ("vnpay", {"vnp_TxnRef": "khong-co", "vnp_Amount": "10000000", "vnp_SecureHash": "chữký"}),
    ("dvcqg", {"MaThamChieu": "khong-co", "SoTien": "100000", "MaXacThuc": "chữký"}),
])
def test_a_gateway_notification_with_a_signature_that_is_not_ascii_is_an_invalid_signature(
        api, gateway, params):
    """Anyone may call the IPN: a signature with a letter like 'ữ' made the comparison raise
    (hmac.compare_digest takes ASCII text only) and the gateway read a 500 'Lỗi hệ thống'. It is an invalid
    signature, answered and logged as every other (97)."""
    r = api.get(f"/api/v1/payments/{gateway}/ipn", query_string=params)
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    answer = r.get_json()
    assert answer.get("RspCode", answer.get("MaLoi")) == "97"


def test_the_return_page_with_a_signature_that_is_not_ascii_says_to_look_again(app):
    """The citizen's browser back from the gateway with a mangled signature (a proxy, a hand-edited address):
    the page of the return (engine/web/payments.py returned, which reads the signed return for the refund
    state) answered 500; it says, as for any unsigned return, that no confirmation has come yet."""
    from payment_support import configure
    from test_payments_followups import _pay, _web_received
    from web_support import text_of

    configure(app)
    citizen, code = _web_received(app)
    ref = _pay(citizen, code)
    r = citizen.get(f"/ca-nhan/ho-so/{code}/thanh-toan/ket-qua",
                    query_string={"vnp_TxnRef": ref, "vnp_Amount": "10000000", "vnp_ResponseCode": "00",
                                  "vnp_SecureHash": "chữký"}, status=None)
    assert r.status_code == 302, r.status_code
    page = text_of(citizen.get(r.headers["Location"].split("#")[0]))
    assert "Chưa nhận được xác nhận thanh toán" in page


# -- D26: the return page of a payment refunded since (withdrawn after the gateway's notification) ----------
def test_the_return_page_of_a_payment_refunded_since_says_it_is_refunded_not_to_look_again(app, api):
    """The gateway's notification recorded the payment, then the citizen withdrew the dossier and the fee was
    refunded (refund_paid: status refunded, the same order) before the browser came back: the page said 'no
    confirmation yet, look again in a few minutes' for ever, as today's commit meant to end for money that is
    given back."""
    from payment_support import configure, ipn_params
    from test_payment_return_refund import REFUNDED, _back
    from test_payments_followups import _pay, _web_received

    configure(app)
    citizen, code = _web_received(app)
    ref = _pay(citizen, code)
    params = ipn_params(app, ref, 100000)
    assert api.get("/api/v1/payments/vnpay/ipn", query_string=params).get_json()["RspCode"] == "00"
    r = api.post(f"/api/v1/dossiers/{code}/withdraw", CITIZEN, json={"reason": "Không kinh doanh nữa"})
    assert r.status_code == 200, r.get_json()
    page = _back(citizen, code, params)
    assert REFUNDED in page and "Chưa nhận được xác nhận thanh toán" not in page


# -- the history's "System" on English pages: a person whose name is the engine's word ----------------------
def test_a_person_named_like_the_engines_own_word_is_not_called_system_on_english_pages(app, api):
    """ACTOR_TEXT translated every actor whose name equals "Hệ thống", the name the audit trail gives the
    engine's own steps: a citizen registered under that name (any 2–255 characters are a name) read on the
    English page that they did not file their own dossier, "System" did. Only an event without a person (the
    engine's) is "System"; a person's name stays as written."""
    from sqlalchemy import update

    from engine.data.model import User
    from test_page_language import in_language
    from web_support import Web, text_of

    with app.extensions["tthc"]["sessions"].begin() as session:
        session.execute(update(User).where(User.username == CITIZEN).values(full_name="Hệ thống"))
    code = api.file(CITIZEN)["code"]
    citizen = Web(app.test_client()).login(CITIZEN)
    english = text_of(in_language(citizen, "en", f"/ca-nhan/ho-so/{code}"))
    assert "— Hệ thống · Submitted" in english and "— System" not in english
    history = api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()["history"]
    assert history[0]["actor"] == "Hệ thống"  # the JSON API unchanged
