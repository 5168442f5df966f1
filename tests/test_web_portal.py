"""The citizens' portal through Flask's test client: catalogue, filing with uploads (D4), receipt, my
dossiers, supplement, results, rating (D25), public lookup, and bad input that must change nothing.
"""
from __future__ import annotations

import copy
import hashlib
import io
import re
from datetime import datetime

import pytest

from conftest import CITIZEN, SAMPLE_CODE, SAMPLE_FORM
from payment_support import configure
from sqlalchemy import select
import web_support
from web_support import (
    CUT_JPEG, FAKE_PNG, JPEG, OTHER_CITIZEN, PDF, PNG, Web, counts, dossier_row, flatten, huge_png, text_of)

from engine.core.clock import VN_TZ
from engine.paperwork.documents import path_for
from engine.data.model import Document
from engine.data.portal_model import SatisfactionRating

SUPPLEMENT = {"items.0.component": "Giấy đề nghị đăng ký hộ kinh doanh", "items.0.problem": "Thiếu chữ ký của chủ hộ",
              "items.0.required": "Ký và tải lên lại"}


@pytest.fixture
def backend():
    """The pages call the same use cases as the API; one backend is enough here."""
    return "sqlite"


@pytest.fixture
def citizen(app):
    return Web(app.test_client()).login(CITIZEN)


@pytest.fixture
def officer(app):
    return Web(app.test_client()).login("demo.tiepnhan")


@pytest.fixture
def other_citizen(app, clock):
    return web_support.other_citizen(app, clock)


NOTE = "Đã ký bổ sung vào giấy đề nghị"  # a supplement that says what it brings


def run_to_return(app, code: str) -> None:
    """Officers take the dossier from intake to the returned result through their pages."""
    steps = [("demo.tiepnhan", "receive", {}),
             ("demo.chuyenvien", "propose_approval", {"f.y_kien_tham_dinh": "Hồ sơ đủ điều kiện"}),
             ("demo.lanhdao", "approve", {}), ("demo.vanthu", "issue_result", {}),
             ("demo.tiepnhan", "return_result", {"f.hinh_thuc_tra": "online"})]
    for user, action, data in steps:
        Web(app.test_client()).login(user).act(code, action, data)


# -- catalogue ----------------------------------------------------------------------------------------------
def test_the_catalogue_finds_procedures_by_name_without_accents_or_by_code(app):
    web = Web(app.test_client())
    for query in ("hộ kinh doanh", "ho kinh doanh", "HO KINH", "1.001612", ""):
        page = text_of(web.get(f"/thu-tuc?q={query}"))
        assert "Đăng ký thành lập hộ kinh doanh" in page and "Tìm thấy 1 thủ tục" in page, query
    assert "Tìm thấy 0 thủ tục" in text_of(web.get("/thu-tuc?q=khai+sinh"))
    # D27: full online needs the fee payable online, and the demo agency has no gateway until configured
    assert "Tìm thấy 0 thủ tục" in text_of(web.get("/thu-tuc?level=full_online"))
    assert "Tìm thấy 1 thủ tục" in text_of(web.get("/thu-tuc?level=partial_online"))
    configure(app)
    assert "Tìm thấy 1 thủ tục" in text_of(web.get("/thu-tuc?level=full_online"))
    assert "Tìm thấy 0 thủ tục" in text_of(web.get("/thu-tuc?level=partial_online"))


def test_a_procedure_page_shows_level_and_reasons_time_fees_and_components(app):
    configure(app)  # the agency takes the fee online (D27)
    page = text_of(Web(app.test_client()).get(f"/thu-tuc/{SAMPLE_CODE}"))
    for text in ("Toàn trình", "Không phải đến cơ quan", "3 ngày làm việc", "Lệ phí đăng ký hộ kinh doanh: 100.000 đ",
                 "nộp khi tiếp nhận", "Giấy đề nghị đăng ký hộ kinh doanh", "Nộp hồ sơ trực tuyến"):
        assert text in page, text
    Web(app.test_client()).get("/thu-tuc/9.999999", status=404)


