"""Money owed back is given back (D26; README "Payments"): a fee paid, then the dossier withdrawn, or an online
order paid after the dossier ended, is a refund owed. The receiving desk's officers are told of it (they were
told only when the gateway took money twice), give the money back, and record it on the dossier's fees (page
and API), once, with how; the citizen is told, and the day's reconciliation stops asking for that refund."""
from __future__ import annotations

from conftest import CITIZEN, OFFICERS, iso, vn
from payment_support import configure, ipn_params
from sqlalchemy import select, text
from test_payment_records import _reconcile
from test_payments import _received, _start
from web_support import Web, text_of

from engine.data.model import User
from engine.data.notice_model import Notice
from engine.law.statuses import Status

DESK = OFFICERS["intake"]


def _told(app, event: str) -> dict[str, list[str]]:
    with app.extensions["tthc"]["sessions"]() as s:
        rows = s.execute(select(User.username, Notice.body).join(Notice, Notice.user_id == User.id)
                         .where(Notice.event == event).order_by(Notice.id)).all()
    told: dict[str, list[str]] = {}
    for username, body in rows:
        told.setdefault(username, []).append(body)
    return told


def test_d26_a_withdrawn_dossiers_fee_is_given_back_by_the_desk_recorded_once_and_told(app, api, clock):
    """Received Mon 23/11/2026 09:30, its 100 000 đ fee paid by card at the desk at 09:40, withdrawn at 10:00:
    the receiving officer is told the fee is to be given back (only the citizen was), records at 14:15 that it
    was given back in cash; the citizen is told; a second record, another role, a citizen, an empty note and a
    fee with nothing owed back are refused."""
    configure(app, None)
    d = _received(api, clock)
    code, pid = d["code"], d["payments"][0]["id"]
    clock.set(vn(2026, 11, 23, 9, 40))
    api.post(f"/api/v1/dossiers/{code}/payments/desk", DESK, json={"amount": 100000, "method": "card"})
    url = f"/api/v1/dossiers/{code}/payments/{pid}/refund-given"
    assert api.post(url, DESK, json={"note": "Tiền mặt"}).status_code == 404  # paid, nothing owed back yet
    clock.set(vn(2026, 11, 23, 10, 0))
    r = api.post(f"/api/v1/dossiers/{code}/withdraw", CITIZEN, json={"reason": "Không kinh doanh nữa"})
    assert r.status_code == 200 and r.get_json()["status"] == Status.WITHDRAWN
    [refund] = [p["refund"] for p in r.get_json()["payments"]]
    assert refund["amount"] == 100000 and refund["given_at"] is None and refund["given_note"] is None
    told = _told(app, "refunded")
    assert set(told) == {CITIZEN, DESK}, told
    assert "ghi nhận \"Đã hoàn trả\"" in told[DESK][0] and "ghi nhận" not in told[CITIZEN][0]

    clock.set(vn(2026, 11, 23, 14, 15))
    for who in (OFFICERS["assessment"], CITIZEN):
        assert api.post(url, who, json={"note": "Tiền mặt"}).status_code == 403, who
    bad = api.post(url, DESK, json={"note": "  "})
    assert bad.status_code == 422, bad.get_json()
    assert api.post(url, DESK, json={}).status_code == 422
    assert api.post(f"/api/v1/dossiers/{code}/payments/{pid + 99}/refund-given", DESK,
                    json={"note": "Tiền mặt"}).status_code == 404
    r = api.post(url, DESK, json={"note": "Trả tiền mặt tại quầy, phiếu chi số 12"})
    assert r.status_code == 200, r.get_json()
    given = r.get_json()
    assert given["status"] == "refunded" and given["refund"]["amount"] == 100000
    assert given["refund"]["given_at"] == iso(2026, 11, 23, 14, 15)
    assert given["refund"]["given_note"] == "Trả tiền mặt tại quầy, phiếu chi số 12"
    again = api.post(url, DESK, json={"note": "Trả lần nữa"})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "refund_already_given"

    after = api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()
    assert after["payments"][0]["refund"]["given_note"] == "Trả tiền mặt tại quầy, phiếu chi số 12"
    assert [h["action"] for h in after["history"]].count("refund_given") == 1
    [body] = _told(app, "refund_given")[CITIZEN]
    assert "100.000 đ" in body and "đã được" in body and "Cách hoàn trả: Trả tiền mặt tại quầy, phiếu chi số 12" in body
    assert set(_told(app, "refund_given")) == {CITIZEN}


