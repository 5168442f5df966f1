"""A province's catalogue at scale (issue 13, "Scale"): the officer's inbox, the dossier page, the catalogue,
`GET /api/v1/procedures?agency=` and the administration lists with 100 agencies, 2,000 officers and 500
procedures offered by every ward, against a one-agency baseline measured in the same run.

Per backend (SQLite file, PostgreSQL server started as the tests start one), two databases are built the same
way (untimed): the tests' fixture (``load_demo(..., province=False)``: the demo ward, its users, the sample
procedure), then ``--dossiers`` dossiers of the demo citizen filed through the real use case, half of them
received by ``demo.tiepnhan``. The baseline stops there. The province adds, with plain inserts of what the
engine would write: the root (thành phố), the centre and its branch, 20 departments and wards up to
``--agencies`` (placed with ``engine.data.agencies.place``), officers up to ``--officers`` (20 per agency, every
role, one password hash), procedures up to ``--procedures`` (copies of the sample's version under other codes)
and one ``ProcedureOffer`` per procedure and ward. ``demo.admin`` is moved to the root (a province administrator).

Timed (``--reps`` calls after 2 warm-up calls, median and 90th percentile in ms): the Flask application
(``engine.web.create_app``, test client, a fixed clock) on each route of ROUTES as its caller; a route that
does not answer 200 on both databases (an administration page another change adds) is listed as absent.
``--explain`` prints, for every statement a timed route ran on the province database, the plans that read a
whole table that grew (agency, user_account, procedure, procedure_version, procedure_offer).

Run from the repository root, by hand (never by pytest), with ``nice`` on a shared machine:

    nice -n 10 python3 bench/province.py --backends sqlite,postgresql --reps 20 --explain

The last stdout line is the JSON of every figure (also written to ``--out``).
"""
from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, insert, select, text  # noqa: E402

from conftest import CITIZEN, PASSWORD, SAMPLE_CODE, SAMPLE_FORM  # noqa: E402
from engine.core.clock import VN_TZ, FixedClock  # noqa: E402
from engine.core.settings import load_settings, with_secrets  # noqa: E402
from engine.data.db import make_engine, make_sessionmaker  # noqa: E402

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=VN_TZ)
GROWN = ("agency", "user_account", "procedure", "procedure_version", "procedure_offer")
ROLES = ("receiving_officer", "specialist", "department_leader", "head_of_agency", "clerk")
# label, caller (None: anonymous; "web:" a signed-in browser), path ({code}: a received dossier, {agency}: ward A)
ROUTES = [
    ("inbox page", "web:demo.tiepnhan", "/can-bo/cong-viec"),
    ("inbox API", "demo.tiepnhan", "/api/v1/tasks"),
    ("dossier page", "web:demo.tiepnhan", "/can-bo/ho-so/{code}"),
    ("dossier API", "demo.tiepnhan", "/api/v1/dossiers/{code}"),
    ("catalogue page", None, "/thu-tuc"),
    ("catalogue API", None, "/api/v1/procedures"),
    ("procedures of an agency API", None, "/api/v1/procedures?agency={agency}"),
    ("home page (lists agencies)", None, "/"),
    ("admin: agencies page", "web:demo.admin", "/quan-tri/co-quan"),
    ("admin: officers page", "web:demo.admin", "/quan-tri/can-bo"),
    ("admin: procedures page", "web:demo.admin", "/quan-tri/thu-tuc"),
    ("admin: offers page", "web:demo.admin", "/quan-tri/thu-tuc/" + SAMPLE_CODE + "/noi-cung-cap"),
    ("admin: dead letters page", "web:demo.admin", "/quan-tri/thong-bao"),
    ("admin: agencies API", "demo.admin", "/api/v1/agencies"),
    ("admin: officers API", "demo.admin", "/api/v1/officers"),
]


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def build(url: str, folder: Path, pki_dir: Path, dossiers: int):
    """The fixture, and ``dossiers`` dossiers filed (half received); returns settings and a received code."""
    from engine.cases import dossiers as dossier_cases, tasks
    from engine.cases.dossiers import Context
    from engine.cli import load_demo
    from engine.data.model import User, WorkItem

    settings = with_secrets(load_settings(data_dir=str(folder / "data"), database_url=url, pki_dir=str(pki_dir),
                                          pki_passphrase="bench-pki-passphrase"))
    load_demo(settings, PASSWORD, province=False)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    received = None
    for n in range(dossiers):
        at = NOW - timedelta(hours=2, minutes=n)
        with sessions() as session:
            citizen = session.scalar(select(User).where(User.username == CITIZEN))
            dossier = dossier_cases.file_dossier(session, Context(user=citizen, now=at, settings=settings),
                                                 {"procedure": SAMPLE_CODE, "form": SAMPLE_FORM})
            session.commit()
            if n % 2 == 0:
                officer = session.scalar(select(User).where(User.username == "demo.tiepnhan"))
                item = session.scalar(select(WorkItem.id).where(WorkItem.dossier_id == dossier.id))
                tasks.complete(session, Context(user=officer, now=at + timedelta(minutes=1), settings=settings),
                               item, "receive", {})
                session.commit()
                received = dossier.code
    engine.dispose()
    return settings, received


