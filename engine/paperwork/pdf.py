"""PDF rendering of official documents (ReportLab lives here only).

A document is data: the agency header, number, place and date, a title, blocks of content, signature boxes
and a QR code of the dossier code. The font is embedded (DejaVu from Debian's fonts-dejavu-core by
default) so Vietnamese diacritics print correctly everywhere.

Letters, official forms, receipts and registers are kept for years, so every file made here is PDF/A-3b
(``ArchivalCanvas``): PDF 1.7 in the header, every font embedded (the canvas starts with the embedded DejaVu,
never ReportLab's default Helvetica, which it would reference without embedding), an sRGB output intent (the
ICC profile WeasyPrint bundles, sRGB2014 of the ICC, freely distributable), XMP metadata with pdfaid and the
same title, author and dates as the document information, and ``/Lang (vi)``.
"""
from __future__ import annotations

import io
import itertools
import threading
from dataclasses import dataclass, field
from functools import lru_cache, partial
from pathlib import Path

from reportlab.graphics.barcode import qrencoder
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from xml.sax.saxutils import escape

from engine.core import memory
from engine.core.errors import EngineError
from engine.paperwork.register_pdf import PagedTable

MOTTO = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")
# Where the signature boxes sit on the last page (points from the bottom left): personal, organisation.
SIGNATURE_BOXES = {"organisation": (57, 90, 290, 150), "personal": (310, 90, 553, 150)}
TITLE_LEADING = 12  # points between the lines of a signer's title above a box


class FontMissing(EngineError):
    status, code = 500, "font_missing"


@dataclass
class PdfDocument:
    agency: str
    title: str
    place_date: str
    number: str = ""
    parent_agency: str = ""
    subtitle: str = ""
    blocks: list[tuple] = field(default_factory=list)  # ("para", text) | ("fields", [(label, value)])
    #                                                    | ("table", headers, rows) | ("list", items)
    # titles above the boxes: organisation, then personal; a title may have several lines
    # ("TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH")
    signers: list[str] = field(default_factory=list)
    qr: str | None = None
    footer: str = ""


_registered: dict[str, str] = {}
# ReportLab shares one parsed face per registered font between every document, and subsetting moves that face's
# read cursor: two documents built at once corrupt each other (IndexError, KeyError; #11). Registering and
# building go one at a time in a process; processes share nothing (each registers its own fonts). The GIL
# already ran these builds one at a time, so the lock costs no throughput.
_reportlab = threading.RLock()
QR_BORDER = 4  # quiet zone, in modules


@lru_cache(maxsize=1024)
def _qr_runs(text: str) -> tuple[int, tuple[tuple[int, int, int], ...]]:
    """The QR code of ``text`` (level L) as (module count, dark runs (row, first column, length)). Every
    document of a dossier carries the same code, so the matrix (mask selection is the costly part) is computed
    once; drawing runs as one path is much cheaper than ReportLab's widget with one shape per run."""
    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.L)
    code.addData(text)
    code.make()
    runs = []
    for r, row in enumerate(code.modules):
        c = 0
        for dark, group in itertools.groupby(map(bool, row)):
            count = len(list(group))
            if dark:
                runs.append((r, c, count))
            c += count
    return code.getModuleCount(), tuple(runs)


def draw_qr(canvas, text: str, x: float, y: float, size: float) -> None:
    """The QR code of ``text`` as a ``size`` square with its bottom left corner at (x, y)."""
    count, runs = _qr_runs(text)
    box = size / (count + 2 * QR_BORDER)
    path = canvas.beginPath()
    for r, c, length in runs:
        path.rect(x + (c + QR_BORDER) * box, y + size - (r + QR_BORDER + 1) * box, length * box, box)
    canvas.setFillColor(colors.black)
    canvas.drawPath(path, stroke=0, fill=1)


