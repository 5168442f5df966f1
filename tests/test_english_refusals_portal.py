"""The refusals people meet on the public and citizen pages, on an English page: a wrong password, a lookup of
neither a dossier code nor a CCCD, a registration with a CCCD that already has an account, a filing that
names no agency (or one that does not offer the procedure) and an administrator's look at a citizen account
that does not exist said the engine's Vietnamese words under English titles. An English page now says them in
English (engine.web.refusals REFUSAL_TEXT by the refusal's code, engine.web.field_messages for a message
without one); Vietnamese pages, and the JSON API (api.md: integrators rely on its messages), say the engine's
words as before."""
from __future__ import annotations

import re

import pytest
from conftest import CITIZEN, SAMPLE_CODE, SAMPLE_FORM
from sqlalchemy import select
from web_support import Web, flatten, text_of

from engine.core.errors import Conflict, Invalid, Unauthorized
from engine.data.agency_model import Agency, ProcedureOffer
from engine.data.model import Procedure
from engine.web import refusals

OTHER_WARD = "000.00.98.H56"  # a second agency offering the sample procedure (D29: offered by many)


@pytest.fixture
def backend():
    """Words of the pages, the same on both databases."""
    return "sqlite"


def in_language(web: Web, lang: str | None) -> Web:
    """``web`` with the page language chosen (None: the default, Vietnamese)."""
    # chosen every time (None: Vietnamese): an account's choice follows it to another browser
    web.post("/ngon-ngu", {"lang": lang or "vi"}, status=302)
    return web


def visitor(app, lang: str | None) -> Web:
    return in_language(Web(app.test_client()), lang)


def signed_in(app, username: str, lang: str | None) -> Web:
    return in_language(Web(app.test_client()).login(username), lang)


def test_a_wrong_password_is_refused_in_english_on_an_english_login_page(app):
    page = text_of(visitor(app, "en").post("/dang-nhap", {"username": CITIZEN, "password": "sai-mat-khau"},
                                           status=401))
    assert "Incorrect username or password" in page
    assert "Tên đăng nhập hoặc mật khẩu không đúng" not in page
    page = text_of(visitor(app, None).post("/dang-nhap", {"username": CITIZEN, "password": "sai-mat-khau"},
                                           status=401))
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in page and "Incorrect username" not in page


def test_an_account_locked_after_failed_logins_is_said_in_english(app):
    web = visitor(app, "en")
    for _ in range(4):
        web.post("/dang-nhap", {"username": CITIZEN, "password": "sai-mat-khau"}, status=401)
    response = web.post("/dang-nhap", {"username": CITIZEN, "password": "sai-mat-khau"}, status=401)
    page = text_of(response)
    assert "locked for a while after too many failed sign-ins" in page
    # the engine's own words, which say until when, follow in small print marked as Vietnamese (as error pages do)
    [said] = re.findall(r'<p class="small" lang="vi">([^<]*)</p>', response.get_data(as_text=True))
    assert "tài khoản tạm khóa" in said and page.count("tạm khóa") == 1
    page = text_of(visitor(app, "vi").post("/dang-nhap", {"username": CITIZEN, "password": "sai-mat-khau"},
                                           status=401))
    assert "Đăng nhập sai quá 5 lần; tài khoản tạm khóa đến" in page and "failed sign-ins" not in page


def test_the_public_lookup_says_what_to_enter_in_english(app):
    page = text_of(visitor(app, "en").get("/tra-cuu?q=abc", status=422))
    assert ("Enter a dossier code (for example 000.00.06.H56-261123-0001) or a 12-digit citizen ID number"
            in page)
    assert "Nhập mã hồ sơ" not in page
    page = text_of(visitor(app, None).get("/tra-cuu?q=abc", status=422))
    assert "Nhập mã hồ sơ (ví dụ 000.00.06.H56-261123-0001) hoặc số CCCD gồm 12 chữ số" in page
    assert "Enter a dossier code" not in page


REGISTRATION = {"full_name": "Nguyễn Văn An", "cccd": CITIZEN, "cccd_issued_on": "2020-01-01",
                "phone": "0911222333", "password": "mat-khau-moi-123", "password2": "mat-khau-moi-123"}


def test_a_registration_with_a_cccd_that_has_an_account_is_refused_in_english(app):
    response = visitor(app, "en").post("/dang-ky", REGISTRATION, status=409)
    page = text_of(response)
    assert page.count("This citizen ID number already has an account") == 2  # the summary and the field
    assert "Số CCCD này" not in page and "chuẩn hóa" not in page
    page = text_of(visitor(app, None).post("/dang-ky", REGISTRATION, status=409))
    said = ("Số CCCD này đã được chuẩn hóa cho một tài khoản khác; mỗi CCCD chỉ có một tài khoản "
            "(theo Nghị định 45/2020/NĐ-CP)")
    assert page.count(said) == 2 and "already has an account" not in page


@pytest.fixture
def two_offers(app, clock):
    """The sample procedure offered by a second ward as well: a filing must name its agency (D29)."""
    with app.extensions["tthc"]["sessions"].begin() as session:
        ward = Agency(code=OTHER_WARD, name="Ủy ban nhân dân phường Thử (kiểm thử)", level="commune")
        session.add(ward)
        session.flush()
        proc = session.scalar(select(Procedure).where(Procedure.code == SAMPLE_CODE))
        session.add(ProcedureOffer(procedure_id=proc.id, agency_id=ward.id, settings={}, active=True,
                                   created_at=clock.now()))