def grow(url: str, agencies_n: int, officers_n: int, procedures_n: int) -> dict:
    """The province around the demo ward: agencies, officers, procedures, offers (what the engine would write)."""
    from engine.cli.demo import DEMO_AGENCY
    from engine.data import agencies
    from engine.data.agency_model import Agency, ProcedureOffer
    from engine.data.model import Procedure, ProcedureVersion, User

    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    with sessions.begin() as session:
        root = agencies.place(session, Agency(code="000.00.00.H56", name="Ủy ban nhân dân thành phố (bench)",
                                              level="province"), None)
        centre = agencies.place(session, Agency(code="000.00.01.H56", name="Trung tâm Phục vụ hành chính công",
                                                level="centre"), root)
        agencies.place(session, Agency(code="000.01.01.H56", name="Chi nhánh số 1", level="centre"), centre)
        for n in range(20):
            agencies.place(session, Agency(code=f"000.00.{20 + n:02d}.H56", name=f"Sở thứ {n + 1}",
                                           level="department"), root)
        ward_a = agencies.by_code(session, DEMO_AGENCY[0])
        agencies.place(session, ward_a, root)
        wards = [ward_a]
        for n in range(agencies_n - 24):
            wards.append(agencies.place(session, Agency(code=f"000.{n // 90 + 1:02d}.{n % 90 + 10:02d}.H56",
                                                        name=f"Ủy ban nhân dân phường thứ {n + 1}",
                                                        level="commune"), root))
        every = list(session.scalars(select(Agency)))
        admin = session.scalar(select(User).where(User.username == "demo.admin"))
        admin.agency_id = root.id
        pw = admin.password_hash
        existing = len(list(session.scalars(select(User.id).where(User.agency_id.is_not(None)))))
        rows = []
        for n in range(officers_n - existing):
            agency = every[n % len(every)]
            rows.append({"username": f"canbo.{n:05d}", "password_hash": pw, "full_name": f"Cán bộ {n}",
                         "roles_text": ROLES[n % len(ROLES)], "agency_id": agency.id, "standardised": False,
                         "created_at": NOW})
        session.execute(insert(User), rows)
        sample = session.scalar(select(ProcedureVersion).join(Procedure, Procedure.latest_version_id
                                                              == ProcedureVersion.id).where(Procedure.code == SAMPLE_CODE))
        bpmn, spec = sample.bpmn_xml, sample.spec_json
        for n in range(procedures_n - 1):
            code = f"9.{n:06d}"
            proc = Procedure(code=code, name=f"Thủ tục thử {n}", agency_id=ward_a.id)
            session.add(proc)
            session.flush()
            version = ProcedureVersion(
                procedure_id=proc.id, version=1, process_id=sample.process_id, file_name=sample.file_name,
                content_hash=f"{n:064d}", bpmn_xml=bpmn, spec_json=spec, forms=sample.forms,
                info={**sample.info, "code": code, "name": f"Thủ tục thử {n}"}, deployed_at=NOW, deployed_by="bench")
            session.add(version)
            session.flush()
            proc.latest_version_id = version.id
        procedure_ids = list(session.scalars(select(Procedure.id)))
        have = set(session.execute(select(ProcedureOffer.procedure_id, ProcedureOffer.agency_id)).all())
        offers = [{"procedure_id": p, "agency_id": w.id, "settings": {}, "active": True, "created_at": NOW,
                   "created_by": "bench"} for p in procedure_ids for w in wards if (p, w.id) not in have]
        for start in range(0, len(offers), 5000):
            session.execute(insert(ProcedureOffer), offers[start:start + 5000])
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
        counts = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in GROWN}
    engine.dispose()
    return counts


class Caller:
    """The test client as one caller: a browser with a server-side session, or an API token."""

    def __init__(self, app, who: str | None):
        from engine.cases import accounts
        from engine.data.model import User

        self.client, self.headers = app.test_client(), {}
        if who is None:
            return
        username = who.removeprefix("web:")
        with app.extensions["tthc"]["sessions"]() as session:
            user = session.scalar(select(User).where(User.username == username))
            if who.startswith("web:"):
                sid = accounts.open_web_session(session, user, NOW, 24)
                with self.client.session_transaction() as cookie:
                    cookie["uid"], cookie["sid"] = user.id, sid
            else:
                token, _ = accounts.issue_token(session, user, NOW, 24)
                self.headers = {"Authorization": f"Bearer {token}"}
            session.commit()

    def get(self, path: str):
        return self.client.get(path, headers=self.headers)


