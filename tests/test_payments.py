"""Fees and online payment (D26): the sample's intake fee, status 6 and the clock, VNPay's signed IPN as the
truth (forged, wrong amount, unknown order, replay), desk payment with its e-receipt, exemption, refund."""
from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from conftest import CITIZEN, OFFICERS, iso, vn
from payment_support import configure, ipn_params
from web_support import OTHER_CITIZEN, other_citizen
from sqlalchemy import select

from engine.cases.gateways import VnPay
from engine.data.model import AuditEvent
from engine.data.notice_model import Notice
from engine.data.payment_model import PaymentEvent
from engine.law.statuses import Status

# A vector computed apart from the engine: `printf '%s' "$DATA" | openssl dgst -sha512 -hmac SECRETKEY123`, DATA
# being the sorted, form-URL-encoded parameters below (vnp_BankCode is empty: left out of the signed text).
VECTOR = {"vnp_Amount": "10000000", "vnp_Command": "pay", "vnp_CreateDate": "20261123090000", "vnp_CurrCode": "VND",
          "vnp_IpAddr": "127.0.0.1", "vnp_Locale": "vn", "vnp_OrderInfo": "THANH TOAN HO SO 000.00.06.H56-261123-0001",
          "vnp_OrderType": "other", "vnp_ReturnUrl": "http://localhost/ret", "vnp_TmnCode": "TTHCDEMO",
          "vnp_TxnRef": "ORDER1", "vnp_Version": "2.1.0", "vnp_BankCode": ""}
VECTOR_HASH = ("600fffaeab1443ab5a7aa2ef5264d8bbde7e7559fd4e6b88f1a9a98b6ab92696d21675b0bab17ff5909ead9d8ad708dc906f"
               "855f4a413182d68adbbc5474a1e1")


def test_vnpay_signs_the_sorted_encoded_parameters_with_hmac_sha512():
    assert VnPay.hash_data(VECTOR).startswith("vnp_Amount=10000000&vnp_Command=pay&")
    assert "vnp_OrderInfo=THANH+TOAN+HO+SO+000.00.06.H56-261123-0001" in VnPay.hash_data(VECTOR)
    assert VnPay.sign(VECTOR, "SECRETKEY123") == VECTOR_HASH
    assert VnPay.signed({**VECTOR, "vnp_SecureHash": VECTOR_HASH.upper()}, "SECRETKEY123")
    assert not VnPay.signed({**VECTOR, "vnp_SecureHash": VECTOR_HASH}, "another secret")
    assert not VnPay.signed({**VECTOR, "vnp_Amount": "10000100", "vnp_SecureHash": VECTOR_HASH}, "SECRETKEY123")


def _received(api, clock) -> dict:
    """A dossier filed at 09:00 Monday 23/11/2026 and received at 09:30: it waits in status 6 for its fee."""
    d = api.file()
    clock.set(vn(2026, 11, 23, 9, 30))
    return api.act(OFFICERS["intake"], d["code"], "receive")


def _start(api, code: str) -> tuple[dict, dict]:
    r = api.post(f"/api/v1/dossiers/{code}/payments", CITIZEN, json={})
    assert r.status_code == 201, r.get_json()
    query = {k: v[0] for k, v in parse_qs(urlparse(r.get_json()["redirect_url"]).query).items()}
    return r.get_json(), query


def test_without_a_gateway_the_agency_collects_outside_and_nothing_waits(api, clock):
    d = _received(api, clock)
    assert d["status"] == Status.PROCESSING and d["payments"] == []


