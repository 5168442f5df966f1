"""The refusals officers and administrators meet on the pages, on an English page: a desk payment of the wrong
amount, a username already taken, a version that cannot be resumed, one's own roles changed, an apology for a
dossier that is not overdue, a wrong PIN on the signing page... said the
engine's Vietnamese words under English titles. An English page now says them in English (engine.web.refusals
REFUSAL_TEXT by the refusal's code, engine.web.field_messages and field_messages_officer for a message without
one); Vietnamese pages, and the JSON API (api.md: integrators rely on its messages), say the engine's words as
before."""
from __future__ import annotations

import re

import pytest
from conftest import CITIZEN, SAMPLE_CODE
from payment_support import configure
from web_support import Web, text_of

from engine.core.errors import Conflict, Forbidden, Invalid, NotFound
from engine.paperwork.signatures import SigningFailed
from engine.web import field_messages, refusals

WARD = "000.00.06.H56"  # the demo ward (engine.cli.demo): demo.admin's agency in the test database


@pytest.fixture
def backend():
    """Words of the pages, the same on both databases."""
    return "sqlite"


def signed_in(app, username: str, lang: str | None) -> Web:
    """``username`` signed in, with the page language chosen (None: the default, Vietnamese)."""
    web = Web(app.test_client()).login(username)
    # chosen every time (None: Vietnamese): an account's choice follows it to another browser
    web.post("/ngon-ngu", {"lang": lang or "vi"}, status=302)
    return web


def flashed(web: Web, response) -> str:
    """The page a flashing view redirects to, as text."""
    return text_of(web.get(response.headers["Location"].split("#")[0]))


@pytest.fixture
def owed(app):
    """A dossier received at the desk whose intake fee (100.000 đ) is owed."""
    configure(app, None)  # the agency collects at the desk only
    code = Web(app.test_client()).login(CITIZEN).file_code()
    Web(app.test_client()).login("demo.tiepnhan").act(code, "receive")
    return code


def test_a_desk_payment_of_the_wrong_amount_is_refused_in_english(app, api, owed):
    web = signed_in(app, "demo.tiepnhan", "en")
    page = flashed(web, web.post(f"/can-bo/ho-so/{owed}/thu-phi", {"amount": "90000", "method": "cash"}, status=302))
    assert "The amount is not the amount due" in page and "Số tiền phải nộp là" not in page
    web = signed_in(app, "demo.tiepnhan", None)
    page = flashed(web, web.post(f"/can-bo/ho-so/{owed}/thu-phi", {"amount": "90000", "method": "cash"}, status=302))
    assert "Số tiền phải nộp là 100.000 đồng" in page and "amount due" not in page
    # the hidden amount forged in full-width digits was taken as 100000 (Python's int reads any script's digits)
    page = flashed(web, web.post(f"/can-bo/ho-so/{owed}/thu-phi", {"amount": "１００000", "method": "cash"},
                                 status=302))
    assert "Đã ghi nhận thu phí" not in page
    # the JSON API, even from the client that reads English pages: the engine's words (api.md)
    r = signed_in(app, "demo.tiepnhan", "en").client.post(
        f"/api/v1/dossiers/{owed}/payments/desk", json={"amount": 90000, "method": "cash"},
        headers=api.headers("demo.tiepnhan"))
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "wrong_amount"
    assert r.get_json()["error"]["message"] == "Số tiền phải nộp là 100.000 đồng"


OFFICER = {"username": "demo.tiepnhan", "full_name": "Cán Bộ Mới", "agency": WARD,
           "email": "moi@example.vn", "phone": "0912345678", "roles": "receiving_officer"}


def test_a_username_already_taken_is_refused_in_english(app):
    page = text_of(signed_in(app, "demo.admin", "en").post("/quan-tri/can-bo", OFFICER, status=409))
    assert "This username is already taken" in page and "Tên đăng nhập này đã có người dùng" not in page
    page = text_of(signed_in(app, "demo.admin", None).post("/quan-tri/can-bo", OFFICER, status=409))
    assert "Tên đăng nhập này đã có người dùng" in page and "already taken" not in page


