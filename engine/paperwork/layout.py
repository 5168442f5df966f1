"""Result layouts: HTML/CSS rendered to PDF/A-3b by WeasyPrint (WeasyPrint lives here only).

Why HTML/CSS through WeasyPrint rather than ReportLab layouts as data: a result's layout is part of a procedure
(D34) and is supplied by designers of each agency, who know HTML and CSS, not a Python layout API; CSS paged
media covers what an NĐ 30/2020 document needs (A4 margins, the two-column header, underlines, the signing band
of the last page, tables that break over pages). WeasyPrint writes PDF/A itself (``pdf_variant="pdf/a-3b"``:
every font embedded and subset, an sRGB output intent with the ICC profile it bundles, XMP metadata with
pdfaid, ``/Lang`` from ``<html lang="vi">``) and a tagged structure tree (``pdf_tags``) for screen readers.
The price is time: the one-page certificate takes a median of 165 to 235 ms here against 36 to 50 ms for the
engine's former ReportLab result (same machine, same run, 2 shared cores under load), most of it layout; with
signing requests the worker renders after the commit, so no request waits for it. Official forms, letters and
registers stay on ReportLab (engine.paperwork.pdf), completed as PDF/A there.

A template is a designer's file, so nothing it names is fetched: the only URLs WeasyPrint may read are the
engine's fonts and ``data:`` URLs (a template that links ``file:///etc/passwd`` as an attachment or an image
gets nothing).
"""
from __future__ import annotations

import atexit
import threading
from pathlib import Path
from urllib.parse import unquote, urlparse

from engine.core import memory
from engine.core.errors import EngineError

PDF_VARIANT = "pdf/a-3b"
FONT_FILES = {("normal", "normal"): "DejaVuSerif.ttf", ("bold", "normal"): "DejaVuSerif-Bold.ttf",
              ("normal", "italic"): "DejaVuSerif-Italic.ttf", ("bold", "italic"): "DejaVuSerif-BoldItalic.ttf"}
FAMILY = "TTHC Serif"
# WeasyPrint keeps caches in module globals (fonts, images); documents are built one at a time in a process,
# like ReportLab's (engine.paperwork.pdf), which costs nothing under the GIL.
_weasy = threading.Lock()


class RenderFailed(EngineError):
    status, code = 500, "render_failed"


def font_css(font_dir: Path) -> str:
    """@font-face rules for the engine's Vietnamese serif (DejaVu, fonts-dejavu-core), from ``font_dir``."""
    rules = []
    for (weight, style), name in FONT_FILES.items():
        path = Path(font_dir) / name
        if path.exists():
            rules.append(f"@font-face {{ font-family: '{FAMILY}'; font-weight: {weight}; font-style: {style}; "
                         f"src: url('{path.resolve().as_uri()}'); }}")
    if not rules:
        raise RenderFailed(f"Thiếu phông chữ tiếng Việt trong {font_dir} (cài gói Debian fonts-dejavu-core)")
    return "\n".join(rules)


def _allowed(url: str, allowed: set[str]) -> bool:
    parsed = urlparse(url)
    return parsed.scheme == "data" or (parsed.scheme == "file" and unquote(parsed.path) in allowed)


def _fetcher(font_dir: Path):
    """Only the font files of ``font_dir`` and ``data:`` URLs; anything else a template names is refused."""
    from weasyprint import URLFetcher

    allowed = {str((Path(font_dir) / name).resolve()) for name in FONT_FILES.values()}

    class Fetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if not _allowed(url, allowed):
                raise ValueError(f"URL not allowed in a document template: {url[:80]}")
            return super().fetch(url, headers)

    return Fetcher(allowed_protocols=("file", "data"))


_prepared: dict[str, tuple] = {}
# A font configuration removes its temporary folder when collected: do it before the interpreter tears modules
# down (else its cleanup fails noisily at exit).
atexit.register(_prepared.clear)


def _fonts(font_dir: Path) -> tuple:
    """(font configuration, @font-face stylesheet, URL fetcher) for ``font_dir``, made once per process: loading
    the faces is most of the cost of a small document. The caller holds ``_weasy``."""
    key = str(font_dir)
    if key not in _prepared:
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        fetch = _fetcher(font_dir)
        config = FontConfiguration()
        _prepared[key] = (config, CSS(string=font_css(font_dir), font_config=config, url_fetcher=fetch), fetch)
    return _prepared[key]


def prepare(font_dir: Path) -> None:
    """Load the renderer and ``font_dir``'s faces now (a serving process, before it settles its memory:
    engine.core.memory) rather than at the first document."""
    with _weasy:
        _fonts(font_dir)


def render(html: str, font_dir: Path, title: str = "", author: str = "") -> bytes:
    """``html`` (a whole document with ``<html lang="vi">``) as a PDF/A-3b file with every font embedded."""
    import logging

    from weasyprint import HTML

    with _weasy, memory.young_garbage():
        logging.getLogger("weasyprint").setLevel(logging.ERROR)  # refused URLs are expected, not news
        config, fonts, fetch = _fonts(font_dir)
        document = HTML(string=html, url_fetcher=fetch, base_url=None)
        rendered = document.render(stylesheets=[fonts], font_config=config, pdf_variant=PDF_VARIANT, pdf_tags=True)
        if title:
            rendered.metadata.title = title
        if author:
            rendered.metadata.authors = [author]
        rendered.metadata.generator = "TTHC engine"
        return rendered.write_pdf(pdf_variant=PDF_VARIANT, pdf_tags=True)