def test_the_intake_fee_moves_the_dossier_to_6_and_the_clock_waits_for_the_payment(app, api, clock):
    configure(app)
    d = _received(api, clock)
    assert d["status"] == Status.PAYMENT
    assert d["payments"] == [{"id": d["payments"][0]["id"], "fee": "Lệ phí đăng ký hộ kinh doanh", "amount": 100000,
                              "status": "pending", "method": None, "paid_at": None, "receipt": None,
                              "moment": "intake", "exempt_reason": None, "refund": None}]
    assert d["due_at"] == iso(2026, 11, 27, 9, 30)  # 3 working days from the intake (24/11 is a day off)
    assert api.get("/api/v1/tasks", OFFICERS["assessment"]).get_json()[0]["actions"] == []  # processing waits
    started, query = _start(api, d["code"])
    assert query["vnp_Amount"] == "10000000" and query["vnp_TmnCode"] == "TTHCDEMO"
    assert VnPay.signed(query, app.extensions["tthc"]["settings"].payment_secret)
    clock.set(vn(2026, 11, 25, 14, 0))  # paid after 10.5 working hours (5.5 on Monday, 5 on Wednesday)
    api.tokens.clear()  # the tokens of Monday have expired
    answer = api.get("/api/v1/payments/vnpay/ipn", query_string=ipn_params(app, query["vnp_TxnRef"], 100000))
    assert answer.get_json() == {"RspCode": "00", "Message": "Confirm Success"}
    after = api.get(f"/api/v1/dossiers/{d['code']}", CITIZEN).get_json()
    assert after["status"] == Status.PROCESSING
    # the appointment moves by as much: Friday 27 09:30 + 10.5 working hours = Monday 30/11 14:00
    assert after["due_at"] == iso(2026, 11, 30, 14, 0) and after["original_due_at"] == iso(2026, 11, 30, 14, 0)
    paid = after["payments"][0]
    assert paid["status"] == "paid" and paid["method"] == "online" and paid["paid_at"] == iso(2026, 11, 25, 14, 0)
    receipt = next(doc for doc in after["documents"] if doc["id"] == paid["receipt"])
    assert receipt["kind"] == "fee_receipt" and receipt["number"] == "1/BLĐT"
    assert receipt["signatures"][0]["valid"] is True
    assert [h["action"] for h in after["history"]][-3:] == ["forward", "payment_requested", "paid"]
    assert "propose_approval" in api.get("/api/v1/tasks", OFFICERS["assessment"]).get_json()[0]["actions"]
    with app.extensions["tthc"]["sessions"]() as session:
        told = session.execute(select(Notice.event, Notice.document_id).order_by(Notice.id)).all()
    events = [event for event, _ in told]  # the receipt's notice waits for sealed Mẫu 01, made after the commit
    assert events[-1] == "paid" and events.index("payment_requested") < events.index("paid")
    assert "received" in events
    assert told[-1].document_id == paid["receipt"]  # the receipt goes with the notice of payment


def _events(app) -> list[tuple[str, str]]:
    with app.extensions["tthc"]["sessions"]() as session:
        return [(e.order_ref, e.verdict) for e in session.scalars(select(PaymentEvent).order_by(PaymentEvent.id))]


def test_a_forged_a_wrong_or_a_replayed_ipn_changes_nothing_and_is_logged(app, api, clock):
    configure(app)
    d = _received(api, clock)
    _started, query = _start(api, d["code"])
    ref = query["vnp_TxnRef"]

    def ipn(params, method="get"):
        if method == "get":
            return api.get("/api/v1/payments/vnpay/ipn", query_string=params).get_json()["RspCode"]
        return api.post("/api/v1/payments/vnpay/ipn", data=params).get_json()["RspCode"]

    assert ipn(ipn_params(app, ref, 100000, secret="not the secret")) == "97"
    forged = {**ipn_params(app, ref, 100000), "vnp_Amount": "100"}  # changed after signing
    assert ipn(forged) == "97"
    assert ipn(ipn_params(app, ref, 1000)) == "04"  # signed, but not the amount owed
    assert ipn(ipn_params(app, "NO-SUCH-ORDER", 100000)) == "01"
    assert api.get(f"/api/v1/dossiers/{d['code']}", CITIZEN).get_json()["status"] == Status.PAYMENT
    assert ipn(ipn_params(app, ref, 100000), "post") == "00"
    assert ipn(ipn_params(app, ref, 100000)) == "02"  # the same IPN again
    assert ipn(ipn_params(app, ref, 100000, number="999")) == "02"  # or another one for the paid order
    after = api.get(f"/api/v1/dossiers/{d['code']}", CITIZEN).get_json()
    assert after["status"] == Status.PROCESSING and len(after["payments"]) == 1
    assert [h["action"] for h in after["history"]].count("paid") == 1
    assert [v for _, v in _events(app)] == ["97", "97", "04", "01", "00", "02", "02"]