# -- filing ---------------------------------------------------------------------------------------------------
def test_filing_needs_a_signed_in_citizen_and_comes_back_to_the_form(app):
    web = Web(app.test_client())
    r = web.get(f"/thu-tuc/{SAMPLE_CODE}/nop", status=302)
    assert r.headers["Location"] == f"/dang-nhap?next=/thu-tuc/{SAMPLE_CODE}/nop"
    r = web.post("/dang-nhap", {"username": CITIZEN, "password": "demo12345", "next": f"/thu-tuc/{SAMPLE_CODE}/nop"},
                 status=302)
    assert r.headers["Location"] == f"/thu-tuc/{SAMPLE_CODE}/nop"
    officer = Web(app.test_client()).login("demo.chuyenvien")
    officer.get(f"/thu-tuc/{SAMPLE_CODE}/nop", status=403)


def test_the_filing_form_is_rendered_from_the_json_schema_with_labels_and_known_data(citizen):
    page = citizen.get(f"/thu-tuc/{SAMPLE_CODE}/nop").get_data(as_text=True)
    assert re.search(r'<label for="f-ten_ho_kinh_doanh">Tên hộ kinh doanh <span class="req">', page)
    assert 'name="f.chu_ho.ngay_sinh" value="1999-03-14"' in page and 'type="date"' in page  # D24 auto-fill
    assert 'name="f.chu_ho.cccd" value="001099000001"' in page
    assert '<legend>Thông tin chủ hộ kinh doanh' in page
    assert 'type="file" id="file-giay_de_nghi" name="file.giay_de_nghi"' in page


def test_a_citizen_files_with_an_upload_and_gets_the_code_and_intake_deadline(app, citizen, settings):
    r = citizen.file(files={"giay_de_nghi": ("Giấy đề nghị.pdf", PDF)})
    code = r.headers["Location"].split("/")[3]
    assert r.headers["Location"] == f"/ca-nhan/ho-so/{code}/bien-nhan"
    receipt = text_of(citizen.get(r.headers["Location"]))
    assert f"Mã hồ sơ {code}" in receipt
    assert "Hạn kiểm tra, tiếp nhận hồ sơ 23/11/2026 10:00" in receipt  # D7: one working hour
    with app.extensions["tthc"]["sessions"]() as session:
        doc = session.scalar(select(Document).where(Document.kind == "filing"))
        assert (doc.name, doc.media_type) == ("Giấy đề nghị.pdf", "application/pdf")
        assert doc.component == "Giấy đề nghị đăng ký hộ kinh doanh"
        assert doc.sha256 == hashlib.sha256(PDF).hexdigest()
        assert path_for(settings.data_dir, doc.sha256).read_bytes() == PDF
    mine = text_of(citizen.get("/ca-nhan/ho-so"))
    assert code in mine and "Mới đăng ký" in mine


def test_invalid_fields_are_explained_next_to_each_field_and_nothing_is_filed(app, citizen):
    before = counts(app)
    form = copy.deepcopy(SAMPLE_FORM)
    form["dien_thoai"], form["von_kinh_doanh"], form["chu_ho"]["cccd"] = "12345", "năm mươi triệu", "abc"
    del form["ten_ho_kinh_doanh"]
    r = citizen.file(form=form, files={"giay_de_nghi": ("a.pdf", PDF)}, status=422)
    page = r.get_data(as_text=True)
    # what to type: a whole number, the CCCD's 12 digits, the phone's 10 digits from 0 (they said "Sai kiểu dữ
    # liệu", "Không đúng định dạng")
    for field, message in (("dien_thoai", "Gồm đúng 10 chữ số, bắt đầu bằng số 0"),
                           ("von_kinh_doanh", "Số không hợp lệ: nhập một số nguyên, không có phần lẻ"),
                           ("chu_ho-cccd", "Gồm đúng 12 chữ số"), ("ten_ho_kinh_doanh", "Trường này là bắt buộc")):
        assert re.search(rf'id="f-{field}-error"><span class="sr-only">Lỗi: </span>{message}', page), field
        assert re.search(rf'aria-describedby="[^"]*f-{field}-error"', page), field
    assert 'value="năm mươi triệu"' in page  # what was typed comes back
    assert "Số điện thoại" in text_of(r)  # the summary names fields by their labels
    assert counts(app) == before


