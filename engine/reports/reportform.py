"""The periodic report an agency sends upward on the situation and results of handling administrative
procedures (báo cáo tình hình, kết quả giải quyết TTHC), as XLSX and PDF, from the D32 counters.

The research notes do not hold the form itself (notes §13: the circulars' appendices were not readable). The
columns follow the report form the government office's guidance uses for agencies that handle procedures
directly ("Biểu số 06a/VPCP/KSTT", from memory, not checked against the appendix): received (carried over from
the previous period; newly received online; newly received at the desk or by post), resolved (before the due
date, on time, late) and pending (within time, overdue), one row per agency or procedure and a total row.

Carried over: the dossiers still pending at the end of the day before the period, counted by the same
statistics (pending within time and overdue then). So, per row, total received (3) = (4) + (5) + (6).

One basis per row (D29, D32): every column of a row counts the dossiers the row's agency resolves (the processing
agency an offer names, else the receiving one), the newly received ones too, so that each row balances. Withdrawn
and stopped dossiers (statuses 7 and 8, NĐ 118 Điều 21) leave the pending without a result: column (14), after the
form's own thirteen, counts those ended in the period, so that (3) = (7) + (11) + (14).
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from engine.core import sheets
from engine.core.collation import vn_sort_key
from engine.core.clock import VN_TZ
from engine.core.settings import Settings
from engine.core.vocabulary import vn_number, vn_time
from engine.data.agency_model import Agency
from engine.data.model import Dossier
from engine.law import counting
from engine.paperwork import pdf
from engine.reports.scope import Scope
from engine.reports.statistics import RESOLVING, PeriodQuery, labels, statistics

FORM_CODE = "Biểu số 06a/VPCP/KSTT"
PROVINCE = "Ủy ban nhân dân tỉnh"  # who reports for every agency, when the tree has no one root to name it
TITLE = "Tình hình, kết quả giải quyết thủ tục hành chính tại cơ quan, đơn vị trực tiếp giải quyết thủ tục hành chính"
SUBJECT = {"agency": "Cơ quan, đơn vị giải quyết", "procedure": "Thủ tục hành chính"}
# The counted columns, (4) to (14), in print order (the fields of Line); (3), (7) and (11) are totals.
COLUMNS = ("carried", "online", "direct", "early", "on_time", "late", "pending_in_time", "pending_overdue", "ended")
ENDED = "Số hồ sơ rút, dừng giải quyết"  # (14): withdrawn by the applicant or stopped (statuses 7, 8)
HEADER = [  # four header rows: groups, subgroups, columns, the columns' numbers
    ["STT", None, "Số hồ sơ nhận giải quyết", "", "", "", "Kết quả giải quyết", "", "", "", "", "", "", ENDED],
    ["", "", "Tổng số", "Trong đó", "", "", "Số hồ sơ đã giải quyết", "", "", "", "Số hồ sơ đang giải quyết", "",
     "", ""],
    ["", "", "", "Số kỳ trước chuyển qua", "Số mới tiếp nhận trực tuyến",
     "Số mới tiếp nhận trực tiếp, dịch vụ bưu chính", "Tổng số", "Trả trước hạn", "Trả đúng thời hạn",
     "Trả quá hạn", "Tổng số", "Chưa đến hạn", "Quá hạn", ""],
    [f"({n})" for n in range(1, 15)],
]
# Merged header cells as ((first column, first row), (last column, last row)), zero-based.
SPANS = [((0, 0), (0, 2)), ((1, 0), (1, 2)), ((2, 0), (5, 0)), ((6, 0), (12, 0)), ((2, 1), (2, 2)),
         ((3, 1), (5, 1)), ((6, 1), (9, 1)), ((10, 1), (12, 1)), ((13, 0), (13, 2))]
WIDTHS_MM = [12, 60, 17, 17, 18, 20, 17, 17, 17, 17, 17, 17, 17, 19]  # 265 of the landscape page's 267
WIDTHS_XLSX = [6, 44, 11, 13, 13, 16, 11, 11, 11, 11, 11, 11, 11, 14]


@dataclass
class Line:
    """One row of the form: who (an agency or a procedure) and the counted columns (4)–(14)."""

    name: str
    carried: int = 0
    online: int = 0
    direct: int = 0
    early: int = 0
    on_time: int = 0
    late: int = 0
    pending_in_time: int = 0
    pending_overdue: int = 0
    ended: int = 0  # withdrawn or stopped in the period (14)

    @property
    def received(self) -> int:
        return self.carried + self.online + self.direct

    @property
    def resolved(self) -> int:
        return self.early + self.on_time + self.late

    @property
    def pending(self) -> int:
        return self.pending_in_time + self.pending_overdue

    def values(self) -> list[int]:
        """Columns (3) to (13)."""
        return [self.received, self.carried, self.online, self.direct, self.resolved, self.early, self.on_time,
                self.late, self.pending, self.pending_in_time, self.pending_overdue]

    def cells(self) -> list[int]:
        """Columns (3) to (14): the form's own and the ended ones."""
        return [*self.values(), self.ended]

    @property
    def balanced(self) -> bool:
        """What the row says of every dossier it counts: (3) = (7) + (11) + (14)."""
        return self.received == self.resolved + self.pending + self.ended