def test_an_administrator_changing_their_own_roles_is_refused_in_english(app):
    me = {"full_name": "Ngô Quản Trị", "agency": WARD, "email": "", "phone": "0912345678",
          "roles": ["administrator", "clerk"]}
    page = text_of(signed_in(app, "demo.admin", "en").post("/quan-tri/can-bo/demo.admin", me, status=409))
    assert "You cannot lock your own account, change your own roles" in page and "nhờ một quản trị viên" not in page
    page = text_of(signed_in(app, "demo.admin", None).post("/quan-tri/can-bo/demo.admin", me, status=409))
    assert "Không tự khóa, đổi vai trò hay chuyển cơ quan của chính mình" in page and "your own" not in page


def test_resuming_an_active_version_is_refused_in_english_with_the_engines_words_below(app):
    path = f"/quan-tri/thu-tuc/{SAMPLE_CODE}/phien-ban/1/resume"
    response = signed_in(app, "demo.admin", "en").post(path, status=409)
    page = text_of(response)
    assert "The version is not in a state that allows this action" in page
    [said] = re.findall(r'<p class="small" lang="vi">([^<]*)</p>', response.get_data(as_text=True))
    assert "Phiên bản 1 đang ở trạng thái" in said and page.count("đang ở trạng thái") == 1
    page = text_of(signed_in(app, "demo.admin", None).post(path, status=409))
    assert "Phiên bản 1 đang ở trạng thái “đang áp dụng”, không thể tiếp nhận trở lại" in page
    assert "allows this action" not in page


def test_an_apology_for_a_dossier_that_is_not_overdue_is_refused_in_english(app, api):
    code = api.file()["code"]
    web = signed_in(app, "demo.thutruong", "en")
    page = flashed(web, web.post(f"/can-bo/ho-so/{code}/thu-xin-loi", {"reason": "Chậm xác minh"}, status=302))
    assert "The dossier is not overdue" in page and "Hồ sơ không quá hạn" not in page
    web = signed_in(app, "demo.thutruong", None)
    page = flashed(web, web.post(f"/can-bo/ho-so/{code}/thu-xin-loi", {"reason": "Chậm xác minh"}, status=302))
    assert "Hồ sơ không quá hạn (kết quả được giải quyết đúng hạn" in page and "not overdue" not in page


def test_a_wrong_pin_on_the_signing_page_is_refused_in_english(app):
    """The signing page (inbox/sign.html): the general text of the code, the engine's words below."""
    from conftest import STEP_DATA, Api, drain_after_commit
    from engine import timers

    drain_after_commit(app, "seal")  # the drafts to sign wait for the worker here
    api = Api(app.test_client(), auto_sign=False)
    code = api.file(CITIZEN)["code"]
    api.act("demo.tiepnhan", code, "receive")
    api.act("demo.chuyenvien", code, "propose_approval", STEP_DATA["propose_approval"])
    api.act("demo.lanhdao", code, "approve")
    ext = app.extensions["tthc"]
    timers.render_signing(ext["sessions"], ext["settings"], ext["clock"].now())
    web = signed_in(app, "demo.lanhdao", "en")
    found = re.search(rf'<li data-signing="{re.escape(code)}"><a href="(/can-bo/ky-so/\d+)"',
                      web.get("/can-bo/cong-viec").get_data(as_text=True))
    response = web.post(found.group(1), {"pin": "sai-ma-pin"}, status=422)
    page = text_of(response)
    assert "Could not open the signing key: the PIN or the key password is incorrect" in page
    assert "The document was not signed; the dossier has not moved on." in page
    [said] = re.findall(r'<p class="small" lang="vi">([^<]*)</p>', response.get_data(as_text=True))
    assert said == "Mã PIN không đúng; văn bản chưa được ký" and page.count("Mã PIN") == 1
    page = text_of(signed_in(app, "demo.lanhdao", None).post(found.group(1), {"pin": "sai-ma-pin"}, status=422))
    assert "Mã PIN không đúng; văn bản chưa được ký" in page and "hồ sơ chưa chuyển bước" in page
    assert "Could not open the signing key" not in page


