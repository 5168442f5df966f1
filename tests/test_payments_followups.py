"""Payment follow-ups (D26, D16): a gateway's success for a dossier withdrawn meanwhile is flagged for refund (the
IPN log and the reconciliation), the return page answers only for the citizen's own dossier's order, and an
unpaid fee claims no method on the dossier page (Vietnamese and English) nor in the API."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest
from conftest import CITIZEN
from payment_support import configure, ipn_params
from sqlalchemy import select
from test_payment_records import _reconcile
from test_payments import _received, _start
from web_support import Web, other_citizen, text_of

from engine.data.payment_model import PaymentEvent
from engine.law.statuses import Status

REFUND_AFTER_END = ("Khoản phí không còn phải nộp (hồ sơ đã kết thúc mà không giải quyết: từ chối, rút hoặc dừng): "
                    "cần hoàn trả (paid after the dossier ended)")


@pytest.fixture
def backend():
    """Use cases and pages alike on both databases (tests/test_payments.py runs both): nothing here is
    database-specific."""
    return "sqlite"


def _last_event(app) -> PaymentEvent:
    with app.extensions["tthc"]["sessions"]() as session:
        return session.scalars(select(PaymentEvent).order_by(PaymentEvent.id.desc())).first()


def test_a_success_arriving_after_the_dossier_was_withdrawn_is_flagged_for_refund(app, api, clock, settings,
                                                                                  tmp_path):
    """The citizen starts paying, withdraws the dossier (the fee owed becomes ``failed``), then the gateway's
    success arrives: the answer stays the gateway's "02", and the log and the reconciliation say the money is to
    be given back (they said nothing / only "status differs": the order was still the fee's own)."""
    configure(app)
    d = _received(api, clock)
    _started, query = _start(api, d["code"])
    ref = query["vnp_TxnRef"]
    r = api.post(f"/api/v1/dossiers/{d['code']}/withdraw", CITIZEN, json={"reason": "Không kinh doanh nữa"})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["status"] == Status.WITHDRAWN and r.get_json()["payments"][0]["status"] == "failed"
    answer = api.get("/api/v1/payments/vnpay/ipn", query_string=ipn_params(app, ref, 100000))
    assert answer.get_json() == {"RspCode": "02", "Message": "Order already confirmed"}  # the gateway's format
    last = _last_event(app)
    assert last.order_ref == ref and last.verdict == "02" and last.message == REFUND_AFTER_END
    after = api.get(f"/api/v1/dossiers/{d['code']}", CITIZEN).get_json()
    assert [p["status"] for p in after["payments"]] == ["failed"] and "paid" not in [h["action"] for h in after["history"]]
    # the page says the fee is owed no more, not that a payment failed (the API's "failed" keeps its meaning)
    page = text_of(Web(app.test_client()).login(CITIZEN).get(f"/ca-nhan/ho-so/{d['code']}"))
    assert "Không còn phải nộp (hồ sơ đã kết thúc)" in page and "Không thành công" not in page
    api.get("/api/v1/payments/vnpay/ipn", query_string=ipn_params(app, ref, 100000, paid=False))
    assert _last_event(app).message == "Order already confirmed"  # a failure took nothing: nothing to give back
    result = _reconcile(settings, tmp_path, [f"{ref},14000001,10000000,20261123090000,00"])
    assert result.exit_code == 1, result.output
    assert result.output.splitlines()[0] == (
        f"{ref}: khoản phí không còn phải nộp (hồ sơ đã kết thúc mà không giải quyết: từ chối, rút hoặc dừng); "
        "đơn này đã được thanh toán, cần hoàn trả (paid after the dossier ended)")


def test_a_replayed_success_of_the_paid_order_asks_no_refund(app, api, clock):
    configure(app)
    d = _received(api, clock)
    _started, query = _start(api, d["code"])
    params = ipn_params(app, query["vnp_TxnRef"], 100000)
    assert api.get("/api/v1/payments/vnpay/ipn", query_string=params).get_json()["RspCode"] == "00"
    assert api.get("/api/v1/payments/vnpay/ipn", query_string=params).get_json()["RspCode"] == "02"
    assert _last_event(app).message == "Order already confirmed"


def _web_received(app) -> tuple[Web, str]:
    """A dossier filed by the citizen on the web and received by the desk: its fee is owed online (status 6)."""
    citizen = Web(app.test_client()).login(CITIZEN)
    code = citizen.file_code()
    Web(app.test_client()).login("demo.tiepnhan").act(code, "receive")
    return citizen, code


def _pay(citizen: Web, code: str, again: bool = False) -> str:
    """The citizen presses "pay online" (``again``: confirming that an order still open took no money): the order
    reference the engine sends the gateway."""
    r = citizen.post(f"/ca-nhan/ho-so/{code}/thanh-toan", {"again": "1"} if again else {}, status=303)
    return parse_qs(urlparse(r.headers["Location"]).query)["vnp_TxnRef"][0]


def test_the_return_page_answers_only_for_the_citizens_own_dossiers_order(app, clock):
    configure(app)
    citizen, mine = _web_received(app)
    _same, second = _web_received(app)
    ref = _pay(citizen, mine)
    back = f"/thanh-toan/ket-qua?vnp_TxnRef={ref}"
    location = citizen.get(f"/ca-nhan/ho-so/{mine}{back}", status=302).headers["Location"]
    assert "Chưa nhận được xác nhận thanh toán" in text_of(citizen.get(location.split("#")[0]))
    # the order of another dossier, even the citizen's own: the same "not found" as another's dossier
    wrong = text_of(citizen.get(f"/ca-nhan/ho-so/{second}{back}", status=404))
    assert "Không tìm thấy hồ sơ" in wrong
    unknown = text_of(citizen.get(f"/ca-nhan/ho-so/{mine}/thanh-toan/ket-qua?vnp_TxnRef=NO-SUCH-ORDER", status=404))
    assert unknown == wrong
    # the page opened again without the gateway's answer (a reload, a bookmark): the own dossier's fees, no 404
    bare = citizen.get(f"/ca-nhan/ho-so/{mine}/thanh-toan/ket-qua", status=302).headers["Location"]
    assert bare.endswith(f"/ca-nhan/ho-so/{mine}#payments"), bare
    assert "Không tìm thấy hồ sơ" in text_of(citizen.get(f"/ca-nhan/ho-so/{second}X/thanh-toan/ket-qua", status=404))
    other = other_citizen(app, clock)
    theirs = other.file_code()
    assert "Không tìm thấy hồ sơ" in text_of(other.get(f"/ca-nhan/ho-so/{theirs}{back}", status=404))
    assert "Không tìm thấy hồ sơ" in text_of(other.get(f"/ca-nhan/ho-so/{mine}{back}", status=404))


def _payment_row(citizen: Web, code: str) -> list[str]:
    """The cells of the fee's row on the citizen's dossier page."""
    html = citizen.get(f"/ca-nhan/ho-so/{code}").get_data(as_text=True)
    row = re.search(r'<tr class="payment payment-[a-z]+">(.*?)</tr>', html, re.S).group(1)
    return [re.sub(r"<[^>]+>|\s+", " ", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def test_an_unpaid_fee_claims_no_method_after_a_failed_online_attempt(app, api, clock):
    configure(app)
    citizen, code = _web_received(app)
    ref = _pay(citizen, code)
    assert _payment_row(citizen, code)[2:4] == ["Chờ thanh toán", "—"]  # started, not paid
    answer = app.test_client().get("/api/v1/payments/vnpay/ipn", query_string=ipn_params(app, ref, 100000, paid=False))
    assert answer.get_json()["RspCode"] == "00"
    assert _payment_row(citizen, code)[2:4] == ["Chờ thanh toán", "—"]  # was "Trực tuyến"
    citizen.post("/ngon-ngu", {"lang": "en"}, status=302)
    assert _payment_row(citizen, code)[2:4] == ["Awaiting payment", "—"]  # was "Online"
    assert api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()["payments"][0]["method"] is None
    # paid online at last: the method is the one the money came by
    ref = _pay(citizen, code)
    app.test_client().get("/api/v1/payments/vnpay/ipn", query_string=ipn_params(app, ref, 100000, number="14000002"))
    assert _payment_row(citizen, code)[2:4] == ["Paid", "Online"]
    assert api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()["payments"][0]["method"] == "online"