@dataclass
class ReportForm:
    agency: str   # the reporting agency ("Ủy ban nhân dân tỉnh" for the whole province)
    scope: Scope
    lines: list[Line] = field(default_factory=list)

    @property
    def total(self) -> Line:
        return Line("Tổng cộng", *(sum(getattr(line, c) for line in self.lines) for c in COLUMNS))

    @property
    def subject(self) -> str:
        return SUBJECT.get(self.scope.group_by, SUBJECT["agency"])

    @property
    def period(self) -> str:
        return f"Kỳ báo cáo: từ ngày {vn_time(self.scope.start)} đến ngày {vn_time(self.scope.end)}"


def province(session: Session) -> str:
    """Who reports for every agency: the name of the tree's root (the province's, or the centrally-run city's,
    People's Committee, as its administrator named it), else the generic words when there is no single root."""
    roots = session.scalars(select(Agency.name).where(Agency.parent_id.is_(None)).order_by(Agency.id).limit(2)).all()
    return roots[0] if len(roots) == 1 else PROVINCE


def _count(row: dict, key: str) -> int:
    return int(row.get(key) or 0)


def build(session: Session, settings: Settings, scope: Scope, agency: str, now: datetime) -> ReportForm:
    """The form's rows for ``scope`` (grouped by agency or procedure; by agency for any other grouping), from
    the statistics of the period and of the day before it (what was carried over), all on the resolving basis;
    a row with nothing to count is left out."""
    if scope.group_by not in SUBJECT:
        scope = replace(scope, group_by="agency")
    report = statistics(session, settings, scope, now)
    eve = scope.start - timedelta(days=1)
    before = statistics(session, settings, replace(scope, start=eve, end=eve), now)
    carried = {row["key"]: _count(row, "pending_in_time") + _count(row, "pending_overdue") for row in before.rows}
    flows = _flows(session, scope)
    names = {row["key"]: row["label"] for row in (*before.rows, *report.rows)}
    names.update((key, name) for key, (name, _counts) in flows.items())
    results = {row["key"]: row for row in report.rows}
    lines = []
    for key, name in names.items():
        row, counts = results.get(key, {}), flows.get(key, ("", {}))[1]
        line = Line(name, carried.get(key, 0), counts.get("online", 0), counts.get("direct", 0),
                    _count(row, "resolved_early"), _count(row, "resolved_on_time"), _count(row, "resolved_late"),
                    _count(row, "pending_in_time"), _count(row, "pending_overdue"), counts.get("ended", 0))
        if any(line.cells()):
            lines.append(line)
    return ReportForm(agency, scope, sorted(lines, key=lambda line: vn_sort_key(line.name)))


def _flows(session: Session, scope: Scope) -> dict[str, tuple[str, dict[str, int]]]:
    """Per row (the statistics' public key: its label and counts): the citizens' dossiers received in the period,
    online or direct (at the desk, by post), and those withdrawn or stopped in it (``ended_at``, never resolved),
    under the agency that resolves them (D29) as the resolved and pending ones."""
    q = PeriodQuery(session, scope)
    found: dict = {}
    key = q.key(Dossier.received_at, RESOLVING)
    for value, channel, number in session.execute(
            select(*key, Dossier.channel, func.count()).where(q.within(Dossier.received_at), *q.filters(RESOLVING))
            .group_by(*key, Dossier.channel)):
        kind = "online" if counting.is_online(channel) else "direct"
        counts = found.setdefault(q.group(value), {})
        counts[kind] = counts.get(kind, 0) + number
    key = q.key(Dossier.ended_at, RESOLVING)
    for value, number in session.execute(
            select(*key, func.count())
            .where(q.within(Dossier.ended_at), Dossier.received_at.is_not(None),
                   or_(Dossier.resolved_at.is_(None), Dossier.resolved_at >= q.end), *q.filters(RESOLVING))
            .group_by(*key)):
        counts = found.setdefault(q.group(value), {})
        counts["ended"] = counts.get("ended", 0) + number
    return {public: (label, found[group]) for group, public, label in labels(session, scope, found) if group in found}