def test_thousand_separators_are_accepted_in_whole_numbers(app, citizen):
    form = {**SAMPLE_FORM, "von_kinh_doanh": "50.000.000"}
    code = citizen.file_code(form=form)
    assert dossier_row(app, code).form["von_kinh_doanh"] == 50_000_000


def test_filing_for_another_person_makes_them_the_owner(app, citizen):
    owner = {"full_name": "Trần Thị Bình", "birth_date": "1960-05-02", "cccd": "046160000777"}
    r = citizen.file(owner={**owner, "cccd": "12"}, status=422)
    assert 'id="owner-cccd-error"' in r.get_data(as_text=True) and "12 chữ số" in text_of(r)
    code = citizen.file_code(owner=owner)
    row = dossier_row(app, code)
    assert (row.owner_name, row.owner_cccd) == ("Trần Thị Bình", "046160000777")
    assert "Chủ hồ sơ: Trần Thị Bình" in text_of(citizen.get("/ca-nhan/ho-so"))
    # the owner data is ignored unless the box is ticked
    data = flatten(SAMPLE_FORM)
    data.update({"owner.full_name": "X", "owner.cccd": "1"})
    r = citizen.post(f"/thu-tuc/{SAMPLE_CODE}/nop", data, status=302)
    assert dossier_row(app, r.headers["Location"].split("/")[3]).owner_cccd == CITIZEN


@pytest.mark.parametrize("name, content, message", [
    ("virus.pdf", b"MZ\x90\x00 not a pdf", "Chỉ nhận tệp PDF, JPEG hoặc PNG"),
    ("trang.png", b"GIF89a....", "Chỉ nhận tệp PDF, JPEG hoặc PNG"),
    ("rong.pdf", b"", "Tệp rỗng"),
    # they begin like an image and are none (were stored as images)
    ("anh.png", FAKE_PNG, "Tệp ảnh bị hỏng hoặc không đọc được"),
    ("anh.jpg", CUT_JPEG, "Tệp ảnh bị hỏng hoặc không đọc được"),
    ("bom.png", huge_png(), "Ảnh có quá nhiều điểm ảnh"),  # 400 million pixels claimed: never decoded
])
def test_uploads_are_checked_by_their_bytes_and_refused_with_nothing_stored(app, citizen, settings, name, content,
                                                                              message):
    before = counts(app)
    r = citizen.file(files={"giay_de_nghi": (name, content)}, status=422)
    assert message in text_of(r) and 'id="file-giay_de_nghi-error"' in r.get_data(as_text=True)
    assert "chọn lại tệp đính kèm" in text_of(r)
    assert counts(app) == before
    assert not (settings.data_dir / "documents").exists() or not any((settings.data_dir / "documents").rglob("*"))


def test_the_type_comes_from_the_bytes_not_the_name(app, citizen):
    citizen.file(files={"giay_to_phap_ly_chu_ho": ("cccd", PNG), "giay_to_tru_so": ("hop dong.JPG", JPEG),
                        "giay_de_nghi": ("anh.pdf", PNG)})
    with app.extensions["tthc"]["sessions"]() as session:
        docs = {d.name: d.media_type for d in session.scalars(select(Document))}
    assert docs == {"cccd.png": "image/png", "hop dong.JPG": "image/jpeg", "anh.pdf.png": "image/png"}