def test_a_cancelled_payment_leaves_the_fee_owed_under_a_new_order(app, api, clock):
    configure(app)
    d = _received(api, clock)
    _started, query = _start(api, d["code"])
    answer = api.get("/api/v1/payments/vnpay/ipn", query_string=ipn_params(app, query["vnp_TxnRef"], 100000, paid=False))
    assert answer.get_json()["RspCode"] == "00"
    after = api.get(f"/api/v1/dossiers/{d['code']}", CITIZEN).get_json()
    assert after["status"] == Status.PAYMENT and [p["status"] for p in after["payments"]] == ["pending"]
    _again, second = _start(api, d["code"])
    assert second["vnp_TxnRef"] != query["vnp_TxnRef"]


def test_an_earlier_order_paid_after_starting_again_is_not_lost_and_a_second_payment_is_flagged(app, api, clock):
    configure(app)
    d = _received(api, clock)
    _first, one = _start(api, d["code"])  # the citizen starts, then starts again in another tab
    _second, two = _start(api, d["code"])
    answer = api.get("/api/v1/payments/vnpay/ipn", query_string=ipn_params(app, one["vnp_TxnRef"], 100000))
    assert answer.get_json()["RspCode"] == "00"  # the first order's payment settles the fee
    after = api.get(f"/api/v1/dossiers/{d['code']}", CITIZEN).get_json()
    assert after["status"] == Status.PROCESSING and after["payments"][0]["status"] == "paid"
    answer = api.get("/api/v1/payments/vnpay/ipn",
                     query_string=ipn_params(app, two["vnp_TxnRef"], 100000, number="14000002"))
    assert answer.get_json()["RspCode"] == "02"  # paid twice: nothing changes, the log says a refund is due
    with app.extensions["tthc"]["sessions"]() as session:
        last = session.scalars(select(PaymentEvent).order_by(PaymentEvent.id.desc())).first()
    assert last.order_ref == two["vnp_TxnRef"] and "paid twice" in last.message


def test_only_the_citizen_pays_online_and_only_what_is_owed(app, api, clock):
    configure(app)
    d = api.file()
    r = api.post(f"/api/v1/dossiers/{d['code']}/payments", CITIZEN, json={})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "no_payment_due"
    clock.set(vn(2026, 11, 23, 9, 30))
    api.act(OFFICERS["intake"], d["code"], "receive")
    assert api.post(f"/api/v1/dossiers/{d['code']}/payments", OFFICERS["intake"], json={}).status_code == 403
    other_citizen(app, clock)
    assert api.post(f"/api/v1/dossiers/{d['code']}/payments", OTHER_CITIZEN, json={}).status_code == 404
    configure(app, None)  # the agency takes fees at the desk only
    r = api.post(f"/api/v1/dossiers/{d['code']}/payments", CITIZEN, json={})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "no_gateway"


def test_payment_start_is_idempotent_with_a_key(app, api, clock):
    configure(app)
    d = _received(api, clock)
    headers = {**api.headers(CITIZEN), "Idempotency-Key": "pay-1"}
    first = api.client.post(f"/api/v1/dossiers/{d['code']}/payments", headers=headers, json={})
    again = api.client.post(f"/api/v1/dossiers/{d['code']}/payments", headers=headers, json={})
    assert first.status_code == again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true" and again.get_json() == first.get_json()