@lru_cache(maxsize=256)
def qr_png(text: str) -> bytes:
    """The QR code of ``text`` as a small PNG, one pixel per module with its quiet zone (HTML layouts scale it
    up without smoothing: WeasyPrint parses a large SVG path far more slowly than it places an image)."""
    from PIL import Image

    count, runs = _qr_runs(text)
    size = count + 2 * QR_BORDER
    image = Image.new("1", (size, size), 1)
    for r, c, length in runs:
        for column in range(c, c + length):
            image.putpixel((column + QR_BORDER, r + QR_BORDER), 0)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@lru_cache(maxsize=1)
def _srgb_profile() -> bytes:
    """The sRGB ICC profile WeasyPrint ships (engine.paperwork.layout renders results with it too)."""
    from importlib.resources import files

    return (files("weasyprint") / "pdf" / "sRGB2014.icc").read_bytes()


def _xmp_date(doc) -> str:
    stamp = doc._timeStamp
    y, mo, d, h, mi, sec = stamp.YMDhms
    return f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{sec:02d}{stamp.dhh:+03d}:{stamp.dmm:02d}"


class _Metadata(pdfdoc.PDFStream):
    """The XMP packet, unfiltered (PDF/A), written last from the document information so that both agree."""

    def __init__(self):
        super().__init__(pdfdoc.PDFDictionary({"Type": pdfdoc.PDFName("Metadata"),
                                               "Subtype": pdfdoc.PDFName("XML")}), b"")

    def format(self, document):
        info, date = document.info, _xmp_date(document)
        x = {k: escape(str(getattr(info, k))) for k in ("title", "author", "subject", "keywords", "creator",
                                                         "producer")}
        packet = (
            '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
            '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
            '<rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/" '
            'xmlns:pdf="http://ns.adobe.com/pdf/1.3/">'
            '<pdfaid:part>3</pdfaid:part><pdfaid:conformance>B</pdfaid:conformance>'
            f'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{x["title"]}</rdf:li></rdf:Alt></dc:title>'
            f'<dc:creator><rdf:Seq><rdf:li>{x["author"]}</rdf:li></rdf:Seq></dc:creator>'
            '<dc:description><rdf:Alt>'
            f'<rdf:li xml:lang="x-default">{x["subject"]}</rdf:li></rdf:Alt></dc:description>'
            f'<dc:language><rdf:Bag><rdf:li>vi</rdf:li></rdf:Bag></dc:language>'
            f'<pdf:Keywords>{x["keywords"]}</pdf:Keywords><pdf:Producer>{x["producer"]}</pdf:Producer>'
            f'<pdf:Trapped>{info.trapped}</pdf:Trapped>'
            f'<xmp:CreatorTool>{x["creator"]}</xmp:CreatorTool>'
            f'<xmp:CreateDate>{date}</xmp:CreateDate><xmp:ModifyDate>{date}</xmp:ModifyDate>'
            '</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>').encode()
        dictionary = pdfdoc.PDFDictionary(dict(self.dictionary.dict, Length=len(packet)))
        return pdfdoc.format(dictionary, document) + b"\nstream\n" + packet + b"\nendstream\n"


class ArchivalCanvas(Canvas):
    """A ReportLab canvas that writes PDF/A-3b (module docstring); ``initialFontName`` must be registered."""

    def __init__(self, *args, **kwargs):
        font = kwargs.get("initialFontName") or "TTHC-Serif"
        kwargs.update(pdfVersion=(1, 7), lang="vi", initialFontName=font)
        super().__init__(*args, **kwargs)
        catalog = self._doc.Catalog
        # ReportLab's catalog writes only the keys it knows; OutputIntents is added for this document only.
        catalog.__NoDefault__ = [*pdfdoc.PDFCatalog.__NoDefault__, "OutputIntents"]
        catalog.Metadata = _Metadata()
        profile = pdfdoc.PDFStream(pdfdoc.PDFDictionary({"N": 3}), _srgb_profile(), [pdfdoc.PDFZCompress])
        catalog.OutputIntents = pdfdoc.PDFArray([pdfdoc.PDFDictionary({
            "Type": pdfdoc.PDFName("OutputIntent"), "S": pdfdoc.PDFName("GTS_PDFA1"),
            "OutputConditionIdentifier": pdfdoc.PDFString("sRGB IEC61966-2.1"),
            "Info": pdfdoc.PDFString("sRGB IEC61966-2.1"),
            "DestOutputProfile": self._doc.Reference(profile)})])