def test_a_huge_upload_gets_a_vietnamese_413_page_and_changes_nothing(app, citizen, settings):
    before = counts(app)
    data = flatten(SAMPLE_FORM)
    data["csrf_token"] = citizen.csrf()
    data["file.giay_de_nghi"] = (io.BytesIO(PDF + b"0" * settings.max_request_bytes), "lon.pdf")
    r = citizen.post(f"/thu-tuc/{SAMPLE_CODE}/nop", data, csrf=False, status=413, content_type="multipart/form-data")
    assert "quá lớn" in text_of(r) and "Không có gì được lưu" in text_of(r) and not r.is_json
    assert counts(app) == before


def test_tampered_filing_posts_are_refused_or_ignored_never_a_500(app, citizen):
    before = counts(app)
    base = flatten(SAMPLE_FORM)
    for extra in ({"f.von_kinh_doanh": "1e400"}, {"f.so_lao_dong": "-5"},
                  {"f.chu_ho.ngay_sinh": "1999-02-30"}, {"f.email": "not-an-email"},
                  {"f.ten_ho_kinh_doanh": "x" * 5000}, {"f.dien_thoai": "0912345678\x00"}):
        r = citizen.post(f"/thu-tuc/{SAMPLE_CODE}/nop", {**base, **extra})
        assert r.status_code == 422, (extra, r.status_code)
    assert counts(app) == before
    r = citizen.post(f"/thu-tuc/{SAMPLE_CODE}/nop", {**base, "f.khong_co": "x", "f.chu_ho": "x", "procedure": "9.9",
                                                     "owner.cccd": "1"}, status=302)  # unknown names: ignored
    citizen.post("/thu-tuc/9.999999/nop", base, status=404)


# -- my dossiers: other people's codes, supplement, results, rating --------------------------------------------
def test_another_citizens_dossier_is_not_found_and_cannot_be_touched(app, citizen, other_citizen):
    code = citizen.file_code(files={"giay_de_nghi": ("a.pdf", PDF)})
    Web(app.test_client()).login("demo.tiepnhan").act(code, "request_supplement", SUPPLEMENT)
    before = counts(app)
    for path in (f"/ca-nhan/ho-so/{code}", f"/ca-nhan/ho-so/{code}/bien-nhan"):
        assert "Không tìm thấy hồ sơ" in text_of(other_citizen.get(path, status=404))
    other_citizen.post(f"/ca-nhan/ho-so/{code}/bo-sung", flatten(SAMPLE_FORM), status=404)
    other_citizen.post(f"/ca-nhan/ho-so/{code}/danh-gia", {"score": "5"}, status=404)
    with app.extensions["tthc"]["sessions"]() as session:
        doc_id = session.scalar(select(Document.id))
    other_citizen.get(f"/tai-lieu/{doc_id}", status=404)
    Web(app.test_client()).get(f"/tai-lieu/{doc_id}", status=302)  # anonymous: sign in first
    assert citizen.get(f"/tai-lieu/{doc_id}").data == PDF
    assert dossier_row(app, code).status == 5 and counts(app) == before


