"""Official forms as data (D8, D16, D30, D31, D40): real dossiers run through the JSON API on both backends,
then the forms read back as text from the PDF (pypdf) and the register opened with openpyxl.

The actions record the forms; they are made (rendered, sealed, verified) right after the commit, by the drain
the test app runs then (conftest.drain_after_commit); `issued()` finds the form made, or makes it from a request
recorded by hand.
"""
from __future__ import annotations

import io
import unicodedata
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from conftest import CITIZEN, PASSWORD, SAMPLE_FORM, STEP_DATA, vn
from engine.cases import accounts, signing_requests
from engine.data.signing_model import SigningRequest
from engine.paperwork import documents, officialforms, registers
from engine.core.clock import VN_TZ
from engine.data.model import Agency, Document, DocumentSignature, Dossier, User

RECEIVER, SPECIALIST, LEADER, CLERK, HEAD = "demo.tiepnhan", "demo.chuyenvien", "demo.lanhdao", "demo.vanthu", \
    "demo.thutruong"
OWNER_NAME, PROCEDURE = "Nguyễn Văn An", "Đăng ký thành lập hộ kinh doanh"
ITEMS = [{"component": "Giấy đề nghị đăng ký hộ kinh doanh", "problem": "Thiếu chữ ký của chủ hộ",
          "required": "Ký và tải lên lại giấy đề nghị"},
         {"component": "Hợp đồng thuê hoặc giấy tờ chứng minh quyền sử dụng chỗ ở làm trụ sở hộ kinh doanh",
          "problem": "Hợp đồng đã hết hạn",
          "required": "Nộp hợp đồng thuê còn hiệu lực"}]
REASONS = ["Ngành nghề kinh doanh thuộc danh mục cấm đầu tư kinh doanh",
           "Địa điểm kinh doanh không thuộc địa bàn phường Thuận Hóa"]
KINDS = {"receive": "receipt", "request_supplement": "supplement_request", "refuse": "refusal"}


# -- helpers ---------------------------------------------------------------------------------------------------

def text_of(content: bytes) -> str:
    """The PDF's text, NFC, with every run of white space (line breaks too) made one space."""
    raw = " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)
    return " ".join(unicodedata.normalize("NFC", raw).split())


def assert_contains(text: str, *needles: str) -> None:
    missing = [n for n in needles if n not in text]
    assert not missing, f"missing {missing} in: {text}"


def sessions(app):
    return app.extensions["tthc"]["sessions"]


def settings_of(app):
    return app.extensions["tthc"]["settings"]


def issued(app, clock, code: str, step: str, action: str, data: dict | None = None,
           actor: str = RECEIVER) -> tuple[int, bytes]:
    """The form the action just issued (its document id and bytes)."""
    with sessions(app)() as session:
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        doc = session.scalar(select(Document).where(Document.dossier_id == dossier.id, Document.kind == KINDS[action],
                                                    Document.created_at >= clock.now()))
        if doc is None:
            user = session.scalar(select(User).where(User.username == actor))
            request = officialforms.issue_for_action(session, settings_of(app), dossier, step, action, data or {},
                                                     user, clock.now())
            session.commit()
            doc = made(app, clock, request)
        return doc.id, documents.read(settings_of(app).data_dir, doc)


def act(api, app, clock, user: str, code: str, step: str, action: str, data: dict | None = None):
    api.act(user, code, action, data)
    return issued(app, clock, code, step, action, data, user)


def signatures_of(app, doc_id: int) -> list[DocumentSignature]:
    with sessions(app)() as session:
        return list(session.scalars(select(DocumentSignature).where(DocumentSignature.document_id == doc_id)))


def set_dates(app, code: str, at: datetime, received: bool = True) -> None:
    with sessions(app)() as session:
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        dossier.filed_at = at
        dossier.received_at = at if received else None
        session.commit()


def with_dossier(app, code: str, fn):
    with sessions(app)() as session:
        result = fn(session, session.scalar(select(Dossier).where(Dossier.code == code)))
        session.commit()
        return result


def made(app, clock, request: SigningRequest) -> Document:
    """The document a request recorded by a use case is made into after the commit (the worker's drain)."""
    signing_requests.drain(sessions(app).begin, settings_of(app), clock.now())
    with sessions(app)() as session:
        req = session.get(SigningRequest, request.id)
        assert req.state == "signed", req.last_error
        return session.get(Document, req.document_id)


