"""The payment pages through Flask's test client: the receiving officer records a desk payment or an
exemption with its reason on the dossier page; the citizen's page says what is owed and how to pay; bad input
changes nothing; the English page is translated."""
from __future__ import annotations

import pytest
from conftest import CITIZEN
from payment_support import configure
from web_support import Web, dossier_row, text_of

from engine.law.statuses import Status


@pytest.fixture
def backend():
    """The pages call the same use cases as the API (tests/test_payments.py runs both backends)."""
    return "sqlite"


@pytest.fixture
def received(app):
    """A dossier filed by the citizen and received by the desk: its intake fee is owed (status 6)."""
    configure(app, None)  # the agency collects at the desk only
    citizen = Web(app.test_client()).login(CITIZEN)
    code = citizen.file_code()
    officer = Web(app.test_client()).login("demo.tiepnhan")
    officer.act(code, "receive")
    return citizen, officer, code


def test_the_citizen_is_told_what_is_owed_and_where_to_pay(received):
    citizen, _officer, code = received
    page = text_of(citizen.get(f"/ca-nhan/ho-so/{code}"))
    assert "Yêu cầu thực hiện nghĩa vụ tài chính" in page
    assert "Chờ thanh toán : Lệ phí đăng ký hộ kinh doanh — 100.000 đ" in page
    assert "vui lòng nộp tại Bộ phận Một cửa" in page and "Thanh toán trực tuyến" not in page
    assert "Đang chờ nộp phí, lệ phí" in page  # the clock's pause, explained
    assert "Yêu cầu nộp phí, lệ phí" in page  # the history's word, not the event's code


def test_the_officer_records_the_desk_payment_and_the_receipt_appears(received):
    citizen, officer, code = received
    page = text_of(officer.get(f"/can-bo/ho-so/{code}"))
    assert "Thu tại quầy: 100.000 đ" in page and "Ghi nhận đã thu và cấp biên lai" in page
    r = officer.post(f"/can-bo/ho-so/{code}/thu-phi", {"amount": "90000", "method": "cash"}, status=302)
    assert "Số tiền phải nộp là 100.000 đồng" in text_of(officer.get(r.headers["Location"].split("#")[0]))
    officer.post(f"/can-bo/ho-so/{code}/thu-phi", {"amount": "100000", "method": "card"}, status=302)
    page = text_of(officer.get(f"/can-bo/ho-so/{code}"))
    assert "Đã ghi nhận thu phí và cấp biên lai điện tử." in page and "Đã thanh toán" in page and "Thẻ" in page
    mine = citizen.get(f"/ca-nhan/ho-so/{code}").get_data(as_text=True)
    assert "Tải biên lai điện tử" in mine and "Đang xử lý" in text_of(citizen.get(f"/ca-nhan/ho-so/{code}"))


def test_an_exemption_needs_a_reason_and_the_citizen_cannot_record_one(app, received):
    citizen, officer, code = received
    payment_id = officer.get(f"/can-bo/ho-so/{code}").get_data(as_text=True).split("/mien-phi/")[1].split('"')[0]
    officer.post(f"/can-bo/ho-so/{code}/mien-phi/{payment_id}", {"reason": ""}, status=302)
    assert dossier_row(app, code).status == Status.PAYMENT
    citizen.post(f"/can-bo/ho-so/{code}/mien-phi/{payment_id}", {"reason": "Tự miễn cho mình"}, status=403)
    officer.post(f"/can-bo/ho-so/{code}/mien-phi/{payment_id}", {"reason": "Hộ nghèo (Nghị quyết HĐND)"}, status=302)
    assert dossier_row(app, code).status == Status.PROCESSING
    assert "Lý do miễn: Hộ nghèo (Nghị quyết HĐND)" in text_of(citizen.get(f"/ca-nhan/ho-so/{code}"))


def test_the_payment_section_in_english(received):
    citizen, _officer, code = received
    citizen.post("/ngon-ngu", {"lang": "en"}, status=302)
    page = text_of(citizen.get(f"/ca-nhan/ho-so/{code}"))
    assert "Awaiting payment : Lệ phí đăng ký hộ kinh doanh" in page
    assert "Fee requested" in page and "please pay at the one-stop desk" in page


def test_another_agencys_or_citizens_payment_routes_answer_404(app, clock, received):
    """Another ward's receiving officer, and another citizen, meet the 404 page at once (was: a redirect to it, the
    refusal flashed and never shown); nothing is recorded."""
    from web_support import other_agency_officer, other_citizen

    _citizen, officer, code = received
    payment_id = officer.get(f"/can-bo/ho-so/{code}").get_data(as_text=True).split("/mien-phi/")[1].split('"')[0]
    stranger = other_agency_officer(app, clock)
    stranger.post(f"/can-bo/ho-so/{code}/thu-phi", {"amount": "100000", "method": "cash"}, status=404)
    stranger.post(f"/can-bo/ho-so/{code}/mien-phi/{payment_id}", {"reason": "Hộ nghèo"}, status=404)
    other_citizen(app, clock).post(f"/ca-nhan/ho-so/{code}/thanh-toan", {}, status=404)
    assert dossier_row(app, code).status == Status.PAYMENT
