"""Statistics as files: CSV (UTF-8 with a byte-order mark, so that spreadsheet programs read the Vietnamese) and
XLSX (openpyxl's write-only workbook: rows are written as they come, a long export never holds styled cells in
memory). Both hold exactly the rows and the total of the JSON answer, with the counters' names as a first header
row (machine-readable) and their Vietnamese words as a second.
"""
from __future__ import annotations

import csv
import io

from engine.core import sheets
from engine.core.vocabulary import COUNTER_WORDS, vn_time
from engine.reports.statistics import COUNTERS, Report

TOTAL = "Tổng cộng"


def _header() -> tuple[list[str], list[str]]:
    return (["key", "label", *COUNTERS], ["Mã", "Tên", *(COUNTER_WORDS[c] for c in COUNTERS)])


def _lines(report: Report):
    yield from _header()
    for row in report.rows:
        yield [row["key"], row["label"], *(row[c] for c in COUNTERS)]
    yield ["total", TOTAL, *(report.total[c] for c in COUNTERS)]


def csv_bytes(report: Report) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for line in _lines(report):
        writer.writerow("" if v is None else sheets.csv_value(v) for v in line)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_bytes(report: Report) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Thống kê")
    scope = report.scope
    sheet.append([f"Thống kê giải quyết thủ tục hành chính từ {vn_time(scope.start, 'date')} đến {vn_time(scope.end, 'date')}"])
    for line in _lines(report):
        sheet.append([sheets.text_cell(WriteOnlyCell(sheet, value=v)) if sheets.risky(v) else v for v in line])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
