"""The dossier register (D31) as a PDF over many pages: its header on every page, every row once and in order,
read a page at a time (ReportLab split one Table of a busy month page after page, rebuilding every row left each
time: 137.5 s for 15,000 rows), still PDF/A; a register too long for one PDF is refused for the shorter period
or the XLSX."""
from __future__ import annotations

import io
from datetime import date, timedelta

from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session
from test_result_archival import archival_problems

from conftest import CITIZEN, vn
from engine.data.model import Agency
from engine.paperwork import pdf, register_pdf, registers

FIRST = vn(2026, 11, 2, 8, 0)


def synthetic(n: int, pulled: list[int] | None = None, pages: list[int] | None = None):
    """``n`` register rows, one filed every 30 minutes from Mon 02/11/2026 08:00; each pull is noted with the pages
    shown by then (``pages[0]``)."""
    for i in range(1, n + 1):
        if pulled is not None:
            pulled.append(pages[0])
        t = FIRST + timedelta(minutes=30 * i)
        yield registers.RegisterRow(i, f"H01-{i:05d}", "Đăng ký thành lập hộ kinh doanh", 1, f"Nguyễn Văn An {i}",
                                    "12 Lê Lợi, phường Thuận Hóa", "0905123456", "UBND phường", t, t,
                                    t + timedelta(days=3), None, t + timedelta(days=2), t + timedelta(days=3),
                                    "Đã trả kết quả", "Yêu cầu bổ sung 1 lần" if i % 3 == 0 else "")


def rendered(app, settings, monkeypatch, n: int, pulled=None, pages=None) -> bytes:
    monkeypatch.setattr(registers, "iter_register_rows", lambda *a, **k: synthetic(n, pulled, pages))
    monkeypatch.setattr(registers, "register_count", lambda *a, **k: n)
    with Session(app.extensions["tthc"]["engine"]) as session:
        agency = session.scalar(select(Agency.id).order_by(Agency.id))
        return registers.register_pdf(session, settings, agency, date(2026, 11, 1), date(2026, 11, 30),
                                      vn(2026, 12, 1, 9, 0))


def test_the_register_pdf_repeats_its_header_on_every_page_and_holds_every_row_once(app, settings, monkeypatch):
    content = rendered(app, settings, monkeypatch, 120)
    texts = [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]
    assert len(texts) > 5
    for text in texts:
        assert "Hồ sơ" in text and "Thời gian" in text and "Trạng thái, ghi chú" in text
    whole = "\n".join(texts)
    codes = [f"{i}. H01-{i:05d}" for i in range(1, 121)]
    assert all(whole.count(code) == 1 for code in codes)
    assert sorted(codes, key=whole.index) == codes
    assert "Số hồ sơ" in texts[0] and "120" in texts[0]
    assert archival_problems(content) == []


def test_the_register_pdf_reads_its_rows_a_page_at_a_time(app, settings, monkeypatch):
    """The rows are taken as the pages are laid out, not all before the first page: the last row is read once
    most pages are done."""
    shown, pulled = [0], []
    show = pdf.ArchivalCanvas.showPage

    def count(canvas):
        shown[0] += 1
        show(canvas)

    monkeypatch.setattr(pdf.ArchivalCanvas, "showPage", count)
    rendered(app, settings, monkeypatch, 120, pulled, shown)
    assert len(pulled) == 120 and shown[0] > 5
    assert pulled[0] == 0 and pulled[-1] >= shown[0] - 2


def test_a_register_pdf_longer_than_the_limit_is_refused_for_a_shorter_period_or_the_xlsx(api, clock, monkeypatch):
    monkeypatch.setattr(register_pdf, "MAX_PDF_ROWS", 2)
    for minute in (0, 10, 20):
        clock.set(vn(2026, 11, 23, 9, minute))
        api.file(CITIZEN)
    r = api.get("/api/v1/register?from=2026-11-23&to=2026-11-23", "demo.tiepnhan")
    assert r.status_code == 422
    message = r.get_json()["error"]["message"]
    assert "3 hồ sơ" in message and "tối đa 2" in message and "ngắn hơn" in message and "XLSX" in message
    assert api.get("/api/v1/register?from=2026-11-23&to=2026-11-23&format=xlsx", "demo.tiepnhan").status_code == 200
    clock.set(vn(2026, 11, 23, 10, 0))
    api.tokens.clear()
    assert api.get("/api/v1/register?from=2026-11-23&to=2026-11-23&format=pdf", "demo.tiepnhan").status_code == 422


def test_the_register_page_says_a_pdf_is_too_long_on_its_form_in_the_pages_language(app, api, clock, monkeypatch):
    """D31: the officers' page re-shows its form with the refusal (422), in Vietnamese and with the language
    switch in English, rather than an error page."""
    from web_support import Web

    monkeypatch.setattr(register_pdf, "MAX_PDF_ROWS", 2)
    for minute in (0, 10, 20):
        clock.set(vn(2026, 11, 23, 9, minute))
        api.file(CITIZEN)
    web = Web(app.test_client()).login("demo.tiepnhan")
    r = web.get("/can-bo/so-theo-doi?from=2026-11-23&to=2026-11-23&format=pdf&tai=1", status=422)
    page = r.get_data(as_text=True)
    assert 'name="from"' in page and "3 hồ sơ" in page and "XLSX" in page
    web.post("/ngon-ngu", {"lang": "en", "next": "/can-bo/so-theo-doi"}, status=302)
    page = web.get("/can-bo/so-theo-doi?from=2026-11-23&to=2026-11-23&format=pdf&tai=1",
                   status=422).get_data(as_text=True)
    assert "too long for a PDF" in page