def _table(form: ReportForm) -> list[list[str]]:
    rows = [[str(n), line.name, *(vn_number(v) for v in line.cells())] for n, line in enumerate(form.lines, 1)]
    return rows + [["", form.total.name, *(vn_number(v) for v in form.total.cells())]]


def _header(form: ReportForm) -> list[list[str]]:
    return [[form.subject if cell is None else cell for cell in row] for row in HEADER]


def to_pdf(settings: Settings, form: ReportForm, now: datetime) -> bytes:
    """The form as a landscape A4 PDF (engine.paperwork.pdf)."""
    place = f"…, {vn_time(now.astimezone(VN_TZ).date())}"
    doc = pdf.GridDocument(
        left=[FORM_CODE, f"Đơn vị báo cáo: {form.agency}"], title=TITLE,
        subtitle=[form.period, "Đơn vị nhận báo cáo: …………………………"], header_rows=_header(form), spans=SPANS,
        rows=_table(form), col_widths=WIDTHS_MM, place_date=place,
        signers=["Người lập biểu", "Thủ trưởng đơn vị"])
    return pdf.render_grid(doc, settings.font_dir)


def to_xlsx(form: ReportForm) -> bytes:
    """The form as an Excel workbook: the header block on rows 1–6, four header rows with merged cells from
    row 8, one row per agency or procedure, the total last; thin borders and whole-number formats."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = "Báo cáo TTHC"
    last = len(HEADER[0])
    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    block = [(1, 1, 7, FORM_CODE, False), (2, 1, 7, f"Đơn vị báo cáo: {form.agency}", True),
             (1, 8, last, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", True),
             (2, 8, last, "Độc lập - Tự do - Hạnh phúc", True), (4, 1, last, TITLE.upper(), True),
             (5, 1, last, form.period, False), (6, 1, last, "Đơn vị nhận báo cáo: …………………………", False)]
    for row, col, end, text, bold in block:  # (row, first column, last column, text, bold)
        cell = sheet.cell(row=row, column=col, value=text)
        cell.font, cell.alignment = Font(bold=bold), centre
        sheet.merge_cells(start_row=row, start_column=col, end_row=row, end_column=end)
    sheet.row_dimensions[4].height = 32
    top = 8
    for r, row in enumerate(_header(form)):
        for c, text in enumerate(row):
            cell = sheet.cell(row=top + r, column=c + 1, value=text or None)
            cell.font, cell.alignment, cell.border = Font(bold=True), centre, border
            cell.fill = PatternFill("solid", fgColor="F2F2F2")
    for (c0, r0), (c1, r1) in SPANS:
        sheet.merge_cells(start_row=top + r0, start_column=c0 + 1, end_row=top + r1, end_column=c1 + 1)
    sheet.row_dimensions[top + 2].height = 64
    first = top + len(HEADER)
    lines = [(str(n), line) for n, line in enumerate(form.lines, 1)] + [("", form.total)]
    for i, (number, line) in enumerate(lines):
        r = first + i
        total = i == len(lines) - 1
        for c, value in enumerate([number or None, line.name, *line.cells()], 1):
            cell = sheets.text_cell(sheet.cell(row=r, column=c, value=value))  # a name is never a formula
            cell.border, cell.font = border, Font(bold=total)
            if c > 2:
                cell.number_format, cell.alignment = "#,##0", Alignment(horizontal="right")
            else:
                cell.alignment = Alignment(wrap_text=True, vertical="top", horizontal="center" if c == 1 else None)
    for c, width in enumerate(WIDTHS_XLSX, 1):
        sheet.column_dimensions[get_column_letter(c)].width = width
    end = first + len(lines) + 1
    for col, text in ((2, "NGƯỜI LẬP BIỂU"), (9, "THỦ TRƯỞNG ĐƠN VỊ")):
        sheet.cell(row=end, column=col, value=text).font = Font(bold=True)
    sheet.freeze_panes = sheet.cell(row=first, column=3)
    sheet.print_options.horizontalCentered = True
    sheet.page_setup.orientation, sheet.page_setup.fitToWidth = "landscape", 1
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
