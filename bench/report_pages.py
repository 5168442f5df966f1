"""The statistics pages at scale (issue #15): the leader's page, the report form and the public results page,
through the real Flask app, on the PostgreSQL database bench/stats.py builds (N dossiers over 100 agencies).

Times (median and p95 of ``--calls`` requests): the leader's page for one agency (a fifth of the dossiers) and
for the whole province (the province's administrator), the report form (XLSX and PDF) for the province, and the
public results page of the last whole month, first visit (computed) and the next ones (kept for a few minutes).
Run by hand from the repository root, never by pytest:

    nice -n 10 python3 bench/report_pages.py --size 1000000 --calls 10 --out /tmp/report-pages-1m.json
"""
from __future__ import annotations

import argparse
import json
import statistics as stats
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from sqlalchemy import select, text  # noqa: E402

from engine.cases import accounts  # noqa: E402
from engine.cases.preflight import upgrade_database  # noqa: E402
from engine.core.clock import FixedClock  # noqa: E402
from engine.core.settings import load_settings, with_secrets  # noqa: E402
from engine.data.db import make_engine, make_sessionmaker  # noqa: E402
from engine.data.model import Agency  # noqa: E402
from engine.reports import readonly  # noqa: E402
from engine.web import create_app  # noqa: E402
from postgres_server import PostgresServer  # noqa: E402
from stats import NOW, build  # noqa: E402
from web_support import Web  # noqa: E402

PASSWORD = "bench-password-1"


def people(url: str) -> None:
    """A leader of agency 1 and the province's administrator (of no agency)."""
    engine = make_engine(url)
    with make_sessionmaker(engine).begin() as session:
        session.execute(text("select setval(pg_get_serial_sequence('user_account', 'id'), "
                             "(select max(id) from user_account))"))  # the build wrote its ids itself
        agency = session.scalar(select(Agency).where(Agency.id == 1))
        accounts.ensure_officer(session, NOW, "bench.lanhdao", "Lãnh đạo", {"department_leader"}, agency, PASSWORD)
        accounts.ensure_officer(session, NOW, "bench.tinh", "Quản trị tỉnh", {"administrator"}, None, PASSWORD)
    engine.dispose()


def timed(web: Web, path: str, calls: int) -> dict:
    times = []
    for _ in range(calls):
        began = time.monotonic()
        response = web.get(path)
        times.append(time.monotonic() - began)
    times.sort()
    return {"median_s": round(stats.median(times), 3), "p95_s": round(times[int(0.95 * (len(times) - 1))], 3),
            "bytes": len(response.data)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--calls", type=int, default=10)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    month_end = NOW.date().replace(day=1) - timedelta(days=1)
    month = f"{month_end:%Y-%m}"
    with PostgresServer(Path("/tmp")) as pg:
        url = pg.create_database("report_pages")
        settings = load_settings(database_url=url, data_dir="/tmp/tthc-report-pages-bench-data",
                                 session_cookie_secure=False)
        upgrade_database(settings)
        result = {"size": args.size, "month": month, "build_s": build(url, args.size)}
        people(url)
        app = create_app(with_secrets(settings), clock=FixedClock(NOW))
        app.testing = True
        leader = Web(app.test_client()).login("bench.lanhdao", PASSWORD)
        province = Web(app.test_client()).login("bench.tinh", PASSWORD)
        result["leader_page_agency"] = timed(leader, f"/can-bo/thong-ke?month={month}", args.calls)
        result["leader_page_province"] = timed(province, f"/can-bo/thong-ke?month={month}", args.calls)
        period = f"from={month_end.replace(day=1)}&to={month_end}"
        result["report_form_xlsx_province"] = timed(province, f"/can-bo/thong-ke/bieu-mau?{period}&format=xlsx",
                                                    max(3, args.calls // 2))
        result["report_form_pdf_province"] = timed(province, f"/can-bo/thong-ke/bieu-mau?{period}&format=pdf",
                                                   max(3, args.calls // 2))
        visitor = Web(app.test_client())
        result["public_first"] = timed(visitor, f"/ket-qua-giai-quyet?month={month}", 1)
        result["public_kept"] = timed(visitor, f"/ket-qua-giai-quyet?month={month}", args.calls)
        app.extensions["tthc"]["engine"].dispose()
        readonly.dispose_engines()
    print(json.dumps(result, indent=1))
    if args.out:
        args.out.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