def test_the_desk_records_the_refund_on_the_dossier_page_and_the_citizen_sees_it(app, api, clock):
    """The same from the officer's page: the fees show the money owed back with a form to record it given back
    (for the receiving officer only); once recorded, both pages say when and how, and the form is gone."""
    configure(app, None)
    d = _received(api, clock)
    code = d["code"]
    api.post(f"/api/v1/dossiers/{code}/payments/desk", DESK, json={"amount": 100000, "method": "cash"})
    api.post(f"/api/v1/dossiers/{code}/withdraw", CITIZEN, json={"reason": "Không kinh doanh nữa"})
    desk = Web(app.test_client()).login(DESK)
    page = text_of(desk.get(f"/can-bo/ho-so/{code}"))
    assert "Hoàn trả cho người nộp: 100.000 đ" in page and "Ghi nhận đã hoàn trả" in page
    citizen = Web(app.test_client()).login(CITIZEN)
    mine = text_of(citizen.get(f"/ca-nhan/ho-so/{code}"))
    assert "Chưa hoàn trả" in mine and "Ghi nhận đã hoàn trả" not in mine
    clock.set(vn(2026, 11, 24, 8, 30))
    desk, citizen = Web(app.test_client()).login(DESK), Web(app.test_client()).login(CITIZEN)  # the next morning
    done = desk.post(f"/can-bo/ho-so/{code}/hoan-tra/{d['payments'][0]['id']}",
                     {"note": "Chuyển khoản, số giao dịch FT2611240001"}, status=302)
    assert done.headers["Location"].endswith(f"/can-bo/ho-so/{code}#payments")
    page = text_of(desk.get(f"/can-bo/ho-so/{code}"))
    assert "Đã ghi nhận hoàn trả cho người nộp." in page
    assert "Đã hoàn trả lúc 24/11/2026 08:30" in page and "Chuyển khoản, số giao dịch FT2611240001" in page, page
    assert "Ghi nhận đã hoàn trả" not in page
    mine = text_of(citizen.get(f"/ca-nhan/ho-so/{code}"))
    assert "Đã hoàn trả lúc 24/11/2026 08:30" in mine and "Chưa hoàn trả" not in mine
    again = desk.post(f"/can-bo/ho-so/{code}/hoan-tra/{d['payments'][0]['id']}", {"note": "Lần nữa"}, status=302)
    assert "Khoản tiền này đã được ghi nhận hoàn trả" in text_of(desk.get(again.headers["Location"]))


def test_d26_the_reconciliation_stops_asking_for_a_refund_once_given_back(app, api, clock, settings, tmp_path):
    """An order paid online after the dossier was withdrawn (Mon 23/11/2026): the day's reconciliation asks for
    the refund; after the desk records it given back, the same file reconciles with nothing left."""
    configure(app)
    d = _received(api, clock)
    _started, query = _start(api, d["code"])
    ref = query["vnp_TxnRef"]
    api.post(f"/api/v1/dossiers/{d['code']}/withdraw", CITIZEN, json={"reason": "Không kinh doanh nữa"})
    answer = api.get("/api/v1/payments/vnpay/ipn", query_string=ipn_params(app, ref, 100000))
    assert answer.get_json()["RspCode"] == "02"
    assert DESK in _told(app, "refunded")
    rows = [f"{ref},14000001,10000000,20261123090000,00"]
    before = _reconcile(settings, tmp_path, rows)
    assert before.exit_code == 1 and "cần hoàn trả (paid after the dossier ended)" in before.output, before.output
    pid = d["payments"][0]["id"]
    r = api.post(f"/api/v1/dossiers/{d['code']}/payments/{pid}/refund-given", DESK,
                 json={"note": "Hoàn qua cổng VNPay"})
    assert r.status_code == 200, r.get_json()
    after = _reconcile(settings, tmp_path, rows)
    assert after.exit_code == 0, after.output
    assert after.output.strip().splitlines()[-1] == "1 giao dịch của cổng, 0 chỗ lệch"


