"""The dossier register (D31, Sổ theo dõi hồ sơ) as a PDF: its rows read a batch at a time
(registers.iter_register_rows) and laid out a page at a time (PagedTable, which engine.paperwork.pdf uses for a
table whose rows come as an iterator), never all held at once. ReportLab lives in engine.paperwork.pdf and here.

A PDF is made in the request that asks for it, about 3 ms a row (bench/register_pdf.py): a busy agency's month
(15,000 dossiers) is most of a minute, its year ten minutes, which would hold a web worker that long. So a register
longer than MAX_PDF_ROWS is refused (422) with what to do instead: a shorter period, or the XLSX, which is written
row by row (registers.register_xlsx) at a small part of the cost. Refusing is simpler than a job in the worker
(a stored file, its progress, its expiry) and the XLSX already serves a long period."""
from __future__ import annotations

import itertools

from reportlab.platypus import Flowable

from engine.core.errors import Invalid

MAX_PDF_ROWS = 5_000  # rows of one register PDF: about 15 s on a 2-core test machine (bench/register_pdf.py)


def _number(n: int) -> str:
    return f"{n:,}".replace(",", ".")  # 15.000: Vietnamese groups thousands with dots


def refuse(count: int) -> None:
    """Refuse (422) a register PDF of ``count`` rows past MAX_PDF_ROWS, saying what to ask for instead."""
    if count > MAX_PDF_ROWS:
        raise Invalid(f"Sổ theo dõi của khoảng thời gian này có {_number(count)} hồ sơ, bản PDF chỉ lập tối đa "
                      f"{_number(MAX_PDF_ROWS)} hồ sơ mỗi lần. Hãy chọn khoảng thời gian ngắn hơn hoặc xuất định "
                      "dạng XLSX.", code="register_too_long", fields={"to": "Chọn khoảng thời gian ngắn hơn", "format": "Hoặc chọn XLSX"})


class Rows:
    """The register's rows for the form (officialforms.render_form): present when the period has any (``count``),
    their texts taken from ``texts`` (an iterator) as the pages are laid out."""

    def __init__(self, count: int, texts):
        self.count, self.texts = count, texts

    def __bool__(self) -> bool:
        return self.count > 0

    def __iter__(self):
        return iter(self.texts)


class PagedTable(Flowable):
    """``grid``'s table of ``rows`` (an iterator) with its header ``head`` on every page. ReportLab splits one Table
    by building a new one of all the rows left at each page (quadratic: 137.5 s for a register of 15,000 rows); here
    each page gets a Table of its own rows, taken from ``rows`` as needed: linear, a page of rows or so held."""

    def __init__(self, grid, head: list, rows):
        super().__init__()
        self.grid, self.head, self.rows, self.pending, self.table = grid, head, rows, [], None

    def wrap(self, aW, aH):  # the rows left, or enough of them to overflow the frame (which then splits this)
        want = 8
        while True:
            self.pending += ([row, None] for row in itertools.islice(self.rows, max(0, want - len(self.pending))))
            self.table = self.grid([self.head, *(r for r, _ in self.pending)], [None, *(h for _, h in self.pending)])
            size = self.table.wrap(aW, aH)
            for row, height in zip(self.pending, self.table._rowHeights[1:]):
                row[1] = height  # kept: ReportLab measures every row not given a height at each wrap (one frame width)
            if size[1] > aH or len(self.pending) < want:
                return size
            want *= 2

    def split(self, aW, aH):  # this page's rows (after the header) leave ``pending``; the rest wait for the next
        parts = self.table.split(aW, aH)[:1] if self.wrap(aW, aH)[1] > aH else [self.table]
        if parts:  # ReportLab refuses to postpone a flowable twice: this one was laid out since
            del self.pending[:parts[0]._nrows - 1]
            vars(self).pop("_postponed", None)
        return parts + [self] * bool(parts and self.pending)

    def draw(self):
        self.table.drawOn(self.canv, 0, 0)