def test_the_citizen_answers_a_supplement_request_with_its_items_shown(app, citizen, officer):
    code = citizen.file_code()
    officer.act(code, "request_supplement", SUPPLEMENT)
    page = citizen.get(f"/ca-nhan/ho-so/{code}")
    text = text_of(page)
    assert "Yêu cầu bổ sung hồ sơ" in text and "Thiếu chữ ký của chủ hộ" in text and "Ký và tải lên lại" in text
    assert "Yêu cầu bổ sung giấy tờ" in text  # status in words
    bad = {**flatten(SAMPLE_FORM), "f.dien_thoai": "xyz"}
    r = citizen.post(f"/ca-nhan/ho-so/{code}/bo-sung", bad, status=422)
    assert 'id="f-dien_thoai-error"' in r.get_data(as_text=True) and dossier_row(app, code).status == 5
    r = citizen.post(f"/ca-nhan/ho-so/{code}/bo-sung", {**flatten(SAMPLE_FORM), "note": "Đã ký\x00"}, status=422)
    assert "Có ký tự điều khiển không hợp lệ" in text_of(r) and dossier_row(app, code).status == 5
    data = {**flatten(SAMPLE_FORM), "note": "Đã ký bổ sung", "file.giay_de_nghi": (io.BytesIO(PDF + b"2"), "ky.pdf")}
    citizen.post(f"/ca-nhan/ho-so/{code}/bo-sung", data, status=302, content_type="multipart/form-data")
    assert dossier_row(app, code).status == 1
    text = text_of(citizen.get(f"/ca-nhan/ho-so/{code}"))
    assert "Đã gửi hồ sơ bổ sung" in text and "ky.pdf" in text and "Đính kèm giấy tờ" in text
    citizen.post(f"/ca-nhan/ho-so/{code}/bo-sung", flatten(SAMPLE_FORM), status=409)  # nothing to answer now


def test_after_return_the_citizen_downloads_the_result_and_rates_once(app, citizen):
    code = citizen.file_code()
    citizen.post(f"/ca-nhan/ho-so/{code}/danh-gia", {"score": "5"}, status=422)  # not returned yet (D25)
    run_to_return(app, code)
    page = citizen.get(f"/ca-nhan/ho-so/{code}")
    text = text_of(page)
    assert "Đã trả kết quả" in text and "Đánh giá mức độ hài lòng" in text
    links = re.findall(r'href="(/tai-lieu/\d+)\?tai=1" download class="result-link"', page.get_data(as_text=True))
    assert links, "no result to download"
    result = citizen.get(links[0] + "?tai=1")
    assert result.headers["Content-Disposition"].startswith("attachment;") and result.data.startswith(b"%PDF")
    for score in ("0", "6", "abc", "4.5", ""):
        citizen.post(f"/ca-nhan/ho-so/{code}/danh-gia", {"score": score}, status=422)
    citizen.post(f"/ca-nhan/ho-so/{code}/danh-gia", {"score": "4", "comment": "Nhanh, rõ ràng"}, status=302)
    assert "Bạn đã đánh giá 4/5" in text_of(citizen.get(f"/ca-nhan/ho-so/{code}"))
    citizen.post(f"/ca-nhan/ho-so/{code}/danh-gia", {"score": "1"}, status=409)
    with app.extensions["tthc"]["sessions"]() as session:
        assert [(r.score, r.comment) for r in session.scalars(select(SatisfactionRating))] == [(4, "Nhanh, rõ ràng")]


def test_a_rating_refused_keeps_the_comment_the_citizen_typed(app, citizen):
    """A rating sent without a score (or with a comment too long) comes back with the comment and the chosen
    score still there: the page emptied the comment box, and the citizen had to type it again."""
    code = citizen.file_code()
    run_to_return(app, code)
    r = citizen.post(f"/ca-nhan/ho-so/{code}/danh-gia", {"comment": "Cán bộ hướng dẫn <tận tình>"}, status=422)
    page = r.get_data(as_text=True)
    assert "Chọn mức hài lòng từ 1 đến 5" in text_of(r)
    assert ">Cán bộ hướng dẫn &lt;tận tình&gt;</textarea>" in page
    r = citizen.post(f"/ca-nhan/ho-so/{code}/danh-gia", {"score": "4", "comment": "x" * 2001}, status=422)
    page = r.get_data(as_text=True)
    assert 'id="score-4" name="score" value="4" required checked>' in page and "x" * 2001 + "</textarea>" in page
    assert 'value="3" required checked' not in page