def test_an_order_paid_online_after_the_fee_was_paid_at_the_desk_is_flagged_for_refund(app, api, clock):
    """The citizen starts paying online, then pays in cash at the desk; the gateway's success comes after: the
    fee stays paid once, and the log says the online payment is to be refunded (it said nothing: the desk's
    payment kept the online order's reference, so the late success looked like a replay of the same order)."""
    configure(app)
    d = _received(api, clock)
    _started, query = _start(api, d["code"])
    clock.set(vn(2026, 11, 23, 10, 0))
    r = api.post(f"/api/v1/dossiers/{d['code']}/payments/desk", OFFICERS["intake"],
                 json={"amount": 100000, "method": "cash"})
    assert r.status_code == 201 and r.get_json()["method"] == "cash", r.get_json()
    answer = api.get("/api/v1/payments/vnpay/ipn", query_string=ipn_params(app, query["vnp_TxnRef"], 100000))
    assert answer.get_json()["RspCode"] == "02"  # nothing changes here
    after = api.get(f"/api/v1/dossiers/{d['code']}", CITIZEN).get_json()
    assert [(p["status"], p["method"]) for p in after["payments"]] == [("paid", "cash")]
    assert [h["action"] for h in after["history"]].count("paid") == 1
    with app.extensions["tthc"]["sessions"]() as session:
        last = session.scalars(select(PaymentEvent).order_by(PaymentEvent.id.desc())).first()
    assert last.order_ref == query["vnp_TxnRef"]
    assert last.message == "Khoản phí đã được nộp tại quầy: cần hoàn trả (paid twice)"


def test_the_receiving_officer_records_a_desk_payment_with_its_receipt(app, api, clock):
    configure(app, None)
    d = _received(api, clock)
    assert d["status"] == Status.PAYMENT
    url = f"/api/v1/dossiers/{d['code']}/payments/desk"
    wrong = api.post(url, OFFICERS["intake"], json={"amount": 50000, "method": "cash"})
    assert wrong.status_code == 422 and wrong.get_json()["error"]["code"] == "wrong_amount"
    assert api.post(url, OFFICERS["intake"], json={"amount": 100000, "method": "cheque"}).status_code == 422
    assert api.post(url, OFFICERS["assessment"], json={"amount": 100000, "method": "cash"}).status_code == 403
    assert api.post(url, CITIZEN, json={"amount": 100000, "method": "cash"}).status_code == 403
    r = api.post(url, OFFICERS["intake"], json={"amount": 100000, "method": "cash"})
    assert r.status_code == 201, r.get_json()
    paid = r.get_json()
    assert paid["status"] == "paid" and paid["method"] == "cash" and paid["receipt"]
    pdf = api.get(paid["receipt_url"], CITIZEN)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert api.get(f"/api/v1/dossiers/{d['code']}", CITIZEN).get_json()["status"] == Status.PROCESSING
    again = api.post(url, OFFICERS["intake"], json={"amount": 100000, "method": "cash"})
    assert again.status_code == 409


def test_an_officer_exempts_with_a_reason_audited(app, api, clock):
    configure(app, None)
    d = _received(api, clock)
    pid = d["payments"][0]["id"]
    url = f"/api/v1/dossiers/{d['code']}/payments/{pid}/exempt"
    assert api.post(url, OFFICERS["intake"], json={}).status_code == 422
    r = api.post(url, OFFICERS["intake"], json={"reason": "Hộ nghèo theo Nghị quyết HĐND"})
    assert r.status_code == 200 and r.get_json()["status"] == "exempted"
    after = api.get(f"/api/v1/dossiers/{d['code']}", CITIZEN).get_json()
    assert after["status"] == Status.PROCESSING and after["payments"][0]["receipt"] is None
    with app.extensions["tthc"]["sessions"]() as session:
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "payment_exempted"))
    assert event.actor_name == "Trần Thị Tiếp Nhận" and event.to_status == Status.PROCESSING


