"""Fees settled once, when the money was paid, and told to the citizen (D26, D28, D32).

* D26: the gateway's notification (IPN) is the truth and idempotent: the same signed IPN arriving four times at
  once settles the fee once (one receipt, one notice); two orders of the same fee paid at once: one settles it,
  the other is answered "already" and flagged to give back — on SQLite as on PostgreSQL.
* D26, D32: the fee is paid when the gateway says the citizen paid (vnp_PayDate, ThoiGianGD), not when its
  notification arrives: paid 30/11/2026 23:59:50, notified 01/12/2026 00:00:20, it is November's payment.
* D28: a fee paid or exempted moves the appointment by the time spent waiting; the citizen's notice says the new
  one.
"""
from __future__ import annotations

import threading
from urllib.parse import parse_qs, urlparse

from conftest import CITIZEN, OFFICERS, STEP_DATA, iso, vn
from payment_support import configure, ipn_params
from sqlalchemy import select
from test_fees import _deploy
from test_payment_records import _reconcile

from engine.cases.gateways import Dvcqg, VnPay
from engine.core.clock import VN_TZ
from engine.data.notice_model import Notice
from engine.data.payment_model import PaymentEvent
from engine.law.statuses import Status

RECEIVER = OFFICERS["intake"]


def _at(api, clock, when) -> None:
    clock.set(when)
    api.tokens.clear()


def _waiting(api, clock) -> dict:
    """Filed and received Mon 23/11/2026 09:30: the 100.000 đ intake fee is owed (status 6)."""
    _at(api, clock, vn(2026, 11, 23, 9, 0))
    code = api.file(CITIZEN)["code"]
    _at(api, clock, vn(2026, 11, 23, 9, 30))
    d = api.act(RECEIVER, code, "receive")
    assert d["status"] == Status.PAYMENT
    return d


def _order(api, code: str) -> str:
    r = api.post(f"/api/v1/dossiers/{code}/payments", CITIZEN, json={})
    assert r.status_code == 201, r.get_json()
    return parse_qs(urlparse(r.get_json()["redirect_url"]).query)["vnp_TxnRef"][0]


def _signed(app, ref: str, pay_date: str, number: str = "14000001") -> dict:
    params = {**ipn_params(app, ref, 100000, number=number), "vnp_PayDate": pay_date}
    params["vnp_SecureHash"] = VnPay.sign(params, app.extensions["tthc"]["settings"].payment_secret)
    return params