def test_the_other_refusals_officers_meet_have_their_english_text(app):
    """The codes and messages of the task, desk, signing and administration refusals, said by refusal_text as
    the pages do: English on an English page (the engine's words below when they are not the very msgid), the
    engine's words on a Vietnamese one."""
    met = [Invalid("Không tính được phí Lệ phí: division by zero", code="fee_not_computable"),
           Invalid("Thành phần hồ sơ không có trong danh mục của thủ tục", code="unknown_component"),
           Forbidden("Chỉ cán bộ tiếp nhận tạo được tài khoản công dân tại quầy.", code="not_receiving_officer"),
           Conflict("Hồ sơ đã có thư xin lỗi vì quá hạn", code="letter_exists"),
           Conflict("Không có đề nghị gia hạn đang chờ xác nhận", code="no_extension_pending"),
           Conflict("Hồ sơ chưa có kết quả đã ban hành để cấp lại", code="no_result"),
           SigningFailed("Mã PIN của thiết bị ký số không đúng", code="wrong_pin"),
           SigningFailed("Mã PIN không đúng (mã PIN không có ký tự điều khiển)", code="wrong_pin"),
           SigningFailed("Cần nhập mã PIN của khóa ký số", code="pin_required"),
           SigningFailed("Thiết bị ký số đã bị khóa do nhập sai PIN nhiều lần", code="pin_locked"),
           SigningFailed("Không thấy thiết bị ký số “TOKEN”: hãy cắm thiết bị rồi thử lại", code="token_missing"),
           SigningFailed("Thiết bị ký số đang bận với một lần ký khác; vui lòng thử lại", code="token_busy"),
           SigningFailed("Người ký đã từ chối ký trên thiết bị của mình", code="signing_refused"),
           SigningFailed("Không kết nối được dịch vụ ký số từ xa (http://x): timeout", code="remote_unreachable"),
           Invalid("Kết quả đang chờ Hoàng Văn Trưởng ký số; văn thư ban hành sau khi văn bản được ký",
                   code="result_awaiting_signature"),
           NotFound("Không có thao tác này", code="no_such_action"),
           Invalid("Giờ làm việc không hợp lệ", code="invalid_office_hours"),
           Invalid("Thủ tục không cho cơ quan tự quy định mức phí này", code="fee_not_local"),
           Conflict("Đã có cơ quan với mã định danh này", code="agency_exists"),
           Invalid("Một ngày có hai dòng", code="invalid_calendar"),
           Conflict("Hồ sơ không ở trạng thái tạm dừng", code="not_suspended"),
           Conflict("Sự cố này đã được xử lý", code="incident_closed"),
           Invalid("Không mở được khóa ký số (sai mật khẩu khóa?)", code="bad_key"),
           Forbidden("Cán bộ chỉ nộp thay hồ sơ thuộc cơ quan mình"),
           Forbidden("Chỉ cán bộ tiếp nhận của cơ quan giải quyết thu phí tại quầy"),
           Forbidden("Chỉ văn thư được cấp lại (đính chính) kết quả"),
           Invalid("Chỉ được hẹn lại ngày trả kết quả một lần (theo Điều 19 Nghị định 61/2018/NĐ-CP)",
                   code="rule_violation"),
           Invalid("Hồ sơ đã được yêu cầu bổ sung 2 lần; không được yêu cầu bổ sung lần thứ ba (theo Điều 11 Nghị "
                   "định 118/2025/NĐ-CP; Điều 13 khoản 2 và Điều 14 khoản 1 Quyết định 88/2017/QĐ-UBND)",
                   code="rule_violation"),
           Invalid("Thiếu cột: email, phone"), Invalid("Tệp CSV phải mã hóa UTF-8")]
    with app.test_request_context("/"):
        from flask import session
        session["lang"] = "en"
        for refusal in met:
            said = refusals.refusal_text(refusal)
            english = re.sub(r"\((under|NĐ) [^)]*\)", "", str(said))  # a legal text keeps its own name
            assert said != refusal.message and english.isascii(), said
            original = getattr(said, "original", None)
            assert original in (None, refusal.message), said
        said = refusals.refusal_text(SigningFailed("Mã PIN của thiết bị ký số không đúng", code="wrong_pin"))
        assert said == "Incorrect PIN" and said.original == "Mã PIN của thiết bị ký số không đúng"
        assert field_messages.field_text("Phải bằng 100000") == "Must equal 100000"
    with app.test_request_context("/"):
        for refusal in met:
            assert refusals.refusal_text(refusal) == refusal.message