# -- Mẫu 01, 02, 03 -----------------------------------------------------------------------------------------------
def test_the_receipt_prints_every_field_of_the_real_dossier(api, app, clock):
    code = api.file(CITIZEN)["code"]
    doc_id, content = act(api, app, clock, RECEIVER, code, "intake", "receive")
    shown = api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()
    due = datetime.fromisoformat(shown["due_at"]).astimezone(VN_TZ)
    text = text_of(content)
    assert_contains(text, "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", "Mẫu số 01",
                    "Thông tư số 03/2025/TT-VPCP", code, OWNER_NAME, PROCEDURE, "1.001612",
                    SAMPLE_FORM["dia_chi_tru_so"], SAMPLE_FORM["dien_thoai"],
                    "Không có thành phần hồ sơ nào được nộp kèm",  # no file attached (test_receipt_components)
                    "3 ngày làm việc", "09 giờ 00 phút, ngày 23/11/2026", due.strftime("%d/%m/%Y"),
                    due.strftime("%H giờ %M phút"), "Trực tuyến", "Trần Thị Tiếp Nhận", "NGƯỜI TIẾP NHẬN HỒ SƠ",
                    "Lệ phí đăng ký hộ kinh doanh: 100.000 đồng", "Số: 1/TNHS")
    assert due == vn(2026, 11, 27, 9, 0)  # 3 working days; Tue 24/11/2026 is a holiday (D15)
    listed = [d for d in shown["documents"] if d["kind"] == "receipt"]
    assert [d["id"] for d in listed] == [doc_id] and listed[0]["number"] == "1/TNHS"
    assert listed[0]["name"] == f"giay-tiep-nhan-{code}-1-TNHS.pdf"  # was receipt-…: English on the citizen's page
    # printed with the officer's name and sealed by the agency when it is issued (D22: nothing unsigned is shown)
    assert [(s["organisation"], s["valid"]) for s in listed[0]["signatures"]] == [
        ("Ủy ban nhân dân phường Thuận Hóa (demo)", True)]
    r = api.get(f"/api/v1/documents/{doc_id}", CITIZEN)
    assert r.status_code == 200 and r.mimetype == "application/pdf" and r.data == content


def test_receipt_numbers_follow_the_agency_sequence(api, app, clock):
    first, second = api.file(CITIZEN)["code"], api.file(CITIZEN)["code"]
    act(api, app, clock, RECEIVER, first, "intake", "receive")
    clock.advance(minutes=5)
    _, content = act(api, app, clock, RECEIVER, second, "intake", "receive")
    assert_contains(text_of(content), "Số: 2/TNHS", "Quyển số 2026, số thứ tự 2", second)


def test_a_receipt_names_the_owner_when_someone_else_filed(api, app, clock):
    owner = {"full_name": "Trần Thị Bình", "birth_date": "1990-01-02", "cccd": "079099000777"}
    for_other = api.file(CITIZEN, owner=owner)["code"]
    _, content = act(api, app, clock, RECEIVER, for_other, "intake", "receive")
    assert_contains(text_of(content), "Tiếp nhận hồ sơ của Nguyễn Văn An", "Chủ hồ sơ Trần Thị Bình",
                    "079099000777", "Không có thành phần hồ sơ nào được nộp kèm")
    at_desk = api.file(RECEIVER, owner=owner, channel="desk")["code"]
    _, content = act(api, app, clock, RECEIVER, at_desk, "intake", "receive")
    text = text_of(content)
    assert_contains(text, "Tiếp nhận hồ sơ của Trần Thị Bình", "(bản giấy)", "Trực tiếp tại Bộ phận Một cửa")
    assert "Chủ hồ sơ" not in text


def test_an_intake_supplement_request_lists_each_item(api, app, clock):
    code = api.file(CITIZEN)["code"]
    doc_id, content = act(api, app, clock, RECEIVER, code, "intake", "request_supplement", {"items": ITEMS})
    text = text_of(content)
    assert_contains(text, "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ", "Mẫu số 02", code, OWNER_NAME, PROCEDURE,
                    "Tiếp nhận hồ sơ (Bộ phận Một cửa)", "Lần thứ 1", "Trần Thị Tiếp Nhận", "NGƯỜI HƯỚNG DẪN",
                    *[it[k] for it in ITEMS for k in ("component", "problem", "required")],
                    "để được hướng dẫn./.")
    assert "Lý do yêu cầu bổ sung lần hai" not in text
    assert [s.valid for s in signatures_of(app, doc_id)] == [True]  # the agency's seal only