def _fonts(font_dir: Path) -> tuple[str, str]:
    """The two registered faces (registered once per process; the caller holds ``_reportlab``)."""
    key = str(font_dir)
    if key not in _registered:
        regular, bold = font_dir / "DejaVuSerif.ttf", font_dir / "DejaVuSerif-Bold.ttf"
        if not regular.exists() or not bold.exists():
            raise FontMissing(f"Thiếu phông chữ tiếng Việt trong {font_dir} (cài gói Debian fonts-dejavu-core)")
        pdfmetrics.registerFont(TTFont("TTHC-Serif", str(regular)))
        pdfmetrics.registerFont(TTFont("TTHC-Serif-Bold", str(bold)))
        _registered[key] = "TTHC-Serif"
    return "TTHC-Serif", "TTHC-Serif-Bold"


def _grid(font: str, data: list, heights: list | None = None) -> Table:
    table = Table(data, rowHeights=heights, repeatRows=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("FONTNAME", (0, 0), (-1, -1), font),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table


def render(doc: PdfDocument, font_dir: Path) -> bytes:
    with _reportlab, memory.young_garbage():
        return _render(doc, font_dir)


def _render(doc: PdfDocument, font_dir: Path) -> bytes:
    regular, bold = _fonts(font_dir)

    def style(name, font, **kw):  # bullets in the same face: no Helvetica anywhere (PDF/A)
        return ParagraphStyle(name, fontName=font, bulletFontName=regular, **kw)

    styles = {
        "body": style("body", regular, fontSize=11.5, leading=16, alignment=TA_JUSTIFY),
        "center": style("center", regular, fontSize=11, leading=14, alignment=TA_CENTER),
        "center_bold": style("cb", bold, fontSize=11, leading=14, alignment=TA_CENTER),
        "title": style("title", bold, fontSize=14, leading=19, alignment=TA_CENTER,
                       spaceBefore=10, spaceAfter=4),
        "cell": style("cell", regular, fontSize=9.5, leading=12),
        "cell_bold": style("cellb", bold, fontSize=9.5, leading=12),
    }

    def p(text, style="body"):
        return Paragraph(escape(str(text)).replace("\n", "<br/>"), styles[style])

    left = [p(doc.parent_agency.upper(), "center")] if doc.parent_agency else []
    left += [p(doc.agency.upper(), "center_bold")]
    if doc.number:
        left.append(p(f"Số: {doc.number}", "center"))
    right = [p(MOTTO[0], "center_bold"), p(MOTTO[1], "center_bold"), p(doc.place_date, "center")]
    header = Table([[left, right]], colWidths=[70 * mm, 105 * mm])
    header.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONTNAME", (0, 0), (-1, -1), regular)]))
    story = [header, Spacer(1, 6 * mm), p(doc.title.upper(), "title")]
    if doc.subtitle:
        story.append(p(doc.subtitle, "center"))
    story.append(Spacer(1, 4 * mm))
    for block in doc.blocks:
        kind = block[0]
        if kind == "para":
            story += [p(block[1]), Spacer(1, 2 * mm)]
        elif kind == "list":
            story += [p(f"- {item}") for item in block[1]] + [Spacer(1, 2 * mm)]
        elif kind == "fields":
            rows = [[p(label, "cell_bold"), p(value if value not in (None, "") else "—", "cell")]
                    for label, value in block[1]]
            table = Table(rows, colWidths=[60 * mm, 115 * mm])
            table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                                       ("FONTNAME", (0, 0), (-1, -1), regular),
                                       ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey)]))
            story += [table, Spacer(1, 3 * mm)]
        elif kind == "table":  # rows as a list: one Table; as an iterator (the register): a Table per page
            head, rows = [p(h, "cell_bold") for h in block[1]], ([p(c, "cell") for c in row] for row in block[2])
            grid = partial(_grid, regular)
            table = grid([head, *rows]) if isinstance(block[2], list) else PagedTable(grid, head, rows)
            story += [table, Spacer(1, 3 * mm)]
    out = io.BytesIO()

    def decorate(canvas, _doc):
        canvas.saveState()
        for title, box in zip(doc.signers, (SIGNATURE_BOXES["organisation"], SIGNATURE_BOXES["personal"])):
            canvas.setFont(bold, 10)
            lines = title.upper().split("\n")
            for n, line in enumerate(lines):  # the last line just above the box, the first on top
                y = box[3] + 8 + TITLE_LEADING * (len(lines) - 1 - n)
                canvas.drawCentredString((box[0] + box[2]) / 2, y, line)
        if doc.qr:
            size = 20 * mm
            draw_qr(canvas, doc.qr, A4[0] - 20 * mm - size, 8 * mm, size)
            canvas.setFont(regular, 7)
            canvas.drawRightString(A4[0] - 20 * mm, 6 * mm, doc.qr)
        if doc.footer:
            canvas.setFont(regular, 7.5)
            canvas.drawString(20 * mm, 8 * mm, doc.footer)
        canvas.restoreState()

    # the text stays above a title of several lines
    bottom = 62 * mm + max((t.count("\n") for t in doc.signers), default=0) * TITLE_LEADING
    template = SimpleDocTemplate(out, pagesize=A4, leftMargin=20 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                                 bottomMargin=bottom, title=doc.title, author=doc.agency, creator="TTHC engine")
    template.build(story, onFirstPage=decorate, onLaterPages=decorate, canvasmaker=ArchivalCanvas)
    return out.getvalue()


