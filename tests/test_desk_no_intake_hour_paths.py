"""A desk dossier has no intake hour (D7: "An **online** dossier must be checked … within 1 working hour"; D5),
on every path that used to give it one: paying a filing fee at the desk, the "filed" notice that named the hour,
and the incidents' next due instant.

Timeline: Mon 23/11/2026 09:00 the receiving officer registers a paper dossier at the desk (a procedure whose fee
is due at filing); 14:00 the fee is paid in cash at the desk. An online dossier paid at 14:00 gets its hour until
15:00 (tests/test_fees.py); the desk one gets none.
"""
from __future__ import annotations

from conftest import OFFICERS, vn
from payment_support import configure
from test_fees import _deploy

from sqlalchemy import select

from engine.cases import incidents, notices
from engine.data.model import Dossier

RECEIVER = OFFICERS["intake"]
OWNER = {"full_name": "Trần Thị Bình", "birth_date": "1990-05-06", "cccd": "046190000123"}
FILING_FEE = '<spiffworkflow:property name="fee.le_phi" value="100000;at_filing;Lệ phí" />'


def test_a_filing_fee_paid_at_the_desk_gives_a_desk_dossier_no_intake_hour(app, api, clock):
    configure(app, None)
    _deploy(api, FILING_FEE)
    clock.set(vn(2026, 11, 23, 9, 0))
    code = api.file(RECEIVER, owner=OWNER, channel="desk")["code"]
    clock.set(vn(2026, 11, 23, 14, 0))
    api.tokens.clear()
    r = api.post(f"/api/v1/dossiers/{code}/payments/desk", RECEIVER, json={"amount": 100000, "method": "cash"})
    assert r.status_code in (200, 201), r.get_json()
    shown = api.get(f"/api/v1/dossiers/{code}", RECEIVER).get_json()
    assert shown["status"] == 1 and shown["intake_due_at"] is None
    with app.extensions["tthc"]["sessions"]() as session:
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        assert incidents.next_after(dossier, None, vn(2026, 11, 23, 14, 0)) is None  # nothing to wait for


def test_the_filed_notice_names_no_hour_when_there_is_none():
    values = {"code": "000.00.06.H56-261123-0001", "procedure": "Đăng ký hộ kinh doanh", "agency": "UBND phường",
              "link": "http://x/ho-so", "intake_due_at": None}
    for language in ("vi", "en"):
        subject, body = notices.render("filed", language, values)
        assert "—" not in body and "trước" not in body and " by " not in body, body


def test_an_online_dossiers_filed_notice_still_names_its_hour():
    values = {"code": "000.00.06.H56-261123-0001", "procedure": "Đăng ký hộ kinh doanh", "agency": "UBND phường",
              "link": "http://x/ho-so", "intake_due_at": vn(2026, 11, 23, 10, 0)}
    subject, body = notices.render("filed", "vi", values)
    assert "trước 23/11/2026 10:00" in body, body