def test_a_processing_supplement_request_is_sealed_and_a_second_one_names_what_was_not_done(api, app, clock):
    code = api.file(CITIZEN)["code"]
    api.act(RECEIVER, code, "receive")
    clock.advance(hours=1)
    doc_id, content = act(api, app, clock, SPECIALIST, code, "assessment", "request_supplement",
                          {"items": ITEMS[:1]})
    assert_contains(text_of(content), "Giải quyết hồ sơ", "Lần thứ 1", "Lê Văn Chuyên", ITEMS[0]["problem"])
    sigs = signatures_of(app, doc_id)
    assert [(s.field, s.valid) for s in sigs] == [("ChuKySoToChuc", True)]
    clock.advance(hours=1)
    r = api.post(f"/api/v1/dossiers/{code}/supplement", CITIZEN, json={"form": SAMPLE_FORM})
    assert r.status_code == 200, r.get_json()
    clock.advance(hours=1)
    second = {"items": ITEMS[:1], "second_reason": {
        "kind": "applicant_not_compliant", "unmet_items": [ITEMS[0]["component"]],
        "explanation": "Giấy đề nghị vẫn chưa có chữ ký của chủ hộ"}}
    _, content = act(api, app, clock, SPECIALIST, code, "assessment", "request_supplement", second)
    assert_contains(text_of(content), "Lần thứ 2", "Lý do yêu cầu bổ sung lần hai",
                    "Người nộp chưa thực hiện đúng yêu cầu bổ sung lần trước",
                    "Giấy đề nghị vẫn chưa có chữ ký của chủ hộ", "Các nội dung của lần trước chưa được thực hiện")


def test_a_refusal_at_intake_prints_the_concrete_reasons(api, app, clock):
    code = api.file(CITIZEN)["code"]
    doc_id, content = act(api, app, clock, RECEIVER, code, "intake", "refuse", {"reasons": REASONS})
    assert_contains(text_of(content), "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ", "Mẫu số 03", code, OWNER_NAME,
                    PROCEDURE, *REASONS, "thông báo không tiếp nhận, giải quyết hồ sơ này",
                    "Trần Thị Tiếp Nhận", "Số: 1/TCHS")
    kinds = [d["kind"] for d in api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()["documents"]]
    assert kinds == ["refusal"]


def test_other_actions_issue_no_form(api, app, clock):
    code = api.file(CITIZEN)["code"]
    api.act(RECEIVER, code, "receive")

    def call(session, dossier):
        user = session.scalar(select(User).where(User.username == SPECIALIST))
        return officialforms.issue_for_action(session, settings_of(app), dossier, "assessment", "propose_approval",
                                              STEP_DATA["propose_approval"], user, clock.now())

    assert with_dossier(app, code, call) is None


# -- the control slip (D30) -----------------------------------------------------------------------------------------
def test_timeliness_is_judged_by_the_calendar_day_in_vietnam():
    due = vn(2026, 11, 26, 0, 10)
    assert registers.timeliness(vn(2026, 11, 25, 23, 30), due) == "Trước hạn"  # same UTC day, earlier VN day
    assert registers.timeliness(vn(2026, 11, 26, 0, 10), due) == "Đúng hạn"
    assert registers.timeliness(vn(2026, 11, 26, 0, 11), due) == "Quá hạn"
    assert registers.timeliness(vn(2026, 11, 26, 0, 5), None) == "Không có thời hạn riêng"


def at(api, clock, when: datetime) -> None:
    """Move the clock; tokens (8 hours) are issued again when used."""
    clock.set(when)
    api.tokens.clear()


