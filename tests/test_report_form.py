"""The periodic report form sent upward (engine/reports/reportform.py): the XLSX's header block, merged header
cells, borders, number formats and totals; the PDF's text; the carried-over column from the day before."""
from __future__ import annotations

import io
import unicodedata
from datetime import date, datetime

from openpyxl import load_workbook
from pypdf import PdfReader

from engine.core.clock import VN_TZ
from engine.core.settings import load_settings
from engine.reports import reportform
from engine.reports.reportform import Line, ReportForm
from engine.reports.scope import Scope
from test_result_archival import archival_problems

FORM = ReportForm("Sở Kế hoạch và Đầu tư", Scope(date(2026, 3, 1), date(2026, 3, 31), group_by="agency"), [
    Line("Phòng Đăng ký kinh doanh", carried=3, online=10, direct=5, early=2, on_time=8, late=1,
         pending_in_time=4, pending_overdue=3),
    Line("UBND huyện Phú Vang", carried=0, online=1200, direct=300, early=100, on_time=900, late=50,
         pending_in_time=440, pending_overdue=10)])


def pdf_text(content: bytes) -> str:
    raw = " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)
    return " ".join(unicodedata.normalize("NFC", raw).split())


def test_a_line_adds_up_its_columns():
    line = FORM.lines[0]
    assert line.values() == [18, 3, 10, 5, 11, 2, 8, 1, 7, 4, 3]  # (3) to (13)
    assert FORM.total.values() == [1518, 3, 1210, 305, 1061, 102, 908, 51, 457, 444, 13]


def test_the_xlsx_has_the_header_block_merged_headers_borders_and_totals():
    sheet = load_workbook(io.BytesIO(reportform.to_xlsx(FORM))).active
    assert sheet["A1"].value == reportform.FORM_CODE
    assert sheet["A2"].value == "Đơn vị báo cáo: Sở Kế hoạch và Đầu tư"
    assert sheet["H1"].value == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    assert sheet["A4"].value == reportform.TITLE.upper()
    assert sheet["A5"].value == "Kỳ báo cáo: từ ngày 01/03/2026 đến ngày 31/03/2026"
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert {"A4:N4", "A8:A10", "B8:B10", "C8:F8", "G8:M8", "C9:C10", "D9:F9", "G9:J9", "K9:M9"} <= merged
    assert sheet["C8"].value == "Số hồ sơ nhận giải quyết" and sheet["G8"].value == "Kết quả giải quyết"
    assert sheet["B8"].value == "Cơ quan, đơn vị giải quyết"
    assert [sheet.cell(row=10, column=c).value for c in range(4, 14)] == [
        "Số kỳ trước chuyển qua", "Số mới tiếp nhận trực tuyến", "Số mới tiếp nhận trực tiếp, dịch vụ bưu chính",
        "Tổng số", "Trả trước hạn", "Trả đúng thời hạn", "Trả quá hạn", "Tổng số", "Chưa đến hạn", "Quá hạn"]
    assert [sheet.cell(row=11, column=c).value for c in (1, 2, 13)] == ["(1)", "(2)", "(13)"]
    rows = [[sheet.cell(row=r, column=c).value for c in range(1, 14)] for r in (12, 13, 14)]
    assert rows[0] == ["1", "Phòng Đăng ký kinh doanh", 18, 3, 10, 5, 11, 2, 8, 1, 7, 4, 3]
    assert rows[1][:3] == ["2", "UBND huyện Phú Vang", 1500]
    assert rows[2] == [None, "Tổng cộng", 1518, 3, 1210, 305, 1061, 102, 908, 51, 457, 444, 13]
    assert all(sheet.cell(row=12, column=c).number_format == "#,##0" for c in range(3, 14))
    assert sheet["C14"].font.b and not sheet["C12"].font.b
    for ref in ("A8", "M10", "C12", "M14"):
        border = sheet[ref].border
        assert {border.left.style, border.right.style, border.top.style, border.bottom.style} == {"thin"}, ref
    assert sheet.freeze_panes == "C12"


def test_the_pdf_prints_the_form_with_vietnamese_numbers_as_an_archival_pdf():
    settings = load_settings()  # the fonts of the default settings
    content = reportform.to_pdf(settings, FORM, datetime(2026, 4, 2, 9, 0, tzinfo=VN_TZ))
    assert archival_problems(content) == []  # PDF/A-3b like every document of engine.paperwork.pdf
    text = pdf_text(content)
    for needle in (reportform.FORM_CODE, "Đơn vị báo cáo: Sở Kế hoạch và Đầu tư", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                   "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH",
                   "Kỳ báo cáo: từ ngày 01/03/2026 đến ngày 31/03/2026", "Số kỳ trước chuyển qua", "Trả quá hạn",
                   "Phòng Đăng ký kinh doanh", "UBND huyện Phú Vang 1.500 0 1.200 300 1.050 100 900 50 450 440 10",
                   "Tổng cộng 1.518 3 1.210 305 1.061 102 908 51 457 444 13", "02/04/2026", "NGƯỜI LẬP BIỂU",
                   "THỦ TRƯỞNG ĐƠN VỊ"):
        assert needle in text, (needle, text)


def test_an_empty_period_still_gives_the_form_with_a_zero_total():
    empty = ReportForm("Sở Tư pháp", Scope(date(2026, 3, 1), date(2026, 3, 31), group_by="procedure"))
    sheet = load_workbook(io.BytesIO(reportform.to_xlsx(empty))).active
    assert sheet["B8"].value == "Thủ tục hành chính"
    assert [sheet.cell(row=12, column=c).value for c in (2, 3, 13)] == ["Tổng cộng", 0, 0]