def test_money_owed_again_after_a_refund_given_back_is_owed_anew(app, api, clock):
    """Paid at the desk while an online order was open, withdrawn, the desk's 100 000 đ given back; then the
    gateway takes the open order's 100 000 đ too: the refund is owed again (not shown as given back), the
    earlier refund kept in its reason."""
    configure(app)
    d = _received(api, clock)
    code, pid = d["code"], d["payments"][0]["id"]
    _started, query = _start(api, code)
    api.post(f"/api/v1/dossiers/{code}/payments/desk", DESK, json={"amount": 100000, "method": "cash"})
    api.post(f"/api/v1/dossiers/{code}/withdraw", CITIZEN, json={"reason": "Không kinh doanh nữa"})
    url = f"/api/v1/dossiers/{code}/payments/{pid}/refund-given"
    assert api.post(url, DESK, json={"note": "Tiền mặt tại quầy"}).status_code == 200
    clock.set(vn(2026, 11, 23, 11, 0))
    api.get("/api/v1/payments/vnpay/ipn", query_string=ipn_params(app, query["vnp_TxnRef"], 100000))
    refund = api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()["payments"][0]["refund"]
    assert refund["amount"] == 100000 and refund["given_at"] is None, refund
    assert "(Đã hoàn trả 100.000 đồng lúc" in refund["reason"] and "Tiền mặt tại quầy" in refund["reason"]
    assert query["vnp_TxnRef"] in refund["reason"]
    assert api.post(url, DESK, json={"note": "Hoàn qua cổng"}).status_code == 200


def test_the_desk_has_a_list_of_the_money_its_agency_still_owes(app, api, clock):
    """The receiving officers were told of each refund, one notice each, and had nowhere to see what is still owed:
    /can-bo/hoan-tra lists it, oldest first, each with its dossier's fees; a refund recorded given back leaves it.
    Read off the partial index of refunds not given back (the plan names it: no history read)."""
    configure(app, None)
    codes = []
    for minute in (0, 5):
        d = _received(api, clock)
        clock.set(vn(2026, 11, 23, 9, 40 + minute))
        api.post(f"/api/v1/dossiers/{d['code']}/payments/desk", DESK, json={"amount": 100000, "method": "cash"})
        api.post(f"/api/v1/dossiers/{d['code']}/withdraw", CITIZEN, json={"reason": "Không kinh doanh nữa"})
        codes.append((d["code"], d["payments"][0]["id"]))
    desk = Web(app.test_client()).login(DESK)
    assert "/can-bo/hoan-tra" in desk.get("/can-bo/cong-viec").get_data(as_text=True)  # the inbox links it
    page = text_of(desk.get("/can-bo/hoan-tra"))
    assert page.index(codes[0][0]) < page.index(codes[1][0]) and page.count("100.000 đ") == 2, page
    assert "Không kinh doanh nữa" in page
    api.post(f"/api/v1/dossiers/{codes[0][0]}/payments/{codes[0][1]}/refund-given", DESK, json={"note": "Tiền mặt"})
    page = text_of(desk.get("/can-bo/hoan-tra"))
    assert codes[0][0] not in page and codes[1][0] in page
    assert Web(app.test_client()).login(OFFICERS["assessment"]).get("/can-bo/hoan-tra", status=403)
    with app.extensions["tthc"]["sessions"]() as session:
        from engine.cases import payment_refunds
        from engine.cases.dossiers import Context
        officer = session.scalar(select(User).where(User.username == DESK))
        owed = payment_refunds.OWED.params(after=0, agency=officer.agency_id)
        statement = str(owed.compile(session.get_bind(), compile_kwargs={"literal_binds": True}))
        rows, more = payment_refunds.owed(session, Context(officer, clock.now(),
                                                           app.extensions["tthc"]["settings"]))
        assert [r.code for r in rows] == [codes[1][0]] and more is None
        if session.get_bind().dialect.name == "sqlite":
            plan = " ".join(str(r[-1]) for r in session.execute(text("EXPLAIN QUERY PLAN " + statement)))
            assert "ix_payment_refund_owed" in plan and "SCAN" not in plan and "TEMP B-TREE" not in plan, plan
