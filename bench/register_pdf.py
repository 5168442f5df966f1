"""The dossier register (D31) as a PDF at size: N synthetic register rows laid out by the engine's own renderer
(officialforms.render_form with the rows as registers.register_pdf passes them: an iterator, a page at a time),
without a database (the register's SQL takes milliseconds; the layout took 137.5 s for 15,000 rows when ReportLab
split one Table page after page, rebuilding every row left each time).

Prints rows → seconds (median of ``--reps`` runs), seconds per 1,000 rows and the ratio to 1,000 rows in the same
run: linear layout keeps the per-1,000 figure flat. register_pdf.MAX_PDF_ROWS is chosen from these figures. Run by
hand from the repository root, never by pytest:

    nice -n 10 python3 bench/register_pdf.py --sizes 1000,3000,10000 --reps 3
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.core.clock import VN_TZ  # noqa: E402
from engine.core.settings import load_settings  # noqa: E402
from engine.paperwork.officialforms import REGISTER, regime_at, render_form  # noqa: E402
from engine.paperwork.register_pdf import MAX_PDF_ROWS, Rows  # noqa: E402
from engine.paperwork.registers import PDF_GROUPS, RegisterRow, group_text  # noqa: E402

FIRST = datetime(2026, 11, 2, 8, 0, tzinfo=VN_TZ)


def rows(n: int):
    """A busy ward's rows: every field filled, a note on one row in three."""
    for i in range(1, n + 1):
        t = FIRST + timedelta(minutes=i)
        row = RegisterRow(i, f"H01.01-261102-{i:05d}", "Đăng ký thành lập hộ kinh doanh", 1, f"Nguyễn Văn An {i}",
                          "12 Lê Lợi, phường Thuận Hóa, thành phố Huế", "0905123456", "Ủy ban nhân dân phường Thuận Hóa",
                          t, t, t + timedelta(days=3), None, t + timedelta(days=2), t + timedelta(days=3),
                          "Đã trả kết quả", "Yêu cầu bổ sung 1 lần" if i % 3 == 0 else "")
        yield tuple(group_text(row, group) for group in PDF_GROUPS)


def render(settings, n: int) -> tuple[float, int]:
    values = {"agency": "Ủy ban nhân dân phường Thuận Hóa", "period": "Từ ngày 01/11/2026 đến ngày 30/11/2026",
              "count": str(n), "rows": Rows(n, rows(n))}
    start = time.perf_counter()
    content = render_form(settings, REGISTER, values, regime_at(date(2026, 11, 30)), None, values["agency"],
                          datetime(2026, 12, 1, 9, 0, tzinfo=VN_TZ))
    return time.perf_counter() - start, len(content)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,3000,10000", help="row counts, comma separated")
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    settings = load_settings({})
    render(settings, 50)  # fonts registered, caches warm
    sizes = sorted({1000, *(int(s) for s in args.sizes.split(","))})
    base = None
    print(f"limit of one PDF (register_pdf.MAX_PDF_ROWS): {MAX_PDF_ROWS} rows")
    print(f"{'rows':>7} {'median s':>9} {'s/1000':>7} {'× 1000':>7} {'MB':>5}")
    for n in sizes:
        runs = [render(settings, n) for _ in range(args.reps)]
        median = statistics.median(t for t, _ in runs)
        base = median if n == 1000 else base
        print(f"{n:>7} {median:>9.2f} {median / n * 1000:>7.2f} {median / base:>7.1f} {runs[0][1] / 1e6:>5.1f}",
              flush=True)


if __name__ == "__main__":
    main()