def run_late_dossier(api, app, clock) -> str:
    """Filed Mon 23/11 09:00 (intake due 10:00), received late at 11:00 (result due Fri 27/11 11:00: three working
    days, Tue 24/11 is a holiday), assessed the same day, approved and signed on the due day before 11:00,
    returned at 14:00: the return step has no limit of its own, the dossier is not late (resolved in time, D19:
    no apology)."""
    code = api.file(CITIZEN)["code"]
    at(api, clock, vn(2026, 11, 23, 11, 0))
    api.act(RECEIVER, code, "receive")
    at(api, clock, vn(2026, 11, 23, 14, 0))
    api.act(SPECIALIST, code, "propose_approval", STEP_DATA["propose_approval"])
    at(api, clock, vn(2026, 11, 27, 10, 0))
    api.act(LEADER, code, "approve")
    at(api, clock, vn(2026, 11, 27, 10, 30))
    api.act(CLERK, code, "issue_result", STEP_DATA["issue_result"])
    at(api, clock, vn(2026, 11, 27, 14, 0))
    final = api.act(RECEIVER, code, "return_result", STEP_DATA["return_result"])
    assert final["late"] is False and final["letters"] == []
    return code


def test_the_control_slip_judges_each_hand_over_against_its_step_limit(api, app, clock):
    code = run_late_dossier(api, app, clock)
    rows = with_dossier(app, code, lambda session, dossier: registers.handovers(session, dossier))
    assert [(r.giver.split(":")[0], r.result) for r in rows] == [
        ("Nộp hồ sơ", "Không có thời hạn riêng"), ("Tiếp nhận hồ sơ", "Quá hạn"), ("Thẩm định hồ sơ", "Trước hạn"),
        ("Phê duyệt kết quả", "Đúng hạn"), ("Ký số, đóng dấu và ban hành kết quả", "Đúng hạn"),
        ("Trả kết quả", "Không có thời hạn riêng")]
    assert rows[1].due == vn(2026, 11, 23, 10, 0) and rows[2].due == vn(2026, 11, 27, 11, 0)
    assert rows[1].receiver == rows[2].giver == "Thẩm định hồ sơ: Lê Văn Chuyên"
    assert rows[-1].giver == "Trả kết quả: Trần Thị Tiếp Nhận" and rows[-1].receiver == f"Tổ chức, cá nhân: {OWNER_NAME}"
    r = api.get(f"/api/v1/dossiers/{code}/control-slip", RECEIVER)
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    text = text_of(r.data)
    assert_contains(text, "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ", "Mẫu số 06", "Thông tư số 03/2025/TT-VPCP",
                    code, OWNER_NAME, PROCEDURE, "Quá hạn", "Trước hạn", "Đúng hạn", "Giao: Tiếp nhận hồ sơ",
                    "Nhận: Thẩm định hồ sơ: Lê Văn Chuyên", "11 giờ 00 phút, ngày 23/11/2026",
                    f"Nhận: Tổ chức, cá nhân: {OWNER_NAME}", "Đã trả kết quả")


def test_the_control_slip_of_an_open_dossier_ends_with_the_waiting_step(api, app, clock):
    code = api.file(CITIZEN)["code"]
    api.act(RECEIVER, code, "receive")
    rows = with_dossier(app, code, lambda session, dossier: registers.handovers(session, dossier))
    assert [r.result for r in rows] == ["Không có thời hạn riêng", "Đúng hạn"]
    assert rows[-1].receiver == "Thẩm định hồ sơ: Chuyên viên"