def test_a_dossier_not_yet_received_shows_when_the_one_stop_must_answer(app, clock):
    """D7: until intake, the date the citizen waits for is the intake check's (1 working hour); 'My dossiers' and
    the public lookup showed '—' (and '— (tạm tính)' in a year without the official calendar notice)."""
    clock.set(datetime(2027, 1, 5, 9, 0, tzinfo=VN_TZ))  # 2027: no official notice yet, every date provisional
    citizen = Web(app.test_client()).login(CITIZEN)
    code = citizen.file_code()
    row = text_of(citizen.get("/ca-nhan/ho-so")).split(code)[1]
    assert "Hạn kiểm tra, tiếp nhận: 05/01/2027 10:00 (tạm tính)" in row and "— (tạm tính)" not in row
    row = text_of(Web(app.test_client()).get(f"/tra-cuu?q={code}")).split(code)[1]
    assert "Mới đăng ký 05/01/2027 09:00 — Hạn kiểm tra, tiếp nhận: 05/01/2027 10:00 —" in row
    Web(app.test_client()).login("demo.tiepnhan").act(code, "receive")
    row = text_of(citizen.get("/ca-nhan/ho-so")).split(code)[1]
    assert "Hạn kiểm tra, tiếp nhận" not in row and "08/01/2027 09:00 (tạm tính)" in row


def test_apology_letters_are_visible_to_the_citizen(app, citizen, officer):
    code = citizen.file_code()
    officer.act(code, "request_supplement", SUPPLEMENT)
    citizen.post(f"/ca-nhan/ho-so/{code}/bo-sung", {**flatten(SAMPLE_FORM), "note": NOTE}, status=302)
    officer.act(code, "request_supplement", {**SUPPLEMENT, "second_reason.kind": "other",
                                             "second_reason.explanation": "Hướng dẫn lần trước chưa rõ"})
    text = text_of(citizen.get(f"/ca-nhan/ho-so/{code}"))
    assert "Thư xin lỗi" in text and "Hướng dẫn lần trước chưa rõ" in text and "Xem thư" in text


def test_a_refused_dossier_tells_the_citizen_it_was_refused_and_why(app, citizen, officer):
    """D8, D21: refused at intake, or refused to resolve after assessment, the citizen's page says so with the
    reasons the officers wrote (the page showed a refusal as 'Đã trả kết quả ... Trả đúng hạn', like a grant)."""
    code = citizen.file_code()
    officer.act(code, "refuse", {"reasons": "Ngành nghề thuộc danh mục cấm\nĐịa chỉ không có thật"})
    text = text_of(citizen.get(f"/ca-nhan/ho-so/{code}"))
    assert "Hồ sơ không được tiếp nhận" in text
    assert "Ngành nghề thuộc danh mục cấm" in text and "Địa chỉ không có thật" in text
    code = citizen.file_code()
    officer.act(code, "receive")
    Web(app.test_client()).login("demo.chuyenvien").act(code, "propose_refusal",
                                                        {"f.y_kien_tham_dinh": "Ngành nghề cấm kinh doanh"})
    Web(app.test_client()).login("demo.lanhdao").act(code, "refuse", {"reasons": "Ngành nghề cấm kinh doanh"})
    assert "Hồ sơ bị từ chối giải quyết" not in text_of(citizen.get(f"/ca-nhan/ho-so/{code}"))  # not issued yet
    Web(app.test_client()).login("demo.vanthu").act(code, "issue_result", {})
    officer.act(code, "return_result", {"f.hinh_thuc_tra": "online"})
    text = text_of(citizen.get(f"/ca-nhan/ho-so/{code}"))
    assert "Hồ sơ bị từ chối giải quyết" in text and "Kết quả giải quyết Từ chối giải quyết" in text
    assert "Lý do: Ngành nghề cấm kinh doanh" in text
    text = text_of(citizen.get(f"/ca-nhan/ho-so/{citizen.file_code()}"))
    assert "Hồ sơ bị từ chối" not in text and "Hồ sơ không được tiếp nhận" not in text