def render_stamp(lines: list[str], box: tuple[int, int, int, int], font_dir: Path, title: str = "") -> bytes:
    """The visible appearance of a signature: a framed box with its lines, the size of ``box``. Drawn once per
    process for the same lines (a signer signing several documents in the same minute reuses it)."""
    return _stamp(tuple(lines), tuple(box), str(font_dir), title)


@lru_cache(maxsize=128)
def _stamp(lines: tuple[str, ...], box: tuple[int, int, int, int], font_dir: str, title: str) -> bytes:
    with _reportlab, memory.young_garbage():
        return _render_stamp(list(lines), box, Path(font_dir), title)


def _render_stamp(lines: list[str], box: tuple[int, int, int, int], font_dir: Path, title: str) -> bytes:
    regular, bold = _fonts(font_dir)
    width, height = box[2] - box[0], box[3] - box[1]
    out = io.BytesIO()
    c = ArchivalCanvas(out, pagesize=(width, height), initialFontName=regular)
    c.setStrokeColor(colors.darkred)
    c.setLineWidth(1.2)
    c.roundRect(2, 2, width - 4, height - 4, 6)
    c.setFillColor(colors.darkred)
    y = height - 16
    if title:
        c.setFont(bold, 9)
        c.drawCentredString(width / 2, y, title)
        y -= 13
    c.setFont(regular, 8)
    for line in lines:
        c.drawCentredString(width / 2, y, line)
        y -= 11
    c.showPage()
    c.save()
    return out.getvalue()


