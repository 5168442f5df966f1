"""Offers benchmark (issue 13, "Scale"): a province of 100 wards offering 500 procedures each (50,000 offers), and
what the pages and routes that read offers cost there, on SQLite.

Setup (untimed): the migrations and the demo data (``engine.cli.load_demo``) in a temporary folder, then 100
wards under a province root, 499 more procedures sharing the sample's latest version (the catalogue rows only
matter here), and an offer of every procedure by every ward, written by INSERT ... SELECT.

Timed, each ``--repeat`` times through the Flask test client (the whole request: routing, queries, rendering):
``GET /api/v1/procedures?agency=<ward>`` (a page of 100 of the 500 the ward offers), ``GET
/api/v1/procedures/<code>/offers`` (100 offering wards), ``GET /thu-tuc/<code>`` (the public page naming them),
``GET /thu-tuc`` (the public catalogue, 500 procedures with their offering wards' names), the filing of a dossier
at a chosen ward (``POST /api/v1/dossiers`` with ``agency``), and the administrators' offers page of a procedure.

Never run by pytest. From the repository root:

    python3 bench/offers.py [--repeat 15]

The last stdout line is one JSON object of medians in milliseconds.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from sqlalchemy import insert, select, text  # noqa: E402

from engine.cases import accounts  # noqa: E402
from engine.cli import load_demo  # noqa: E402
from engine.core.clock import VN_TZ, FixedClock  # noqa: E402
from engine.core.settings import load_settings, with_secrets  # noqa: E402
from engine.data import agencies  # noqa: E402
from engine.data.agency_model import Agency  # noqa: E402
from engine.data.model import Procedure  # noqa: E402
from engine.web import create_app  # noqa: E402

WARDS, PROCEDURES = 100, 500
SAMPLE_CODE = "1.001612"
PASSWORD = "bench12345"


def build(folder: Path):
    settings = load_settings(data_dir=str(folder), database_url=f"sqlite:///{folder}/bench.sqlite3",
                             pki_dir=str(folder / "pki"), pki_passphrase="bench-only-passphrase")
    load_demo(settings, PASSWORD, province=False)  # the tests' single ward: the bench builds its own province
    clock = FixedClock(datetime(2026, 11, 23, 9, 0, tzinfo=VN_TZ))
    app = create_app(with_secrets(settings), clock=clock)
    sessions = app.extensions["tthc"]["sessions"]
    with sessions.begin() as session:
        root = agencies.place(session, Agency(code="000.00.00.H56", name="UBND tỉnh", level="province"), None)
        wards = [agencies.place(session, Agency(code=f"000.01.{i:02d}.H56", name=f"UBND phường {i:03d}",
                                                level="commune"), root) for i in range(WARDS)]
        accounts.ensure_officer(session, clock.now(), "bench.admin", "Quản trị", {"administrator"}, root, PASSWORD)
        sample = session.scalar(select(Procedure).where(Procedure.code == SAMPLE_CODE))
        session.execute(insert(Procedure), [
            {"code": f"2.{i:06d}", "name": f"Thủ tục thử {i:03d}", "agency_id": sample.agency_id,
             "latest_version_id": sample.latest_version_id} for i in range(PROCEDURES - 1)])
        session.execute(text(
            "INSERT INTO procedure_offer (procedure_id, agency_id, settings, active, created_at) "
            "SELECT p.id, a.id, '{}', 1, :now FROM procedure p, agency a WHERE a.level = 'commune' "
            "AND a.code LIKE '000.01.%' AND NOT EXISTS (SELECT 1 FROM procedure_offer o "
            "WHERE o.procedure_id = p.id AND o.agency_id = a.id)"), {"now": clock.now()})
        session.execute(text("ANALYZE"))
    return app, wards[WARDS // 2].code


def timed(fn, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(samples), 1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app, ward = build(Path(tmp))
        client = app.test_client()
        token = client.post("/api/v1/auth/token", json={"username": "001099000001", "password": PASSWORD}).get_json()
        citizen = {"Authorization": f"Bearer {token['token']}"}
        admin = app.test_client()
        page = admin.get("/dang-nhap").get_data(as_text=True)
        csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
        admin.post("/dang-nhap", data={"username": "bench.admin", "password": PASSWORD, "csrf_token": csrf})
        from conftest import SAMPLE_FORM

        def check(response, status=200):
            assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:300])

        results = {
            "api_procedures_of_agency": timed(lambda: check(client.get(f"/api/v1/procedures?agency={ward}")),
                                              args.repeat),
            "api_offers_of_procedure": timed(lambda: check(client.get(f"/api/v1/procedures/{SAMPLE_CODE}/offers")),
                                             args.repeat),
            "page_procedure": timed(lambda: check(client.get(f"/thu-tuc/{SAMPLE_CODE}")), args.repeat),
            "page_catalogue": timed(lambda: check(client.get("/thu-tuc")), args.repeat),
            "api_file_at_ward": timed(lambda: check(client.post("/api/v1/dossiers", headers=citizen, json={
                "procedure": SAMPLE_CODE, "form": SAMPLE_FORM, "agency": ward}), 201), args.repeat),
            "page_admin_offers": timed(lambda: check(admin.get(f"/quan-tri/thu-tuc/{SAMPLE_CODE}/noi-cung-cap")),
                                       args.repeat),
        }
        app.extensions["tthc"]["engine"].dispose()
    print(f"{WARDS} wards x {PROCEDURES} procedures ({WARDS * PROCEDURES} offers), medians of {args.repeat} (ms):")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
