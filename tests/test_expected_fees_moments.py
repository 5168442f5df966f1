"""D26, D18: the fees a dossier page shows as expected are those the desk will then ask, and the extension form
starts in the unit the law leaves room for."""
from __future__ import annotations

import io

import pytest
from conftest import CITIZEN, SAMPLE, SAMPLE_FORM
from payment_support import configure
from web_support import Web, text_of


@pytest.fixture
def backend():
    return "sqlite"


def _login(app, user):
    return Web(app.test_client()).login(user)


def _deploy(api, old, new):
    text = SAMPLE.read_text(encoding="utf-8")
    assert old in text
    r = api.post("/api/v1/procedures", "demo.admin", content_type="multipart/form-data",
                 data={"bpmn": (io.BytesIO(text.replace(old, new).encode()), SAMPLE.name)})
    assert r.status_code == 201, r.get_json()


def test_an_agency_that_collects_no_fee_through_the_engine_shows_no_fee_as_expected_D26(app):
    """An agency that does not collect through the engine (no `tthc payments gateway`): request_due asks
    nothing at receipt, so the page never tells the citizen of a fee 'nộp khi tiếp nhận (dự kiến)' that the
    agency 'will ask' (it lists the fee as paid at the counter instead: the next test)."""
    citizen = _login(app, CITIZEN)
    code = citizen.file_code()
    officer = _login(app, "demo.tiepnhan")
    officer.act(code, "receive")
    page = text_of(citizen.get(f"/ca-nhan/ho-so/{code}"))
    assert "Chờ thanh toán" not in page  # nothing was asked
    assert "dự kiến" not in page, "a fee whose moment has passed and that will never be asked is still 'expected'"


def _fees_section(page: str) -> str:
    start = page.find("Phí, lệ phí nộp tại cơ quan")
    return page[start:start + 700] if start >= 0 else ""


def test_a_fee_the_agency_collects_at_its_desk_is_shown_as_such_before_and_after_receipt_D26(app):
    """The sample's 100.000 đ lệ phí at an agency with no payment gateway: the engine never asks it, so the
    citizen's page and the desk's page say it is paid at the agency's counter, outside the system, from filing
    until the dossier ends; the old pages showed nothing at all once the dossier was filed."""
    citizen = _login(app, CITIZEN)
    code = citizen.file_code()
    officer = _login(app, "demo.tiepnhan")
    for who, path, says in ((citizen, f"/ca-nhan/ho-so/{code}", "thu các khoản này trực tiếp tại quầy"),
                            (officer, f"/can-bo/ho-so/{code}", "thu tại quầy, lập biên lai ngoài hệ thống")):
        section = _fees_section(text_of(who.get(path)))
        assert "Lệ phí đăng ký hộ kinh doanh: 100.000 đ — nộp khi tiếp nhận" in section, (path, section)
        assert says in section and "dự kiến" not in section, (path, section)
    officer.act(code, "receive")
    page = text_of(citizen.get(f"/ca-nhan/ho-so/{code}"))
    assert "Chờ thanh toán" not in page  # still never asked by the engine
    assert "100.000 đ — nộp khi tiếp nhận" in _fees_section(page), "the desk's fee vanished after receipt"
    with citizen.client.session_transaction() as s:
        s["lang"] = "en"
    page = text_of(citizen.get(f"/ca-nhan/ho-so/{code}"))
    assert "Fees and charges paid at the agency" in page and "at its counter" in page, page[:3000]
    # when it is to be paid, not that it was ("paid at intake" read as already paid)
    assert "100,000 đ — payable at intake" in page and "paid at intake" not in page, page[:3000]


def test_a_fee_collected_through_the_engine_is_not_said_to_be_paid_at_the_desk_D26(app):
    configure(app, None)  # the agency collects through the engine, at the desk only: the engine asks and records
    citizen = _login(app, CITIZEN)
    code = citizen.file_code()
    page = text_of(citizen.get(f"/ca-nhan/ho-so/{code}"))
    assert "100.000 đ (dự kiến)" in page and not _fees_section(page), page[page.find("Phí, lệ phí"):][:400]


def test_a_fee_of_nothing_and_a_fee_whose_moment_passed_are_not_expected_D26(app, api):
    """A fee computed to 0 đ from the form is not asked (request_due drops it, no payment row) but stays on the
    page as an expected 0 đ after receipt."""
    configure(app, None)
    _deploy(api, 'value="100000;at_intake;', 'value="=50000 * so_lao_dong;at_intake;')
    code = api.file(CITIZEN, form={**SAMPLE_FORM, "so_lao_dong": 0})["code"]
    _login(app, "demo.tiepnhan").act(code, "receive")
    page = text_of(_login(app, CITIZEN).get(f"/ca-nhan/ho-so/{code}"))
    assert "Chờ thanh toán" not in page
    assert "dự kiến" not in page, "a 0 đ fee the desk never asks is still listed as expected"


from test_local_fee_in_force import deploy_local_fee_before_result, ward_a_charges, approved_payments  # noqa: E402
from test_offers import province, WARD_A  # noqa: E402,F401


def test_the_expected_local_fee_is_the_one_the_desk_then_asks_D1_D26(api, province, app, clock, tmp_path,
                                                                   settings):  # noqa: F811
    deploy_local_fee_before_result(app, tmp_path, settings, clock)
    ward_a_charges(api, 50000)
    code = api.file(CITIZEN, agency=WARD_A)["code"]
    api.act("a.canbo", code, "receive")
    ward_a_charges(api, 80000)
    page = text_of(_login(app, CITIZEN).get(f"/ca-nhan/ho-so/{code}"))
    assert "50.000 đ (dự kiến)" in page, page[page.find("dự kiến") - 200:page.find("dự kiến") + 50]
    assert approved_payments(api, code) == [50000]


def test_expected_fees_read_in_english_on_an_english_page(app):
    configure(app, None)
    citizen = _login(app, CITIZEN)
    code = citizen.file_code()
    with citizen.client.session_transaction() as s:
        s["lang"] = "en"
    page = text_of(citizen.get(f"/ca-nhan/ho-so/{code}"))
    assert "Expected fees and charges" in page and "(expected)" in page, page[:3000]


import re  # noqa: E402


def test_a_two_day_procedure_is_extended_in_hours_first_D18(app, api):
    """D18: a 2-working-day procedure may be extended by at most 5 h 20 min: a whole working day is refused,
    yet the form starts in working days (extension_short is only for <= 1 day)."""
    _deploy(api, 'name="duration" value="3"', 'name="duration" value="2"')
    code = _login(app, CITIZEN).file_code()
    _login(app, "demo.tiepnhan").act(code, "receive")
    web = _login(app, "demo.chuyenvien")
    html = web.get(f"/can-bo/cong-viec/{web.task_id(code)}").get_data(as_text=True)
    sel = re.search(r'<select id="ext-unit" name="unit">(.*?)</select>', html, re.S).group(1)
    chosen = re.search(r'<option value="(\w+)" selected', sel).group(1)
    cap = re.search(r"Tối đa ([^(]*)\(1/3", html).group(1)
    assert chosen == "working_hours", f"default unit {chosen}, cap {cap}"