@dataclass
class GridDocument:
    """A landscape report table (the periodic reports sent upward): a header block, a title, a table whose
    header rows may merge cells (``spans``: ((first column, first row), (last column, last row)), ReportLab's
    SPAN), numbers right-aligned, the last row in bold (the total), and the signers' titles under it."""

    left: list[str]          # top left: the form's code, the reporting agency (bold)
    title: str
    subtitle: list[str]      # the period, the recipient
    header_rows: list[list[str]]
    spans: list[tuple[tuple[int, int], tuple[int, int]]]
    rows: list[list[str]]
    col_widths: list[float]  # millimetres
    place_date: str = ""
    signers: list[str] = field(default_factory=list)  # left to right


def render_grid(doc: GridDocument, font_dir: Path) -> bytes:
    with _reportlab, memory.young_garbage():
        return _render_grid(doc, font_dir)


def _render_grid(doc: GridDocument, font_dir: Path) -> bytes:
    from reportlab.lib.enums import TA_RIGHT
    from reportlab.lib.pagesizes import landscape

    regular, bold = _fonts(font_dir)
    center = ParagraphStyle("gc", fontName=regular, fontSize=10, leading=13, alignment=TA_CENTER)
    head = ParagraphStyle("gh", fontName=bold, fontSize=8.5, leading=10.5, alignment=TA_CENTER)
    cell = ParagraphStyle("gd", fontName=regular, fontSize=9, leading=11)
    number = ParagraphStyle("gn", fontName=regular, fontSize=9, leading=11, alignment=TA_RIGHT)

    def p(text, style):
        return Paragraph(escape(str(text)).replace("\n", "<br/>"), style)

    left = [p(line, head if i else center) for i, line in enumerate(doc.left)]
    right = [p(MOTTO[0], head), p(MOTTO[1], head)]
    top = Table([[left, right]], colWidths=[120 * mm, 140 * mm])
    top.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONTNAME", (0, 0), (-1, -1), regular)]))
    title = ParagraphStyle("gt", fontName=bold, fontSize=13, leading=17, alignment=TA_CENTER, spaceBefore=8)
    story = [top, p(doc.title.upper(), title)] + [p(line, center) for line in doc.subtitle] + [Spacer(1, 4 * mm)]
    strong = ParagraphStyle("gs", parent=number, fontName=bold), ParagraphStyle("gb", parent=cell, fontName=bold)

    def cells(row, last):
        return [p(c, (strong[0] if last else number) if j > 1 and c.replace(".", "").replace(",", "").isdigit()
                  else (strong[1] if last else cell)) for j, c in enumerate(row)]

    body = [cells(row, i == len(doc.rows) - 1) for i, row in enumerate(doc.rows)]
    data = [[p(c, head) for c in row] for row in doc.header_rows] + body
    table = Table(data, colWidths=[w * mm for w in doc.col_widths], repeatRows=len(doc.header_rows))
    style = [("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
             ("FONTNAME", (0, 0), (-1, -1), regular),
             ("BACKGROUND", (0, 0), (-1, len(doc.header_rows) - 1), colors.whitesmoke)]
    style += [("SPAN", first, last) for first, last in doc.spans]
    if doc.rows:
        style.append(("BACKGROUND", (0, len(data) - 1), (-1, len(data) - 1), colors.whitesmoke))
    table.setStyle(TableStyle(style))
    story += [table, Spacer(1, 6 * mm)]
    if doc.signers:
        count = len(doc.signers)
        signs = Table([[""] * (count - 1) + [p(doc.place_date, center)], [p(s.upper(), head) for s in doc.signers]],
                      colWidths=[260 / count * mm] * count)
        signs.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), regular)]))
        story.append(signs)
    out = io.BytesIO()
    template = SimpleDocTemplate(out, pagesize=landscape(A4), leftMargin=15 * mm, rightMargin=15 * mm,
                                 topMargin=12 * mm, bottomMargin=12 * mm, title=doc.title, author=doc.left[-1],
                                 creator="TTHC engine")
    template.build(story, canvasmaker=ArchivalCanvas)  # kept for years, as the letters: PDF/A-3b
    return out.getvalue()