# -- public lookup --------------------------------------------------------------------------------------------
def test_the_public_lookup_shows_status_and_dates_but_no_personal_data(app, citizen):
    code = citizen.file_code(owner={"full_name": "Trần Thị Bình", "birth_date": "1960-05-02", "cccd": "046160000777"})
    web = Web(app.test_client())
    for query in (code, code.lower(), "046160000777"):
        page = text_of(web.get(f"/tra-cuu?q={query}"))
        assert code in page and "Mới đăng ký" in page and "23/11/2026 09:00" in page, query
        for private in ("Trần Thị Bình", "Nguyễn Văn An", "Tạp hóa", "046160000777 ", "0912345678"):
            assert private not in page.split("Kết quả tra cứu")[1], (query, private)
    assert "Không tìm thấy hồ sơ nào" in text_of(web.get("/tra-cuu?q=000000000000"))
    r = web.get("/tra-cuu?q=<script>", status=422)
    assert "Nhập mã hồ sơ" in text_of(r) and "<script>" not in r.get_data(as_text=True)


def test_unknown_pages_and_methods_answer_vietnamese_pages_not_500(app, citizen):
    assert "Không tìm thấy" in text_of(citizen.get("/khong-co-trang-nay", status=404))
    r = citizen.client.put("/thu-tuc")
    assert r.status_code == 405 and "không được hỗ trợ" in text_of(r)
    citizen.get("/tai-lieu/999999", status=404)
    citizen.get("/ca-nhan/ho-so/000.00.06.H56-261123-9999", status=404)


def test_a_supplement_sent_twice_from_one_page_is_sent_once_and_said_so(app, citizen, officer):
    """A double click, a resend or the back button sent the page's supplement again: the second answer was a 409
    "no supplement request is waiting", read as a failure of the first. The page's one-time token answers it."""
    from sqlalchemy import func, select

    from engine.data.model import AuditEvent, Dossier

    code = citizen.file_code()
    officer.act(code, "request_supplement", SUPPLEMENT)
    page = citizen.get(f"/ca-nhan/ho-so/{code}").get_data(as_text=True)
    token = page.split('name="submit_token" value="')[1].split('"')[0]
    data = {**flatten(SAMPLE_FORM), "submit_token": token, "note": NOTE}
    citizen.post(f"/ca-nhan/ho-so/{code}/bo-sung", data, status=302)
    again = citizen.post(f"/ca-nhan/ho-so/{code}/bo-sung", data, status=302)  # was 409
    assert again.headers["Location"].endswith(f"/ca-nhan/ho-so/{code}")
    assert "Hồ sơ bổ sung này đã được gửi; không gửi lại lần nữa." in text_of(citizen.get(f"/ca-nhan/ho-so/{code}"))
    with app.extensions["tthc"]["sessions"]() as session:
        events = session.scalar(select(func.count()).select_from(AuditEvent).join(Dossier)
                                .where(Dossier.code == code, AuditEvent.action == "supplement"))
    assert events == 1 and dossier_row(app, code).status == 1


def test_a_supplement_with_nothing_new_is_asked_about_before_it_is_sent(app, citizen, officer):
    """D10: the request is answered once. A supplement with no file, no change to the form and no note was taken
    at once: the dossier went back to intake as it was filed, and the one request allowed was spent."""
    code = citizen.file_code()
    officer.act(code, "request_supplement", SUPPLEMENT)
    r = citizen.post(f"/ca-nhan/ho-so/{code}/bo-sung", flatten(SAMPLE_FORM), status=422)
    html = r.get_data(as_text=True)
    assert "Bạn chưa chọn tệp nào, chưa sửa tờ khai và chưa ghi chú" in text_of(r)
    assert 'name="confirm_nothing_new" value="1"' in html and "chưa được lưu" not in text_of(r)
    assert dossier_row(app, code).status == 5  # still waiting for the supplement
    citizen.post(f"/ca-nhan/ho-so/{code}/bo-sung", {**flatten(SAMPLE_FORM), "confirm_nothing_new": "1"}, status=302)
    assert dossier_row(app, code).status == 1  # sent as it was, since the citizen said so