def _race(app, params_list) -> list[dict]:
    """The IPNs sent at the same instant, each from its own thread and connection."""
    barrier = threading.Barrier(len(params_list))
    out: list = [None] * len(params_list)

    def send(i, params):
        client = app.test_client()
        barrier.wait()
        out[i] = client.get("/api/v1/payments/vnpay/ipn", query_string=params).get_json()

    threads = [threading.Thread(target=send, args=(i, p)) for i, p in enumerate(params_list)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def _paid_notices(app, code: str) -> list[Notice]:
    with app.extensions["tthc"]["sessions"]() as session:
        return list(session.scalars(select(Notice).where(Notice.event == "paid", Notice.title.contains(code))))


def test_the_same_ipn_four_times_at_once_settles_the_fee_once(app, api, clock):
    configure(app)
    d = _waiting(api, clock)
    ref = _order(api, d["code"])
    _at(api, clock, vn(2026, 11, 23, 9, 40))
    params = _signed(app, ref, "20261123094000")
    answers = _race(app, [params] * 4)
    assert sorted(a["RspCode"] for a in answers) == ["00", "02", "02", "02"], answers
    after = api.get(f"/api/v1/dossiers/{d['code']}", CITIZEN).get_json()
    assert after["status"] == Status.PROCESSING
    assert [h["action"] for h in after["history"]].count("paid") == 1
    assert [doc["number"] for doc in after["documents"] if doc["kind"] == "fee_receipt"] == ["1/BLĐT"]
    assert len(_paid_notices(app, d["code"])) == 1


def test_two_orders_of_one_fee_paid_at_once_one_settles_the_other_is_given_back(app, api, clock):
    configure(app)
    d = _waiting(api, clock)
    first, second = _order(api, d["code"]), _order(api, d["code"])
    _at(api, clock, vn(2026, 11, 23, 9, 40))
    answers = _race(app, [_signed(app, first, "20261123093800", "1"), _signed(app, second, "20261123093900", "2")])
    assert sorted(a["RspCode"] for a in answers) == ["00", "02"], answers
    after = api.get(f"/api/v1/dossiers/{d['code']}", CITIZEN).get_json()
    assert [h["action"] for h in after["history"]].count("paid") == 1
    assert len([doc for doc in after["documents"] if doc["kind"] == "fee_receipt"]) == 1
    with app.extensions["tthc"]["sessions"]() as session:
        messages = [e.message for e in session.scalars(select(PaymentEvent).where(PaymentEvent.verdict == "02"))]
    assert len(messages) == 1 and "cần hoàn trả (paid twice)" in messages[0], messages


def test_paid_before_midnight_notified_after_is_paid_when_the_gateway_says(app, api, clock, settings, tmp_path):
    configure(app)
    d = _waiting(api, clock)
    ref = _order(api, d["code"])
    params = _signed(app, ref, "20261130235950")
    _at(api, clock, vn(2026, 12, 1, 0, 0, 20))  # the notification comes 30 s later, another day and month
    assert api.get("/api/v1/payments/vnpay/ipn", query_string=params).get_json()["RspCode"] == "00"
    after = api.get(f"/api/v1/dossiers/{d['code']}", CITIZEN).get_json()
    assert after["payments"][0]["paid_at"] == iso(2026, 11, 30, 23, 59, 50)
    day30 = _reconcile(settings, tmp_path, [f"{ref},14000001,10000000,20261130235950,00"], day="2026-11-30")
    assert day30.exit_code == 0, day30.output
    day01 = _reconcile(settings, tmp_path, [], day="2026-12-01")
    assert day01.exit_code == 0, day01.output  # no false "missing" on 1/12
    november = api.get("/api/v1/reports/statistics?from=2026-11-01&to=2026-11-30", "demo.admin").get_json()
    december = api.get("/api/v1/reports/statistics?from=2026-12-01&to=2026-12-31", "demo.admin").get_json()
    assert november["total"]["paid_online"] == 1 and december["total"]["paid_online"] == 0
    with app.extensions["tthc"]["sessions"]() as session:  # the notification's own arrival is kept
        event = session.scalar(select(PaymentEvent).where(PaymentEvent.verdict == "00"))
        assert event.at.astimezone(VN_TZ) == vn(2026, 12, 1, 0, 0, 20)


def test_the_wait_ends_when_paid_and_a_time_outside_the_order_is_bounded(app, api, clock):
    """Received Mon 23/11 09:30 (appointment Fri 27/11 09:30); the order made Wed 25/11 13:00; the gateway says
    the citizen paid 14:00 and tells it at 16:00: the payment is dated 14:00 (receipt, reconciliation, reports),
    but the wait ends at 16:00, when the engine learns of it and the officers can work again (status 6 until
    then): the appointment moves by 12.5 working hours, to Mon 30/11 16:00. A pay time before the order or after
    the notice is not believed."""
    configure(app)
    d = _waiting(api, clock)
    assert d["due_at"] == iso(2026, 11, 27, 9, 30)
    _at(api, clock, vn(2026, 11, 25, 13, 0))
    ref = _order(api, d["code"])
    _at(api, clock, vn(2026, 11, 25, 16, 0))
    assert api.get("/api/v1/payments/vnpay/ipn",
                   query_string=_signed(app, ref, "20261125140000")).get_json()["RspCode"] == "00"
    after = api.get(f"/api/v1/dossiers/{d['code']}", CITIZEN).get_json()
    assert after["payments"][0]["paid_at"] == iso(2026, 11, 25, 14, 0)
    assert after["due_at"] == iso(2026, 11, 30, 16, 0)

    e = _waiting(api, clock)  # said paid a day before its order was made: paid when the order was made
    _at(api, clock, vn(2026, 11, 25, 13, 0))
    early = _order(api, e["code"])
    _at(api, clock, vn(2026, 11, 25, 13, 30))
    api.get("/api/v1/payments/vnpay/ipn", query_string=_signed(app, early, "20261124100000", "2"))
    assert api.get(f"/api/v1/dossiers/{e['code']}", CITIZEN).get_json()["payments"][0]["paid_at"] == iso(
        2026, 11, 25, 13, 0)
    f = _waiting(api, clock)  # said paid in the future: paid when told
    late = _order(api, f["code"])
    _at(api, clock, vn(2026, 11, 23, 9, 45))
    api.get("/api/v1/payments/vnpay/ipn", query_string=_signed(app, late, "20261201000000", "3"))
    assert api.get(f"/api/v1/dossiers/{f['code']}", CITIZEN).get_json()["payments"][0]["paid_at"] == iso(
        2026, 11, 23, 9, 45)


def test_the_gateways_pay_time_is_read_as_vietnam_time():
    secret = "S"
    vnpay = {"vnp_TxnRef": "R", "vnp_Amount": "10000000", "vnp_ResponseCode": "00", "vnp_PayDate": "20261130235950"}
    vnpay["vnp_SecureHash"] = VnPay.sign(vnpay, secret)
    assert VnPay.read(vnpay, secret).paid_at == vn(2026, 11, 30, 23, 59, 50)
    dvcqg = {"LoaiBanTin": "CONFIRM", "MaLoi": "00", "MaDoiTac": "M", "MaThamChieu": "R", "SoTien": "100000",
             "MaTienTe": "VND", "MaGiaoDich": "G1", "MaNganHang": "B", "ThoiGianGD": "20261130235950",
             "ThongTinGiaoDich": "THANH TOAN"}
    dvcqg["MaXacThuc"] = Dvcqg.digest(dvcqg, Dvcqg.CONFIRM, secret)
    assert Dvcqg.read(dvcqg, secret).paid_at == vn(2026, 11, 30, 23, 59, 50)
    bad = {**vnpay, "vnp_PayDate": "20261331250000"}
    bad["vnp_SecureHash"] = VnPay.sign(bad, secret)
    assert VnPay.read(bad, secret).paid_at is None  # unreadable: the notification's arrival counts


def _bodies(api) -> list[tuple[str, str]]:
    return [(n["event"], n["body"]) for n in api.get("/api/v1/me/notifications", CITIZEN).get_json()]


def test_the_intake_fee_paid_at_the_desk_tells_the_moved_appointment(app, api, clock):
    """Received Mon 23/11/2026 09:00, appointment Fri 27/11 09:00; paid at the desk at 10:00: 27/11 10:00."""
    configure(app, None)
    _at(api, clock, vn(2026, 11, 23, 9, 0))
    code = api.file(CITIZEN)["code"]
    assert api.act(RECEIVER, code, "receive")["due_at"] == iso(2026, 11, 27, 9, 0)
    _at(api, clock, vn(2026, 11, 23, 10, 0))
    r = api.post(f"/api/v1/dossiers/{code}/payments/desk", RECEIVER, json={"amount": 100000, "method": "cash"})
    assert r.status_code == 201, r.get_json()
    assert api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()["due_at"] == iso(2026, 11, 27, 10, 0)
    paid = [body for event, body in _bodies(api) if event == "paid"]
    assert len(paid) == 1 and "Ngày hẹn trả kết quả: 27/11/2026 10:00" in paid[0], paid


def test_a_fee_before_the_result_paid_tells_the_moved_appointment(app, api, clock):
    """Received Mon 23/11/2026 09:00 (appointment Fri 27/11 09:00), approved Thu 26/11 10:00 with a 100.000 đ fee
    before the result, paid at 10:30: the appointment is Fri 27/11 09:30, and the citizen is told."""
    configure(app, None)
    _deploy(api, '<spiffworkflow:property name="fee.le_phi" value="100000;before_result;Lệ phí" />')
    _at(api, clock, vn(2026, 11, 23, 9, 0))
    code = api.file(CITIZEN)["code"]
    api.act(RECEIVER, code, "receive")
    _at(api, clock, vn(2026, 11, 26, 9, 0))
    api.act(OFFICERS["assessment"], code, "propose_approval", STEP_DATA["propose_approval"])
    _at(api, clock, vn(2026, 11, 26, 10, 0))
    d = api.act(OFFICERS["approval"], code, "approve", {"y_kien_phe_duyet": "Đồng ý"})
    assert d["status"] == Status.PAYMENT and d["due_at"] == iso(2026, 11, 27, 9, 0)
    _at(api, clock, vn(2026, 11, 26, 10, 30))
    r = api.post(f"/api/v1/dossiers/{code}/payments/desk", RECEIVER, json={"amount": 100000, "method": "card"})
    assert r.status_code == 201, r.get_json()
    assert api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()["due_at"] == iso(2026, 11, 27, 9, 30)
    paid = [body for event, body in _bodies(api) if event == "paid"]
    assert len(paid) == 1 and "Ngày hẹn trả kết quả: 27/11/2026 09:30" in paid[0], paid


def test_an_exemption_tells_the_citizen_with_the_moved_appointment(app, api, clock):
    configure(app, None)
    _at(api, clock, vn(2026, 11, 23, 9, 0))
    code = api.file(CITIZEN)["code"]
    d = api.act(RECEIVER, code, "receive")
    _at(api, clock, vn(2026, 11, 23, 10, 0))
    r = api.post(f"/api/v1/dossiers/{code}/payments/{d['payments'][0]['id']}/exempt", RECEIVER,
                 json={"reason": "Hộ nghèo theo Quyết định 12/QĐ-UBND"})
    assert r.status_code == 200, r.get_json()
    told = [(event, body) for event, body in _bodies(api) if "miễn" in body]
    assert len(told) == 1, _bodies(api)
    assert "Hộ nghèo theo Quyết định 12/QĐ-UBND" in told[0][1]
    assert "Ngày hẹn trả kết quả: 27/11/2026 10:00" in told[0][1]
    assert "đã nhận thanh toán" not in told[0][1].lower()


def test_a_paid_fee_that_moves_nothing_adds_no_appointment_line(app, api, clock):
    """Paid at the desk the minute it was asked (no working time spent waiting): nothing new to tell."""
    configure(app, None)
    _at(api, clock, vn(2026, 11, 23, 9, 0))
    code = api.file(CITIZEN)["code"]
    api.act(RECEIVER, code, "receive")
    api.post(f"/api/v1/dossiers/{code}/payments/desk", RECEIVER, json={"amount": 100000, "method": "cash"})
    paid = [body for event, body in _bodies(api) if event == "paid"]
    assert len(paid) == 1 and "Ngày hẹn" not in paid[0], paid