# -- the register (D31) -----------------------------------------------------------------------------------------
def test_the_register_has_one_row_per_dossier_of_the_period(api, app, clock):
    returned = run_late_dossier(api, app, clock)
    at(api, clock, vn(2026, 11, 23, 15, 0))
    refused = api.file(CITIZEN)["code"]
    api.act(RECEIVER, refused, "refuse", {"reasons": REASONS})
    asked = api.file(CITIZEN)["code"]
    api.act(RECEIVER, asked, "request_supplement", {"items": ITEMS})
    at(api, clock, vn(2026, 11, 30, 9, 0))
    api.file(CITIZEN)  # outside the period
    r = api.get("/api/v1/register?from=2026-11-23&to=2026-11-27&format=xlsx", RECEIVER)
    assert r.status_code == 200, r.get_json()
    assert r.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(r.data)).active
    assert sheet.cell(row=2, column=1).value == "SỔ THEO DÕI HỒ SƠ"
    assert "Mẫu số 07" in sheet.cell(row=3, column=1).value
    header = [c.value for c in sheet[registers.HEADER_ROW]]
    assert header == [label for _, label in registers.COLUMNS]
    rows = {row[1]: dict(zip(header, row)) for row in sheet.iter_rows(min_row=registers.HEADER_ROW + 1,
                                                                       values_only=True)}
    assert set(rows) == {returned, refused, asked}
    done = rows[returned]
    assert done["Tên thủ tục hành chính"] == PROCEDURE and done["Tên cá nhân, tổ chức"] == OWNER_NAME
    assert done["Địa chỉ"] == SAMPLE_FORM["dia_chi_tru_so"] and done["Số điện thoại"] == SAMPLE_FORM["dien_thoai"]
    assert done["Cơ quan chủ trì giải quyết"].startswith("Ủy ban nhân dân phường Thuận Hóa")
    assert done["Nhận hồ sơ"] == datetime(2026, 11, 23, 11, 0) == done["Chuyển hồ sơ đến cơ quan giải quyết"]
    assert done["Hẹn trả kết quả"] == datetime(2026, 11, 27, 11, 0)
    assert done["Nhận kết quả từ cơ quan giải quyết"] == datetime(2026, 11, 27, 10, 30)
    assert done["Trả kết quả cho cá nhân, tổ chức"] == datetime(2026, 11, 27, 14, 0)
    assert "Tiếp nhận quá hạn" in done["Ghi chú"] and "Thư xin lỗi" not in done["Ghi chú"]
    assert rows[refused]["Trạng thái"] == "Không được tiếp nhận" and rows[refused]["Nhận hồ sơ"] is None
    assert rows[refused]["Nộp hồ sơ"] == datetime(2026, 11, 23, 15, 0)
    assert "Yêu cầu bổ sung 1 lần" in rows[asked]["Ghi chú"]
    r = api.get("/api/v1/register?from=2026-11-23&to=2026-11-27", RECEIVER)
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    assert_contains(text_of(r.data), "SỔ THEO DÕI HỒ SƠ", "Mẫu số 07", returned, refused, asked, PROCEDURE,
                    "Từ ngày 23/11/2026 đến ngày 27/11/2026")


# -- regimes (D1, D40) -------------------------------------------------------------------------------------------
def test_form_numbers_by_regime():
    old, new = officialforms.TT01_2018, officialforms.TT03_2025
    assert officialforms.regime_at(date(2025, 6, 30)) is old and officialforms.regime_at(date(2025, 7, 1)) is new
    numbers = {key: (f.number(old), f.number(new)) for key, f in officialforms.FORMS.items()}
    assert numbers == {"receipt": ("01", "01"), "supplement_request": ("02", "02"), "refusal": ("03", "03"),
                       "apology": ("04", "04"), "stop_notice": (None, "05"), "control_slip": ("05", "06"),
                       "register": ("06", "07"), "handover_slip": (None, None)}  # liên thông: no form number


@pytest.mark.parametrize("when, circular, slip", [
    (vn(2025, 6, 30, 9, 0), "Thông tư số 01/2018/TT-VPCP", "Mẫu số 05"),
    (vn(2026, 2, 23, 9, 0), "Thông tư số 03/2025/TT-VPCP", "Mẫu số 06")])
def test_a_dossier_keeps_the_numbering_of_the_day_it_was_received(api, app, clock, when, circular, slip):
    code = api.file(CITIZEN)["code"]
    api.act(RECEIVER, code, "receive")
    set_dates(app, code, when)

    def forms(session, dossier):
        user = session.scalar(select(User).where(User.username == RECEIVER))
        request = officialforms.receipt(session, settings_of(app), dossier, user, clock.now())
        return request, registers.control_slip(session, settings_of(app), dossier, clock.now())

    request, control = with_dossier(app, code, forms)
    receipt = documents.read(settings_of(app).data_dir, made(app, clock, request))
    assert_contains(text_of(receipt), "Mẫu số 01", circular, code, OWNER_NAME,
                    when.strftime("ngày %d/%m/%Y"))
    assert_contains(text_of(control), slip, circular, code)


def test_a_dossier_filed_before_the_switch_but_received_after_it_follows_the_new_rules(api, app, clock):
    code = api.file(CITIZEN)["code"]
    set_dates(app, code, vn(2025, 6, 30, 16, 0), received=False)
    assert with_dossier(app, code, lambda s, d: officialforms.regime_of(d)) is officialforms.TT01_2018

    def receive_next_day(session, dossier):
        dossier.received_at = vn(2025, 7, 1, 8, 0)
        return officialforms.regime_of(dossier)

    assert with_dossier(app, code, receive_next_day) is officialforms.TT03_2025