def test_withdrawn_after_paying_the_fee_is_refunded(app, api, clock):
    configure(app, None)
    d = _received(api, clock)
    api.post(f"/api/v1/dossiers/{d['code']}/payments/desk", OFFICERS["intake"], json={"amount": 100000, "method": "card"})
    r = api.post(f"/api/v1/dossiers/{d['code']}/withdraw", CITIZEN, json={"reason": "Không kinh doanh nữa"})
    assert r.status_code == 200
    after = r.get_json()
    assert after["status"] == Status.WITHDRAWN and after["payments"][0]["status"] == "refunded"
    assert "payment_refunded" in [h["action"] for h in after["history"]]


def test_the_ipn_answers_in_the_gateways_format_for_garbage(api):
    assert api.get("/api/v1/payments/vnpay/ipn").get_json() == {"RspCode": "97", "Message": "Invalid signature"}
    assert api.post("/api/v1/payments/vnpay/ipn", data="%%%").get_json()["RspCode"] == "97"
    assert api.get("/api/v1/payments/nope/ipn").status_code == 404
    # JSON nested deeper than the decoder's recursion (was a 500 with a RecursionError), or a nested value
    for garbage in ("[" * 5000 + "]" * 5000, '{"a":' * 3000 + "1" + "}" * 3000, '{"vnp_Amount": [[[1]]]}'):
        answer = api.post("/api/v1/payments/vnpay/ipn", data=garbage, content_type="application/json")
        assert answer.status_code == 200 and answer.get_json()["RspCode"] == "97", answer.data[:200]


def test_the_national_platform_format_signs_with_sha256_and_answers_in_its_words(app, api, clock):
    from engine.cases.gateways import Dvcqg

    configure(app, "dvcqg", "http://127.0.0.1:9/thanh-toan")
    d = _received(api, clock)
    started, init = _start(api, d["code"])
    secret = app.extensions["tthc"]["settings"].payment_secret
    assert init["LoaiBanTin"] == "INIT" and init["SoTien"] == "100000" and init["MaDoiTac"] == "TTHCDEMO"
    assert init["MaXacThuc"] == Dvcqg.digest(init, Dvcqg.INIT, secret)
    confirm = {"LoaiBanTin": "CONFIRM", "MaLoi": "00", "MaDoiTac": "TTHCDEMO", "MaThamChieu": init["MaThamChieu"],
               "SoTien": "100000", "MaTienTe": "VND", "MaGiaoDich": "GD0001", "MaNganHang": "PAYMENT",
               "ThoiGianGD": "20261123093500", "ThongTinGiaoDich": init["ThongTinGiaoDich"]}
    forged = {**confirm, "MaXacThuc": Dvcqg.digest(confirm, Dvcqg.CONFIRM, "not the secret")}
    assert api.post("/api/v1/payments/dvcqg/ipn", json=forged).get_json() == {"MaLoi": "97", "MoTa": "Invalid signature"}
    signed = {**confirm, "MaXacThuc": Dvcqg.digest(confirm, Dvcqg.CONFIRM, secret)}
    assert api.post("/api/v1/payments/dvcqg/ipn", json=signed).get_json()["MaLoi"] == "00"
    assert api.post("/api/v1/payments/dvcqg/ipn", json=signed).get_json()["MaLoi"] == "02"
    # a VNPay notification for the platform's order is no notification of that order
    assert api.get("/api/v1/payments/vnpay/ipn",
                   query_string=ipn_params(app, init["MaThamChieu"], 100000)).get_json()["RspCode"] == "01"
    after = api.get(f"/api/v1/dossiers/{d['code']}", CITIZEN).get_json()
    assert after["status"] == Status.PROCESSING and after["payments"][0]["status"] == "paid"
    assert started["id"] == after["payments"][0]["id"]