def file_at(web: Web, agency: str | None, status: int = 422):
    data = flatten(SAMPLE_FORM)
    data["return_channel"] = "online"
    if agency is not None:
        data["agency"] = agency
    return web.post(f"/thu-tuc/{SAMPLE_CODE}/nop", data, status=status, content_type="multipart/form-data")


def test_a_filing_that_names_no_offering_agency_is_refused_in_english(app, api, two_offers):
    page = text_of(file_at(signed_in(app, CITIZEN, "en"), None))
    assert "Several agencies receive this procedure: choose the agency to file with" in page
    assert "Choose the agency to receive the dossier" in page and "000.00.06.H56, " not in page
    assert "Thủ tục được nhiều cơ quan tiếp nhận" not in page and "Bắt buộc" not in page
    page = text_of(file_at(signed_in(app, CITIZEN, "en"), "000.00.99.H56"))
    assert "This agency does not receive this procedure" in page
    assert "Not an agency that offers this procedure" in page
    assert "Cơ quan này không tiếp nhận thủ tục" not in page and "Không phải cơ quan cung cấp" not in page
    # the Vietnamese page: the engine's words, as before
    page = text_of(file_at(signed_in(app, CITIZEN, None), None))
    assert "Thủ tục được nhiều cơ quan tiếp nhận: chọn cơ quan nộp hồ sơ" in page
    assert "Chọn cơ quan tiếp nhận hồ sơ" in page and "Choose the agency" not in page
    page = text_of(file_at(signed_in(app, CITIZEN, "vi"), "000.00.99.H56"))
    assert "Cơ quan này không tiếp nhận thủ tục" in page and "Không phải cơ quan cung cấp thủ tục này" in page
    # the JSON API, even from the client that reads English pages: the engine's words (api.md)
    client = signed_in(app, CITIZEN, "en").client
    r = client.post("/api/v1/dossiers", json={"procedure": SAMPLE_CODE, "form": SAMPLE_FORM},
                    headers=api.headers(CITIZEN))
    assert r.status_code == 422, r.get_json()
    error = r.get_json()["error"]
    assert error["code"] == "agency_required"
    assert error["message"] == "Thủ tục được nhiều cơ quan tiếp nhận: chọn cơ quan nộp hồ sơ"
    assert error["fields"] == {"agency": "Chọn cơ quan tiếp nhận hồ sơ"}


def test_a_missing_citizen_account_is_said_in_english_to_an_administrator(app):
    page = text_of(signed_in(app, "demo.admin", "en").get("/quan-tri/cong-dan/987654", status=404))
    assert "Citizen account not found" in page and "Không tìm thấy tài khoản công dân" not in page
    page = text_of(signed_in(app, "demo.admin", None).get("/quan-tri/cong-dan/987654", status=404))
    assert "Không tìm thấy tài khoản công dân" in page and "Citizen account not found" not in page


def test_the_other_refusals_citizens_meet_have_their_english_text(app):
    """The codes and messages of the account, filing and payment refusals people meet on the pages, said by
    refusal_text as the pages do: English on an English page, the engine's words on a Vietnamese one."""
    met = [Unauthorized("Đăng nhập sai 5 lần; tài khoản tạm khóa 15 phút.", code="locked_out"),
           Conflict("Cơ quan chưa có cổng thanh toán trực tuyến; vui lòng nộp phí tại Bộ phận Một cửa",
                    code="no_gateway"),
           Invalid("Giấy tờ trong kho không còn nguyên vẹn như khi được cấp; vui lòng tải tệp lên",
                   code="document_altered"),
           Invalid("Thủ tục chưa được cơ quan nào tiếp nhận", code="procedure_not_offered"),
           Conflict("Tài khoản đã bị hủy; không thể thay đổi.", code="account_cancelled"),
           Conflict("Số CCCD này đã có tài khoản; hãy giúp công dân khôi phục tài khoản đó.",
                    code="cccd_taken"),
           Invalid("Chưa kích hoạt được tài khoản"), Invalid("Chưa đặt lại được mật khẩu"),
           Invalid("Thông tin công dân chưa hợp lệ"), Invalid("Cơ quan tiếp nhận không hợp lệ"),
           Invalid("Chỉ đánh giá được sau khi hồ sơ đã trả kết quả (theo Quyết định 766/QĐ-TTg)",
                   code="rule_violation")]
    with app.test_request_context("/"):
        from flask import session
        session["lang"] = "en"
        for refusal in met:
            said = refusals.refusal_text(refusal)
            english = re.sub(r"\(under [^)]*\)", "", str(said))  # a legal text keeps its own name
            assert said != refusal.message and english.isascii(), said
    with app.test_request_context("/"):
        for refusal in met:
            assert refusals.refusal_text(refusal) == refusal.message


def test_a_throttled_login_and_another_agencys_apology_are_said_in_english(app):
    """Too many attempts from one address (429, the time to wait in the engine's words below) and the overdue
    apology asked of another agency's head (D19, D29) have their English text on an English page."""
    from engine.core.errors import EngineError, Forbidden

    throttled = EngineError("Quá nhiều lần đăng nhập sai từ địa chỉ này; thử lại sau 10:15", code="too_many_attempts")
    other = Forbidden("Thư xin lỗi vì hồ sơ quá hạn do thủ trưởng Sở Tư pháp ký", code="apology_other_agency")
    with app.test_request_context("/"):
        from flask import session as cookie
        cookie["lang"] = "en"
        said = refusals.refusal_text(throttled)
        assert said == "Too many failed attempts; please try again later" and "10:15" in said.original
        said = refusals.refusal_text(other)
        assert said.startswith("This apology letter is signed by the head of the agency") and "Sở Tư pháp" in said.original