def test_the_register_follows_the_regime_at_the_end_of_its_period(api, app, clock):
    code = api.file(CITIZEN)["code"]
    set_dates(app, code, vn(2025, 6, 30, 9, 0))
    with sessions(app)() as session:
        agency = session.scalar(select(Dossier).where(Dossier.code == code)).agency_id
        book = load_workbook(io.BytesIO(registers.register_xlsx(session, agency, date(2025, 6, 1), date(2025, 6, 30))))
        rows = registers.register_rows(session, agency, date(2025, 6, 30), date(2025, 6, 30))
    assert "Mẫu số 06" in book.active.cell(row=3, column=1).value
    assert "Thông tư số 01/2018/TT-VPCP" in book.active.cell(row=3, column=1).value
    assert [r.code for r in rows] == [code]


# -- the stop notice (D16) -----------------------------------------------------------------------------------------
def test_a_stop_notice_is_tt_03_2025_form_05(api, app, clock):
    code = api.file(CITIZEN)["code"]
    api.act(RECEIVER, code, "receive")

    def stop(session, dossier):
        user = session.scalar(select(User).where(User.username == RECEIVER))
        return officialforms.stop_notice(session, settings_of(app), dossier, "Người nộp đề nghị dừng giải quyết",
                                         user, clock.now())

    doc = made(app, clock, with_dossier(app, code, stop))
    kind, content = doc.kind, documents.read(settings_of(app).data_dir, doc)
    assert kind == "stop_notice"
    assert_contains(text_of(content), "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ", "Mẫu số 05", "Thông tư số 03/2025/TT-VPCP",
                    "Điều 21 Nghị định số 118/2025/NĐ-CP", code, OWNER_NAME, PROCEDURE,
                    "Người nộp đề nghị dừng giải quyết", "Trần Thị Tiếp Nhận")



def test_the_stop_notice_of_a_withdrawal_is_the_agency_s_not_signed_by_the_citizen(api, app, clock):
    """D16, TT 03/2025 Mẫu 05: the citizen withdraws (NĐ 118 Điều 21); the one-stop issues the stop notice under
    the agency's seal. It named the citizen who withdrew as the officer who drew it up ("Người lập thông báo")."""
    code = api.file(CITIZEN)["code"]
    api.act(RECEIVER, code, "receive")
    clock.advance(hours=1)
    r = api.post(f"/api/v1/dossiers/{code}/withdraw", CITIZEN, json={"reason": "Tôi muốn nộp lại hồ sơ khác"})
    assert r.status_code == 200, r.get_json()
    [notice] = [d for d in api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()["documents"]
                if d["kind"] == "stop_notice"]
    assert [s["valid"] for s in notice["signatures"]] == [True]  # the agency's seal only
    text = text_of(api.get(notice["url"], CITIZEN).data)
    assert_contains(text, "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ", "Mẫu số 05", "Kính gửi " + OWNER_NAME,
                    "Ủy ban nhân dân phường Thuận Hóa (demo) thông báo dừng giải quyết hồ sơ sau đây",
                    "Tôi muốn nộp lại hồ sơ khác")
    assert "Người lập thông báo " + OWNER_NAME not in text and "NGƯỜI LẬP THÔNG BÁO" not in text, text

# -- access --------------------------------------------------------------------------------------------------------
@pytest.fixture
def other_agency_officer(app, clock):
    with sessions(app)() as session:
        agency = Agency(code="000.00.07.H56", name="Ủy ban nhân dân phường Phú Xuân (kiểm thử)")
        session.add(agency)
        session.flush()
        accounts.ensure_officer(session, clock.now(), "other.canbo", "Cán Bộ Khác",
                                {"receiving_officer", "specialist"}, agency, PASSWORD)
        session.commit()
    return "other.canbo"


def test_only_officers_of_the_agency_get_the_control_slip(api, app, clock, other_agency_officer):
    code = api.file(CITIZEN)["code"]
    for user in (RECEIVER, SPECIALIST, CLERK):
        r = api.get(f"/api/v1/dossiers/{code}/control-slip", user)
        assert r.status_code == 200 and r.mimetype == "application/pdf", user
    for user in (CITIZEN, other_agency_officer, "demo.admin"):
        r = api.get(f"/api/v1/dossiers/{code}/control-slip", user)
        assert r.status_code == 404 and r.get_json()["error"]["code"] == "dossier_not_found", user
    assert api.get(f"/api/v1/dossiers/{code}/control-slip").status_code == 401
    assert api.get("/api/v1/dossiers/000.00.06.H56-261123-9999/control-slip", RECEIVER).status_code == 404