def measure(settings, code: str, reps: int, explain: bool) -> dict:
    from engine.web import create_app

    app = create_app(settings, clock=FixedClock(NOW))
    engine = app.extensions["tthc"]["engine"]
    callers: dict = {}
    figures = {}
    statements: dict[str, list] = {}
    for label, who, template in ROUTES:
        path = template.format(code=code, agency="000.00.06.H56")
        caller = callers.setdefault(who, Caller(app, who))
        first = caller.get(path)
        if first.status_code != 200:
            figures[label] = {"status": first.status_code}
            continue
        caller.get(path)
        seen: list = []

        def record(conn, cursor, statement, parameters, context, executemany):
            seen.append((statement, parameters))

        event.listen(engine, "before_cursor_execute", record)
        caller.get(path)
        event.remove(engine, "before_cursor_execute", record)
        statements[label] = seen
        times = []
        for _ in range(reps):
            start = time.perf_counter()
            response = caller.get(path)
            times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (label, response.status_code)
        times.sort()
        figures[label] = {"status": 200, "median_ms": round(statistics.median(times), 2),
                          "p90_ms": round(times[int(0.9 * (len(times) - 1))], 2), "bytes": len(first.get_data()),
                          "queries": len(seen)}
    if explain:
        figures["_scans"] = scans(engine, statements)
    engine.dispose()
    return figures


def scans(engine, statements: dict[str, list]) -> dict[str, list[str]]:
    """Per route, the plans that read a whole grown table (SQLite: SCAN t without an index; PostgreSQL: Seq Scan)."""
    sqlite = engine.dialect.name == "sqlite"
    found: dict[str, list[str]] = {}
    with engine.connect() as conn:
        for label, seen in statements.items():
            for statement, parameters in seen:
                if not statement.lstrip().upper().startswith("SELECT"):
                    continue
                prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN "
                rows = conn.exec_driver_sql(prefix + statement, parameters).all()
                lines = [str(r[-1]) if sqlite else str(r[0]) for r in rows]
                for line in lines:
                    table = re.search(r"SCAN (\w+)(?! USING)" if sqlite else r"Seq Scan on (\w+)", line)
                    if table and table.group(1) in GROWN and "USING" not in line:
                        found.setdefault(label, []).append(f"{line.strip()}  <- {' '.join(statement.split())[:160]}")
    return found


def run_backend(backend: str, args, work: Path) -> dict:
    pki_dir = work / "pki"
    server = None
    urls = {}
    if backend == "postgresql":
        from postgres_server import PostgresServer

        server = PostgresServer(work / "pg").start()
        urls = {name: server.create_database(f"bench_{name}") for name in ("baseline", "province")}
    else:
        urls = {name: f"sqlite:///{work / f'{name}.sqlite3'}" for name in ("baseline", "province")}
    try:
        result = {}
        for name, url in urls.items():
            started = time.perf_counter()
            settings, code = build(url, work / name, pki_dir, args.dossiers)
            counts = grow(url, args.agencies, args.officers, args.procedures) if name == "province" else {}
            log(f"{backend} {name}: built in {time.perf_counter() - started:.0f} s {counts}")
            result[name] = {"counts": counts, "routes": measure(settings, code, args.reps,
                                                                args.explain and name == "province")}
        return result
    finally:
        if server is not None:
            server.stop()


def table(results: dict) -> str:
    lines = ["| backend | route | 1 agency: median (p90) ms | province: median (p90) ms | ratio | queries | bytes |",
             "|---|---|---|---|---|---|---|"]
    for backend, result in results.items():
        for label, _, _ in ROUTES:
            base, prov = result["baseline"]["routes"].get(label, {}), result["province"]["routes"].get(label, {})
            if base.get("status") != 200 or prov.get("status") != 200:
                lines.append(f"| {backend} | {label} | absent ({base.get('status')}) | absent ({prov.get('status')}) "
                             "| | | |")
                continue
            ratio = prov["median_ms"] / base["median_ms"] if base["median_ms"] else float("nan")
            lines.append(f"| {backend} | {label} | {base['median_ms']:.1f} ({base['p90_ms']:.1f}) | "
                         f"{prov['median_ms']:.1f} ({prov['p90_ms']:.1f}) | {ratio:.2f} | "
                         f"{base['queries']} → {prov['queries']} | {base['bytes']} → {prov['bytes']} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--agencies", type=int, default=100)
    parser.add_argument("--officers", type=int, default=2000)
    parser.add_argument("--procedures", type=int, default=500)
    parser.add_argument("--dossiers", type=int, default=40)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--out")
    args = parser.parse_args()
    if args.reps < 20:
        parser.error("--reps: at least 20 calls for a median")
    results = {}
    with tempfile.TemporaryDirectory(prefix="tthc-province-") as folder:
        for backend in args.backends.split(","):
            results[backend] = run_backend(backend, args, Path(folder) / backend)
    print(table(results))
    for backend, result in results.items():
        for label, lines in result["province"]["routes"].get("_scans", {}).items():
            print(f"\n{backend} {label}: whole-table reads")
            print("\n".join(f"  {line}" for line in dict.fromkeys(lines)))
    payload = json.dumps(results, ensure_ascii=False)
    if args.out:
        Path(args.out).write_text(payload, encoding="utf-8")
    print(payload)


if __name__ == "__main__":
    main()
