"""PDF rendering under the server's threads (#11 item 17).

ReportLab keeps one parsed face per registered font, with a read cursor that subsetting moves; two documents
saved at once moved each other's cursor and answered 500 (IndexError, KeyError) under load. Here many
documents with many distinct characters (big subsets: long subsetting) are rendered at once behind a barrier,
with the interpreter switching threads often, so that their subsetting overlaps in every round.
"""
from __future__ import annotations

import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from io import BytesIO

import pytest
from pypdf import PdfReader

from conftest import make_settings
from engine.paperwork import pdf

THREADS = 8
ROUNDS = 10
# Latin, Latin-1, Latin Extended A/B and the Vietnamese block: several 256-glyph subsets per document.
CHARACTERS = "".join(chr(c) for c in [*range(0x21, 0x250), *range(0x1EA0, 0x1EFA)] if chr(c).isprintable())


@pytest.fixture
def font_dir(tmp_path, pki_dir):
    return make_settings(tmp_path, "sqlite://", pki_dir).font_dir


@pytest.fixture
def frequent_switches():
    """Thread switches every 10 µs instead of 5 ms: an overlap that load finds once in a while, found here in
    every run."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    yield
    sys.setswitchinterval(before)


def _render(i: int, font_dir) -> bytes:
    lines = [f"Số {i:04d}"] + [CHARACTERS[j:j + 60] for j in range(0, len(CHARACTERS), 60)]
    if i % 2:
        return pdf.render_stamp(lines, (0, 0, 420, 820), font_dir, "ĐÃ KÝ SỐ")
    return pdf.render(pdf.PdfDocument(agency="UBND phường Thuận Hóa", title=f"Giấy chứng nhận {i:04d}",
                                      place_date="Huế, ngày 23 tháng 11 năm 2026",
                                      blocks=[("para", line) for line in lines], qr=f"HS-{i:04d}"), font_dir)


def test_documents_rendered_at_once_on_many_threads_are_all_whole(font_dir, frequent_switches):
    _render(0, font_dir)  # the fonts registered before the race, as on a server that has rendered once
    for round_ in range(ROUNDS):
        barrier = threading.Barrier(THREADS)

        def render(i: int) -> bytes:
            barrier.wait()
            return _render(round_ * THREADS + i, font_dir)

        with ThreadPoolExecutor(THREADS) as pool:
            rendered = list(pool.map(render, range(THREADS)))  # re-raises what a thread raised
        for i, content in enumerate(rendered):
            text = PdfReader(BytesIO(content)).pages[0].extract_text()
            assert f"{round_ * THREADS + i:04d}" in text and "Ỹ" in text and "ǅ" in text, text[:200]