def test_only_officers_get_the_register_of_their_own_agency(api, app, clock, other_agency_officer):
    code = api.file(CITIZEN)["code"]
    for user in (CITIZEN, "demo.admin"):
        r = api.get("/api/v1/register?from=2026-11-01&to=2026-11-30", user)
        assert r.status_code == 403 and r.get_json()["error"]["code"] == "forbidden", user
    assert api.get("/api/v1/register").status_code == 401
    r = api.get("/api/v1/register?from=2026-11-01&to=2026-11-30&format=xlsx", other_agency_officer)
    assert r.status_code == 200
    sheet = load_workbook(io.BytesIO(r.data)).active
    assert sheet.cell(row=1, column=1).value.startswith("Ủy ban nhân dân phường Phú Xuân")
    assert sheet.max_row == registers.HEADER_ROW
    r = api.get("/api/v1/register?format=xlsx", RECEIVER)  # default: this month up to today
    rows = list(load_workbook(io.BytesIO(r.data)).active.iter_rows(min_row=registers.HEADER_ROW + 1,
                                                                    values_only=True))
    assert [row[1] for row in rows] == [code]


@pytest.mark.parametrize("query, field", [("from=2026-13-01&to=2026-11-30", "from"), ("from=23/11/2026", "from"),
                                          ("to=2026-02-30", "to"), ("from=2026-11-30&to=2026-11-01", "from"),
                                          ("from=2024-01-01&to=2026-11-30", "to"), ("format=docx", "format")])
def test_bad_register_queries_are_422(api, query, field):
    r = api.get(f"/api/v1/register?{query}", RECEIVER)
    assert r.status_code == 422, r.data[:200]
    error = r.get_json()["error"]
    assert error["code"] == "invalid" and error["message"] and field in error["fields"]


def test_mau_02_and_its_notice_name_a_declared_component_by_its_name_not_its_key(api, app, clock):
    """D8, D10: "which components": the procedure declares giay_to_tru_so as "Hợp đồng thuê hoặc giấy tờ chứng minh
    quyền sử dụng chỗ ở làm trụ sở hộ kinh doanh"; Mẫu 02 and the citizen's notice printed the key."""
    from engine.data.notice_model import Notice

    code = api.file(CITIZEN)["code"]
    item = {"component": "giay_to_tru_so", "problem": "Hợp đồng thuê nhà đã hết hạn", "required": "Hợp đồng còn hạn"}
    _, content = act(api, app, clock, RECEIVER, code, "intake", "request_supplement", {"items": [item]})
    name = "Hợp đồng thuê hoặc giấy tờ chứng minh quyền sử dụng chỗ ở làm trụ sở hộ kinh doanh"
    text = text_of(content)
    assert_contains(text, "1. " + name, "Hợp đồng thuê nhà đã hết hạn")
    assert "giay_to_tru_so" not in text
    with app.extensions["tthc"]["sessions"]() as session:
        body = session.scalar(select(Notice.body).where(Notice.event == "supplement_requested")
                              .order_by(Notice.id.desc()).limit(1))
    assert name in body and "giay_to_tru_so" not in body, body


def test_the_official_forms_are_dated_at_the_same_place_as_the_results(api, app, clock):
    """D34: Mẫu 01 read "Thừa Thiên Huế, ngày ..." while the result of the same agency, the same day, read "Huế, ngày
    ..." (the procedures declare agencyPlace "Huế"; the province is thành phố Huế since 2025)."""
    code = api.file(CITIZEN)["code"]
    _, content = act(api, app, clock, RECEIVER, code, "intake", "receive")
    text = text_of(content)
    assert "Huế, ngày" in text and "Thừa Thiên Huế" not in text, text


def test_every_stored_form_has_a_vietnamese_file_name():
    """A form stored on the dossier is downloaded by the citizen and listed on the pages under its file name."""
    from engine.paperwork import officialforms

    stored = {f.kind for f in vars(officialforms).values()
              if isinstance(f, officialforms.OfficialForm) and f.kind not in (None, "apology")}  # letters.py names it
    assert stored and stored <= officialforms.FILE_STEMS.keys(), stored - officialforms.FILE_STEMS.keys()
    assert all(stem.isascii() and "_" not in stem for stem in officialforms.FILE_STEMS.values())
