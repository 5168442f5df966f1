"""Scale benchmark: every page and command at 10,000 and at 1,000,000 dossiers on PostgreSQL (issue #15).

``build`` makes a PostgreSQL database of N dossiers over 100 agencies, 5 % of them open, in a folder that is kept
and reused (the PostgreSQL files, the data folder with the keys, ``meta.json``). The rows mirror what the engine
writes, because they are copies of real dossiers made through the use cases first (untimed templates):

* one dossier filed and not yet received (status 1, the intake work item of the receiving officer);
* one filed and received (status 4, the specialist's work item, Mẫu 01 numbered in the register);
* one through its whole life with a supplement round (status 10: the signed result, the supplement request,
  the audit trail of 9 events, documents).

The database writes the copies itself (``INSERT ... SELECT`` over ``generate_series``, 100,000 dossiers per
transaction): every row of every table with a ``dossier_id`` column is copied for each dossier of its template,
times shifted with the filing time, work items and registers moved to the dossier's agency. The demo agency
holds a fifth of the dossiers (a big agency: 10,000 open work items at 1,000,000), the other 99 agencies the rest;
10,000 citizens file 100 dossiers each (the demo citizen among them). 2,500 dossiers are filed a day, the newest
5 % are open, due from 3 days ago to 15 days ahead; 5 % of the closed ones were late (with an apology letter),
3 % had an extension. Then VACUUM ANALYZE.

``measure`` times the real code paths on such a database: the Flask application (``engine.web.create_app``
with the test client, a fixed clock at the build's "now"), the timer sweep (``engine.timers.sweep``), and a
20-user mixed load against a real ``tthc serve`` process. ``--code DIR`` runs another tree's engine against
the same database (the code before a change), so that before and after are measured on the same rows; the
measured tree's migrations are applied first.

Run from the repository root (never by pytest), with ``nice`` on a shared machine:

    nice -n 10 python3 bench/scale.py build --size 10000 --dir /tmp/tthc-scale-10k
    python3 bench/scale.py measure --dir /tmp/tthc-scale-10k --out /tmp/after-10k.json
    python3 bench/scale.py measure --dir /tmp/tthc-scale-1m --code ../main --out /tmp/before-1m.json
    python3 bench/scale.py table /tmp/after-10k.json /tmp/after-1m.json

The last stdout line of ``measure`` is its JSON (also written to ``--out``).
"""
from __future__ import annotations

import argparse
from inspect import signature as inspect_signature
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import random
import urllib.error
import urllib.request
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _code_root(argv: list[str]) -> Path:
    """The tree whose engine runs: ``--code DIR`` or this one (read before anything of the engine is imported)."""
    if "--code" in argv:
        return Path(argv[argv.index("--code") + 1]).resolve()
    return ROOT


CODE = _code_root(sys.argv)
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(CODE))

from sqlalchemy import inspect, select, text  # noqa: E402

from engine.core.clock import VN_TZ, FixedClock  # noqa: E402
from engine.core.settings import load_settings, with_secrets  # noqa: E402
from engine.data.db import UTCDateTime, make_engine, make_sessionmaker  # noqa: E402

from conftest import CITIZEN, OFFICERS, PASSWORD, SAMPLE_CODE, SAMPLE_FORM, STEP_DATA  # noqa: E402
from postgres_server import PostgresServer  # noqa: E402

PER_DAY = 2500
AGENCIES = 100
CITIZENS = 10_000
OPEN_SHARE = 0.05
LIFE = (("intake", "request_supplement"), ("supplement", "supplement"), ("intake", "receive"),
        ("assessment", "propose_approval"), ("approval", "approve"), ("signing", "issue_result"),
        ("return", "return_result"))


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# -- a PostgreSQL server whose files stay ----------------------------------------------------------------------
class KeptServer(PostgresServer):
    """tests/postgres_server.py's server with its files in ``root`` (kept between runs; started again if there)."""

    def __init__(self, root: Path):
        super().__init__(root)
        self.root = root / "pg"
        self.root.mkdir(parents=True, exist_ok=True)
        self.datadir, self.logfile = self.root / "data", self.root / "postgres.log"
        if self.as_root:
            os.chown(root, *self._ids)
            os.chown(self.root, *self._ids)

    def _start(self) -> "KeptServer":
        if not (self.datadir / "PG_VERSION").exists():
            return super()._start()
        self._running = True
        self.port = self._port()
        opts = (f"-p {self.port} -k {self.sockdir} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c shared_buffers=512MB -c work_mem=16MB")
        self._run("pg_ctl", "-w", "-D", str(self.datadir), "-l", str(self.logfile), "-o", opts, "start")
        return self

    def _port(self) -> int:
        from postgres_server import free_port
        return free_port()

    def stop(self) -> None:  # the files stay
        if self._running:
            self._running = False
            self._run("pg_ctl", "-D", str(self.datadir), "-m", "fast", "-w", "stop", check=False)
        shutil.rmtree(self._scratch, ignore_errors=True)


def settings_for(folder: Path, url: str):
    return with_secrets(load_settings(data_dir=str(folder / "data"), database_url=url))


# -- the templates: real dossiers through the use cases --------------------------------------------------------
def make_templates(sessions, settings, now: datetime) -> dict[str, int]:
    from engine.cases import filing, tasks
    from engine.cases.dossiers import Context
    from engine.data.model import Dossier, User, WorkItem

    def ctx(session, name, at):
        return Context(user=session.scalar(select(User).where(User.username == name)), now=at, settings=settings)

    def file(at):
        with sessions() as session:
            d = filing.file_dossier(session, ctx(session, CITIZEN, at), {"procedure": SAMPLE_CODE,
                                                                          "form": SAMPLE_FORM})
            session.commit()
            return d.id, d.code

    def act(dossier_id, code, step, action, at):
        with sessions() as session:
            if step == "supplement":
                filing.supplement(session, ctx(session, CITIZEN, at), code, {"form": SAMPLE_FORM})
            else:
                item = session.scalar(select(WorkItem.id).where(WorkItem.dossier_id == dossier_id))
                tasks.complete(session, ctx(session, OFFICERS[step], at), item, action, STEP_DATA.get(action, {}))
            session.commit()
        if action == "approve":
            sign(dossier_id, at)
        else:  # documents made after the commit (the sealed result, the forms): the worker's drain
            from engine.cases import signing_requests
            signing_requests.drain(sessions.begin, settings, at)

    def sign(dossier_id, at):
        """After the approval's commit (D35): the worker renders the draft, the leader signs it with the PIN."""
        from engine.cases import signing_requests
        from engine.data.signing_model import SigningRequest
        signing_requests.drain(sessions.begin, settings, at)
        with sessions() as session:
            request_id = session.scalar(select(SigningRequest.id).where(SigningRequest.dossier_id == dossier_id,
                                                                       SigningRequest.kind == "result_draft"))
            leader = ctx(session, OFFICERS["approval"], at)
        signing_requests.sign(sessions.begin, settings, leader, request_id, PASSWORD)

    start = now - timedelta(hours=3)
    submitted, _ = file(start)
    processing, code = file(start)
    act(processing, code, "intake", "receive", start + timedelta(minutes=10))
    done, code = file(start)
    for n, (step, action) in enumerate(LIFE):
        act(done, code, step, action, start + timedelta(minutes=20 + 10 * n))
    with sessions() as session:
        for dossier_id, status in ((submitted, 1), (processing, 4), (done, 10)):
            assert session.get(Dossier, dossier_id).status == status
    return {"submitted": submitted, "processing": processing, "done": done}


# -- agencies, procedures, citizens -----------------------------------------------------------------------------
def add_agencies_and_citizens(conn, demo_agency_code: str) -> None:
    """99 more agencies, each with its copy of the sample procedure; 9,999 more citizens; the slot tables."""
    conn.execute(text("INSERT INTO agency (code, name) SELECT '000.00.' || lpad(CAST(n AS text), 2, '0') || '.B99', "
                      "'Cơ quan thử ' || n FROM generate_series(1, :n) n"), {"n": AGENCIES - 1})
    conn.execute(text(
        "INSERT INTO procedure (code, name, agency_id, latest_version_id) SELECT p.code || '.' || substr(a.code, 8, 2),"
        " p.name, a.id, NULL FROM procedure p, agency a WHERE p.code = :code AND a.code LIKE '%.B99'"),
        {"code": SAMPLE_CODE})
    cols = [c["name"] for c in inspect(conn).get_columns("procedure_version") if c["name"] not in ("id", "procedure_id")]
    conn.execute(text(
        f"INSERT INTO procedure_version (procedure_id, {', '.join(cols)}) SELECT p.id, "
        f"{', '.join('v.' + c for c in cols)} FROM procedure p JOIN agency a ON a.id = p.agency_id "
        "CROSS JOIN (SELECT v.* FROM procedure_version v JOIN procedure s ON s.id = v.procedure_id "
        "WHERE s.code = :code ORDER BY v.version DESC LIMIT 1) v WHERE a.code LIKE '%.B99'"), {"code": SAMPLE_CODE})
    conn.execute(text("UPDATE procedure p SET latest_version_id = v.id FROM procedure_version v "
                      "WHERE v.procedure_id = p.id AND p.latest_version_id IS NULL"))
    conn.execute(text(
        "CREATE TABLE bench_slot AS SELECT 0 AS slot, a.id AS agency_id, a.code AS agency_code, "
        "p.latest_version_id AS version_id FROM agency a JOIN procedure p ON p.agency_id = a.id "
        "WHERE a.code = :demo AND p.code = :code UNION ALL "
        "SELECT CAST(substr(a.code, 8, 2) AS integer), a.id, a.code, p.latest_version_id FROM agency a "
        "JOIN procedure p ON p.agency_id = a.id WHERE a.code LIKE '%.B99'"), {"demo": demo_agency_code,
                                                                              "code": SAMPLE_CODE})
    conn.execute(text(
        "INSERT INTO user_account (username, password_hash, full_name, roles, cccd, standardised, created_at) "
        "SELECT '0790' || lpad(CAST(i AS text), 8, '0'), u.password_hash, 'Công dân ' || i, 'citizen', "
        "'0790' || lpad(CAST(i AS text), 8, '0'), true, u.created_at FROM generate_series(1, :n) i, "
        "user_account u WHERE u.username = :demo"), {"n": CITIZENS - 1, "demo": CITIZEN})
    conn.execute(text(
        "CREATE TABLE bench_citizen AS SELECT CAST(substr(username, 5) AS integer) AS i, id AS user_id, cccd "
        "FROM user_account WHERE username LIKE '0790%' UNION ALL SELECT 0, id, cccd FROM user_account "
        "WHERE username = :demo"), {"demo": CITIZEN})
    conn.execute(text("CREATE UNIQUE INDEX ON bench_slot (slot)"))
    conn.execute(text("CREATE UNIQUE INDEX ON bench_citizen (i)"))


# -- the bulk rows ------------------------------------------------------------------------------------------------
def _columns(conn, table: str) -> list[str]:
    return [c["name"] for c in inspect(conn).get_columns(table) if c["name"] != "id"]


def dossier_insert(conn, kind: str) -> str:
    """INSERT ... SELECT of the bulk dossiers of one template kind, for the series numbers ``:lo``..``:hi``."""
    filed = ("((CAST(:today AS date) - CAST(1 + s.g / :per_day AS integer)) + time '07:30') "
             "AT TIME ZONE 'Asia/Ho_Chi_Minh' + (s.g % :per_day) * interval '10 seconds'")
    due_open = "(CAST(:now AS timestamptz) + ((s.g * 2654435761) % (18 * 86400) - 3 * 86400) * interval '1 second')"
    late_done = "(s.g % 20 = 0)"
    special = {
        "code": "sl.agency_code || '-' || to_char(CAST(:today AS date) - CAST(1 + s.g / :per_day AS integer), "
                "'YYMMDD') || '-' || lpad(CAST(s.g % :per_day + 1 AS text), 4, '0')",
        "agency_id": "sl.agency_id", "procedure_version_id": "sl.version_id",
        "applicant_id": "c.user_id", "owner_cccd": "c.cccd", "filed_at": filed,
        "audit_head": "t.audit_head", "version": "1",
    }
    special["registered_at"] = filed if kind == "submitted" else f"({filed} + interval '40 minutes')"  # received
    if kind == "submitted":
        special.update({"intake_due_at": "(CAST(:now AS timestamptz) + (s.g % 40) * interval '1 hour')",
                        "next_timer_at": "(CAST(:now AS timestamptz) + (s.g % 40) * interval '1 hour')"})
    elif kind == "processing":
        special.update({
            "intake_due_at": f"({filed} + interval '1 hour')", "received_at": f"({filed} + interval '40 minutes')",
            "due_at": due_open, "original_due_at": due_open, "late": f"({due_open} <= CAST(:now AS timestamptz))",
            "next_timer_at": f"CASE WHEN {due_open} > CAST(:now AS timestamptz) + interval '1 day' THEN {due_open} "
                             f"- interval '1 day' WHEN {due_open} > CAST(:now AS timestamptz) THEN {due_open} END",
            "warned_at": f"CASE WHEN {due_open} <= CAST(:now AS timestamptz) + interval '1 day' THEN "
                         "CAST(:now AS timestamptz) - interval '1 hour' END"})
    else:
        special.update({
            "intake_due_at": f"({filed} + interval '1 hour')", "received_at": f"({filed} + interval '40 minutes')",
            "due_at": f"({filed} + interval '5 days')", "original_due_at": f"({filed} + interval '5 days')",
            "resolved_at": f"({filed} + CASE WHEN {late_done} THEN interval '6 days' ELSE interval '3 days' END)",
            "returned_at": f"({filed} + CASE WHEN {late_done} THEN interval '6 days 2 hours' "
                           "ELSE interval '3 days 2 hours' END)",
            "late": late_done, "next_timer_at": "NULL", "warned_at": "NULL"})
    columns = _columns(conn, "dossier")
    exprs = [special.get(c, f"t.{c}") for c in columns]
    where = {"submitted": "s.g <= :open_n AND s.g % 10 = 1", "processing": "s.g <= :open_n AND s.g % 10 <> 1",
             "done": "s.g > :open_n"}[kind]
    return (f"INSERT INTO dossier ({', '.join(columns)}) SELECT {', '.join(exprs)} "
            "FROM generate_series(CAST(:lo AS bigint), CAST(:hi AS bigint)) AS s(g) "
            "JOIN bench_slot sl ON sl.slot = CASE WHEN s.g % 5 = 0 THEN 0 ELSE 1 + (s.g / 5) % 99 END "
            "JOIN bench_citizen c ON c.i = s.g % :citizens "
            f"CROSS JOIN (SELECT * FROM dossier WHERE id = :tid) AS t WHERE {where} ORDER BY s.g")


def child_insert(conn, table) -> str:
    """INSERT ... SELECT of a child table's template rows for every bulk dossier after ``:after``."""
    columns = _columns(conn, table.name)
    special = {"dossier_id": "d.id"}
    for c in columns:
        if isinstance(table.c[c].type, UTCDateTime):
            special[c] = f"CASE WHEN t.{c} IS NULL THEN NULL ELSE d.filed_at + (t.{c} - tt.filed_at) END"
    where = ""
    if table.name == "work_item":
        special.update({"task_id": "CAST(CAST(md5(CAST(d.id AS text) || '-' || CAST(t.id AS text)) AS uuid) AS text)",
                        "agency_id": "d.agency_id",
                        "due_at": "CASE WHEN t.step = 'intake' THEN d.intake_due_at ELSE d.due_at END"})
    if table.name == "document" and "register_seq" in columns:  # each numbered form in its own place
        seq = "t.register_seq + (d.id - :tid)"
        special["register_agency_id"] = "CASE WHEN t.register_agency_id IS NULL THEN NULL ELSE d.agency_id END"
        special["register_seq"] = f"CASE WHEN t.register_seq IS NULL THEN NULL ELSE {seq} END"
        special["number"] = (f"CASE WHEN t.register_seq IS NULL THEN t.number ELSE CAST({seq} AS text) || "
                             "substr(t.number, length(CAST(t.register_seq AS text)) + 1) END")
    if table.name == "notification":
        special["agency_id"] = "CASE WHEN t.agency_id IS NULL THEN NULL ELSE d.agency_id END"
    if table.name == "supplement_request":
        where = " AND d.id % 10 = 0"  # a tenth of the dossiers had a supplement round
    exprs = [special.get(c, f"t.{c}") for c in columns]
    return (f"INSERT INTO {table.name} ({', '.join(columns)}) SELECT {', '.join(exprs)} FROM dossier d "
            f"CROSS JOIN (SELECT * FROM {table.name} WHERE dossier_id = :tid) AS t "
            "CROSS JOIN (SELECT filed_at FROM dossier WHERE id = :tid) AS tt "
            f"WHERE d.id > :after{where} ORDER BY d.id, t.id")


EXTRA = (
    # an extension for 3 % of the closed dossiers, an apology letter for the late ones
    "INSERT INTO extension (dossier_id, requested_at, requested_by, working_minutes, reason, state, new_due_at, "
    "decided_at) SELECT d.id, d.received_at + interval '2 days', :officer, 960, 'Cần xác minh thêm', 'confirmed', "
    "d.due_at + interval '2 days', d.received_at + interval '2 days 3 hours' FROM dossier d "
    "WHERE d.id > :after AND d.status = 10 AND d.id % 33 = 0",
    "INSERT INTO letter (dossier_id, kind, reason, faults, issued_at, new_due_at, signer_name, signer_role, "
    "violation) SELECT d.id, 'overdue', 'Hồ sơ cần thêm thời gian thẩm định', CAST('[]' AS json), d.due_at, "
    "d.due_at + interval '1 day', 'Hoàng Văn Trưởng', 'head_of_agency', false FROM dossier d "
    "WHERE d.id > :after AND d.status = 10 AND d.late",
)


def build(args) -> None:
    from engine.cli import load_demo
    from engine.data.model import Base, User
    from engine.data import portal_model  # noqa: F401 - its tables are in Base.metadata too

    folder = Path(args.dir)
    if (folder / "meta.json").exists():
        log(f"{folder} holds a built database already (meta.json): nothing to do")
        return
    folder.mkdir(parents=True, exist_ok=True)
    pg = KeptServer(folder).start()
    try:
        url = pg.create_database("scale")
        settings = settings_for(folder, url)
        now = datetime.now(VN_TZ).replace(second=0, microsecond=0)
        t0 = time.perf_counter()
        log("migrations, demo data, templates ...")
        if "province" in inspect_signature(load_demo).parameters:  # one ward files the sample, as in the tests
            load_demo(settings, PASSWORD, province=False)
        else:
            load_demo(settings, PASSWORD)
        engine = make_engine(url)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for setting in ("max_wal_size = '8GB'", "checkpoint_timeout = '30min'", "maintenance_work_mem = '512MB'"):
                conn.exec_driver_sql(f"ALTER SYSTEM SET {setting}")
            conn.exec_driver_sql("SELECT pg_reload_conf()")
        sessions = make_sessionmaker(engine)
        templates = make_templates(sessions, settings, now)
        with sessions() as session:
            officer = session.scalar(select(User.id).where(User.username == OFFICERS["assessment"]))
        with engine.begin() as conn:
            demo_code = conn.execute(text("SELECT a.code FROM agency a JOIN dossier d ON d.agency_id = a.id "
                                          "WHERE d.id = :i"), {"i": templates["done"]}).scalar_one()
            add_agencies_and_citizens(conn, demo_code)
            present = set(inspect(conn).get_table_names())
            children = [t for t in Base.metadata.sorted_tables  # the checkpoints are the worker's, not a dossier's
                        if "dossier_id" in t.c and "id" in t.c and t.name in present]
            dossier_sql = {k: text(dossier_insert(conn, k)) for k in templates}
            child_sql = [(t.name, text(child_insert(conn, t))) for t in children]
        params = {"per_day": PER_DAY, "today": now.date().isoformat(), "now": now, "citizens": CITIZENS,
                  "open_n": int(args.size * OPEN_SHARE)}
        rows: dict[str, int] = {}
        for lo in range(1, args.size + 1, args.chunk):
            hi = min(lo + args.chunk - 1, args.size)
            with engine.begin() as conn:
                for kind, tid in templates.items():
                    after = conn.execute(text("SELECT max(id) FROM dossier")).scalar_one()
                    n = conn.execute(dossier_sql[kind], {**params, "lo": lo, "hi": hi, "tid": tid}).rowcount
                    rows["dossier"] = rows.get("dossier", 0) + n
                    if not n:
                        continue
                    for name, statement in child_sql:
                        rows[name] = rows.get(name, 0) + conn.execute(statement, {"tid": tid, "after": after}).rowcount
                    if kind == "done":
                        for statement in EXTRA:
                            conn.execute(text(statement), {"after": after, "officer": officer})
            log(f"  {hi:>9,} dossiers ({time.perf_counter() - t0:.0f} s)")
        with engine.begin() as conn:  # the registers start after the copies
            conn.execute(text(
                "UPDATE number_register r SET last = m.last FROM (SELECT register_agency_id, kind, register_year, "
                "max(register_seq) AS last FROM document WHERE register_seq IS NOT NULL "
                "GROUP BY register_agency_id, kind, register_year) m WHERE m.register_agency_id = r.agency_id "
                "AND m.kind = r.kind AND m.register_year = r.year"))
            conn.execute(text(
                "INSERT INTO number_register (agency_id, kind, year, last) SELECT register_agency_id, kind, "
                "register_year, max(register_seq) FROM document WHERE register_seq IS NOT NULL GROUP BY 1, 2, 3 "
                "ON CONFLICT DO NOTHING"))
            for table in ("extension", "letter"):
                rows[table] = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
        insert_s = time.perf_counter() - t0
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
            size = conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
        engine.dispose()
        meta = {"size": args.size, "now": now.isoformat(), "templates": templates, "rows": rows,
                "insert_s": round(insert_s), "total_s": round(time.perf_counter() - t0), "bytes": size,
                "database": "scale"}
        (folder / "meta.json").write_text(json.dumps(meta, indent=1))
        log(json.dumps(meta))
    finally:
        pg.stop()


# -- measuring ---------------------------------------------------------------------------------------------------
class Timings:
    """Named series of milliseconds; each series runs ``reps`` times or until its time budget is spent."""

    def __init__(self, reps: int, budget_s: float):
        self.reps, self.budget_s = reps, budget_s
        self.series: dict[str, list[float]] = {}

    def run(self, name: str, call, reps: int | None = None, before=None, warmup: int = 1) -> None:
        for _ in range(warmup):
            if before:
                before()
            call()
        spent, out = 0.0, self.series.setdefault(name, [])
        for _ in range(reps or self.reps):
            if before:
                before()
            t0 = time.perf_counter()
            call()
            elapsed = time.perf_counter() - t0
            out.append(elapsed * 1000)
            spent += elapsed
            if spent > self.budget_s and len(out) >= 3:
                break
        log(f"  {name}: median {statistics.median(out):.1f} ms over {len(out)}")

    def summary(self) -> dict:
        return {name: {"n": len(v), "median": round(statistics.median(v), 2), "p95": round(p95(v), 2)}
                for name, v in self.series.items() if v}


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(0.95 * len(ordered))) - 1))]


def _ok(response, status=200):
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:500])
    return response


def make_ready(engine, meta: dict, item_ids: list[int]) -> None:
    """Untimed: the copied workflow state of each item's dossier names the template's task id; rename it to the
    item's own (the copies' task ids are unique), so that the item can be completed through the real code."""
    import re
    import uuid
    import zlib

    with engine.begin() as conn:
        template = conn.execute(text("SELECT task_id FROM work_item WHERE dossier_id = :t AND step = 'assessment' "
                                     "ORDER BY id LIMIT 1"), {"t": meta["templates"]["processing"]}).scalar_one().encode()
        rows = conn.execute(text("SELECT w.task_id, d.id, d.workflow_state FROM work_item w JOIN dossier d "
                                 "ON d.id = w.dossier_id WHERE w.id = ANY(:ids)"), {"ids": item_ids}).all()
        uuid_re = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
        for task_id, dossier_id, state in rows:
            names = {template: task_id.encode(), task_id.encode(): task_id.encode()}  # the others: fresh ids

            def rename(m, names=names):
                return names.setdefault(m.group(0), str(uuid.uuid4()).encode())
            fixed = zlib.compress(uuid_re.sub(rename, zlib.decompress(state)), 6)
            conn.execute(text("UPDATE dossier SET workflow_state = :s WHERE id = :i"), {"s": fixed, "i": dossier_id})


def measure_app(args, folder: Path, meta: dict, settings, timings: Timings) -> None:
    from engine.web import create_app
    from web_support import Web

    now = datetime.fromisoformat(meta["now"])
    clock = FixedClock(now)
    app = create_app(settings, clock)
    engine = make_engine(settings.database_url)
    with engine.connect() as conn:
        demo = conn.execute(text("SELECT agency_id FROM bench_slot WHERE slot = 0")).scalar_one()
        codes = list(conn.execute(text("SELECT code FROM dossier WHERE agency_id = :a ORDER BY random() LIMIT 200"),
                                  {"a": demo}).scalars())
        cccds = list(conn.execute(text("SELECT cccd FROM bench_citizen ORDER BY random() LIMIT 100")).scalars())
        items = list(conn.execute(text(
            "SELECT w.id FROM work_item w WHERE w.agency_id = :a AND w.step = 'assessment' AND w.dossier_id > 3 "
            "ORDER BY random() LIMIT :n"), {"a": demo, "n": args.reps + 10}).scalars())
    make_ready(engine, meta, items)
    engine.dispose()
    rnd = random.Random(15)

    specialist = Web(app.test_client()).login(OFFICERS["assessment"])
    intake = Web(app.test_client()).login(OFFICERS["intake"])
    leader = Web(app.test_client()).login(OFFICERS["approval"])
    citizen = Web(app.test_client()).login(CITIZEN)
    api = app.test_client()

    def token(name):
        return {"Authorization": "Bearer " + _ok(api.post("/api/v1/auth/token", json={
            "username": name, "password": PASSWORD})).get_json()["token"]}

    tokens = {k: token(OFFICERS[k]) for k in ("intake", "assessment")}
    tokens["citizen"] = token(CITIZEN)

    for query in ("", "?mine=1", "?due=overdue", "?due=today", "?due=at_risk", "?sort=due_desc",
                  f"?procedure={SAMPLE_CODE}", "?step=assessment"):
        timings.run(f"inbox page {query or '(first page)'}", lambda q=query: specialist.get("/can-bo/cong-viec" + q))
    timings.run("inbox page, intake officer", lambda: intake.get("/can-bo/cong-viec"))
    timings.run("API GET /tasks", lambda: _ok(api.get("/api/v1/tasks", headers=tokens["assessment"])))
    timings.run("API GET /tasks?overdue=true",
                lambda: _ok(api.get("/api/v1/tasks?overdue=true", headers=tokens["assessment"])))
    timings.run("dossier page (officer)", lambda: specialist.get("/can-bo/ho-so/" + rnd.choice(codes)))
    timings.run("citizen list /ca-nhan/ho-so", lambda: citizen.get("/ca-nhan/ho-so"))
    anon = app.test_client()
    timings.run("public lookup by code", lambda: _ok(anon.get(
        "/tra-cuu?q=" + rnd.choice(codes), environ_base={"REMOTE_ADDR": f"10.1.{rnd.randrange(250)}.{rnd.randrange(250)}"})))
    timings.run("public lookup by CCCD", lambda: _ok(anon.get(
        "/tra-cuu?q=" + rnd.choice(cccds), environ_base={"REMOTE_ADDR": f"10.2.{rnd.randrange(250)}.{rnd.randrange(250)}"})))
    timings.run("leader's view /can-bo/theo-doi", lambda: leader.get("/can-bo/theo-doi"))
    last = now.date().replace(day=1) - timedelta(days=1)
    month = f"from={last.replace(day=1).isoformat()}&to={last.isoformat()}"
    timings.run("register, a month (XLSX)", lambda: _ok(api.get(f"/api/v1/register?{month}&format=xlsx",
                                                              headers=tokens["intake"])))
    if args.pdf:
        timings.run("register, a month (PDF)", lambda: _ok(api.get(f"/api/v1/register?{month}&format=pdf",
                                                                 headers=tokens["intake"])), reps=3, warmup=0)
    queue = list(items)
    timings.run("complete a task (API, propose_approval)", lambda: _ok(api.post(
        f"/api/v1/tasks/{queue.pop()}/complete", headers=tokens["assessment"],
        json={"action": "propose_approval", "data": STEP_DATA["propose_approval"]})))
    filed: list[str] = []

    def file():
        filed.append(_ok(api.post("/api/v1/dossiers", headers=tokens["citizen"], json={
            "procedure": SAMPLE_CODE, "form": SAMPLE_FORM}), 201).get_json()["code"])

    timings.run("file a dossier (API)", file)
    with app.app_context():
        ids = {}
        sessions = app.extensions["tthc"]["sessions"]
        from engine.data.model import Dossier, WorkItem
        with sessions() as session:
            for code in filed:
                ids[code] = session.scalar(select(WorkItem.id).join(Dossier).where(Dossier.code == code))
    pending = [ids[c] for c in filed]
    timings.run("receive a dossier (API)", lambda: _ok(api.post(
        f"/api/v1/tasks/{pending.pop()}/complete", headers=tokens["intake"], json={"action": "receive", "data": {}})),
        reps=min(args.reps, len(pending) - 1))
    app.extensions["tthc"]["engine"].dispose()


def measure_sweep(args, settings, meta: dict, timings: Timings) -> None:
    from engine import timers

    now = datetime.fromisoformat(meta["now"])
    engine = make_engine(settings.database_url)
    sessions = make_sessionmaker(engine)
    timings.run("sweep, nothing due", lambda: timers.sweep(sessions, settings, now))

    def make_due():
        with engine.begin() as conn:
            conn.execute(text(
                "UPDATE dossier SET due_at = CAST(:now AS timestamptz) - interval '1 hour', "
                "next_timer_at = CAST(:now AS timestamptz) - interval '1 minute', late = false, warned_at = NULL "
                "WHERE id IN (SELECT id FROM dossier WHERE status = 4 AND id > 3 ORDER BY random() LIMIT 1000)"), {"now": now})

    fired = []
    timings.run("sweep, 1,000 due", lambda: fired.append(timers.sweep(sessions, settings, now).handled),
                reps=args.sweep_reps, before=make_due, warmup=0)
    log(f"  fired per sweep: {fired}")
    engine.dispose()


def _serve(folder: Path, settings, port: int) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(CODE), "TTHC_DATABASE_URL": settings.database_url,
           "TTHC_DATA_DIR": str(folder / "data"), "TTHC_PROXY_HOPS": "1", "TTHC_SESSION_COOKIE_SECURE": "false"}
    out = open(folder / "serve.log", "a")  # a file, not a pipe nobody reads: a full pipe would stall the server
    return subprocess.Popen([sys.executable, "-c", "from engine.cli import run; run()", "serve", "--port", str(port),
                             "--threads", "8", "--no-worker"], cwd=CODE, env=env, stdout=out,
                            stderr=subprocess.STDOUT, text=True)


class Client:
    """One user of the load: a keep-alive-free urllib opener with its own cookies."""

    def __init__(self, base: str):
        import http.cookiejar

        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def call(self, method: str, path: str, body=None, headers=None, form=None) -> tuple[int, bytes]:
        data, head = None, dict(headers or {})
        if body is not None:
            data, head["Content-Type"] = json.dumps(body).encode(), "application/json"
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            head["Content-Type"] = "application/x-www-form-urlencoded"
        request = urllib.request.Request(self.base + path, data=data, headers=head, method=method)
        try:
            with self.opener.open(request, timeout=120) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def login(self, username: str) -> None:
        import re

        status, page = self.call("GET", "/dang-nhap")
        csrf = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page).group(1).decode()
        status, _ = self.call("POST", "/dang-nhap", form={"username": username, "password": PASSWORD,
                                                           "csrf_token": csrf})
        assert status in (200, 302), status


def measure_load(args, folder: Path, settings, meta: dict) -> dict:
    """20 users for ``--load-seconds`` against a real ``tthc serve``: inbox pages, lookups, filing, completing."""
    import urllib.parse  # noqa: F401 - Client.call
    from postgres_server import free_port

    servers, bases = [], []
    for _ in range(args.servers):  # several web processes over the one database (scale out)
        port = free_port()
        servers.append(_serve(folder, settings, port))
        bases.append(f"http://127.0.0.1:{port}")
    base = bases[0]
    try:
        for server, url in zip(servers, bases):
            for _ in range(600):
                try:
                    urllib.request.urlopen(url + "/tra-cuu", timeout=5).read()
                    break
                except (urllib.error.URLError, ConnectionError):
                    if server.poll() is not None:
                        raise RuntimeError((folder / "serve.log").read_text()[-3000:])
                    time.sleep(0.2)
        engine = make_engine(settings.database_url)
        with engine.connect() as conn:
            demo = conn.execute(text("SELECT agency_id FROM bench_slot WHERE slot = 0")).scalar_one()
            codes = list(conn.execute(text("SELECT code FROM dossier ORDER BY random() LIMIT 2000")).scalars())
            items = list(conn.execute(text(
                "SELECT id FROM work_item WHERE agency_id = :a AND step = 'assessment' AND dossier_id > 3 "
                "ORDER BY random() LIMIT 5000"),
                {"a": demo}).scalars())
        make_ready(engine, meta, items)
        engine.dispose()
        probe = Client(base)
        tokens = {}
        for key, name in (("citizen", CITIZEN), ("assessment", OFFICERS["assessment"])):
            status, body = probe.call("POST", "/api/v1/auth/token", {"username": name, "password": PASSWORD})
            tokens[key] = {"Authorization": "Bearer " + json.loads(body)["token"]}
        lock = threading.Lock()
        records: list[tuple[str, float, int]] = []
        stop_at = [0.0]

        def user(n: int) -> None:
            rnd = random.Random(n)
            me = Client(bases[n % len(bases)])
            me.login(OFFICERS["assessment"])
            gap = args.users / args.rate if args.rate else 0.0  # --rate: the users together offer that many a second
            due = time.perf_counter() + rnd.random() * gap
            while time.perf_counter() < stop_at[0]:
                if gap:  # paced: each request at its own planned instant; a late answer delays only what follows it
                    pause = due - time.perf_counter()
                    if pause > 0:
                        time.sleep(pause)
                    due = max(due + gap, time.perf_counter() - gap)
                pick = rnd.random()
                t0 = time.perf_counter()
                if pick < 0.35:
                    kind, (status, _) = "inbox", me.call("GET", "/can-bo/cong-viec")
                elif pick < 0.65:
                    ip = f"10.{n}.{rnd.randrange(250)}.{rnd.randrange(250)}"
                    kind, (status, _) = "lookup", me.call("GET", "/tra-cuu?q=" + rnd.choice(codes),
                                                          headers={"X-Forwarded-For": ip})
                elif pick < 0.80:
                    kind, (status, _) = "file", me.call("POST", "/api/v1/dossiers", {
                        "procedure": SAMPLE_CODE, "form": SAMPLE_FORM}, tokens["citizen"])
                else:
                    with lock:
                        item = items.pop() if items else None
                    if item is None:
                        continue
                    kind, (status, _) = "complete", me.call("POST", f"/api/v1/tasks/{item}/complete", {
                        "action": "propose_approval", "data": STEP_DATA["propose_approval"]}, tokens["assessment"])
                with lock:
                    records.append((kind, (time.perf_counter() - t0) * 1000, status))

        threads = [threading.Thread(target=user, args=(n,)) for n in range(args.users)]
        stop_at[0] = time.perf_counter() + args.load_seconds + 30  # logins first
        started = time.perf_counter()
        for t in threads:
            t.start()
        time.sleep(5)
        begin, mark = time.perf_counter(), len(records)
        stop_at[0] = begin + args.load_seconds
        for t in threads:
            t.join()
        window = records[mark:]
        elapsed = time.perf_counter() - begin
        del started
    finally:
        for server in servers:
            server.terminate()
            server.wait(30)
    latencies = [r[1] for r in window]
    out = {"users": args.users, "servers": args.servers, "offered_per_s": args.rate or None, "seconds": round(elapsed, 1), "requests": len(window),
           "per_s": round(len(window) / elapsed, 1), "p50": round(statistics.median(latencies), 1),
           "p95": round(p95(latencies), 1), "5xx": sum(r[2] >= 500 for r in window),
           "statuses": {str(s): sum(r[2] == s for r in window) for s in sorted({r[2] for r in window})}}
    for kind in ("inbox", "lookup", "file", "complete"):
        mine = [r[1] for r in window if r[0] == kind]
        if mine:
            out[kind] = {"n": len(mine), "p50": round(statistics.median(mine), 1), "p95": round(p95(mine), 1)}
    log(f"  load: {out}")
    return out


def measure(args) -> None:
    from engine.cases.preflight import upgrade_database

    folder = Path(args.dir)
    meta = json.loads((folder / "meta.json").read_text())
    pg = KeptServer(folder).start()
    try:
        settings = settings_for(folder, pg.url_for(meta["database"]))
        t0 = time.perf_counter()
        upgrade_database(settings)  # the measured tree's migrations (its indexes)
        migrate_s = time.perf_counter() - t0
        with make_engine(settings.database_url).connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE dossier")
            conn.exec_driver_sql("VACUUM ANALYZE work_item")
        timings = Timings(args.reps, args.budget)
        load_before = os.getloadavg()[0]
        if "app" in args.parts:
            measure_app(args, folder, meta, settings, timings)
        if "sweep" in args.parts:
            measure_sweep(args, settings, meta, timings)
        load = measure_load(args, folder, settings, meta) if "load" in args.parts else None
        result = {"label": args.label or f"{CODE.name} at {meta['size']:,}", "size": meta["size"],
                  "code": str(CODE), "migrate_s": round(migrate_s, 1), "load_average": [load_before,
                                                                                          os.getloadavg()[0]],
                  "timings": timings.summary(), "load": load}
    finally:
        pg.stop()
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=1, ensure_ascii=False))
    print_table([result])
    print(json.dumps(result, ensure_ascii=False))


def print_table(results: list[dict]) -> None:
    names = list(dict.fromkeys(n for r in results for n in r["timings"]))
    width = max(len(n) for n in names) if names else 10
    print()
    print(f"{'ms: median / p95 (n)':<{width}} " + " ".join(f"{r['label']:>26}" for r in results))
    for name in names:
        cells = []
        for r in results:
            t = r["timings"].get(name)
            cells.append(f"{t['median']:>9.1f} / {t['p95']:>8.1f} ({t['n']:>2})" if t else f"{'—':>26}")
        print(f"{name:<{width}} " + " ".join(cells))
    for r in results:
        load = r.get("load")
        if load:
            print(f"{r['label']}: {load['users']} users on {load.get('servers', 1)} web process(es), {load['per_s']} requests/s, p50 {load['p50']} ms, "
                  f"p95 {load['p95']} ms, 5xx {load['5xx']}; " + ", ".join(
                      f"{k} p95 {load[k]['p95']} ms" for k in ("inbox", "lookup", "file", "complete") if k in load))
        print(f"{r['label']}: load average {r['load_average']}, migrations {r['migrate_s']} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="build a database of --size dossiers in --dir (kept)")
    b.add_argument("--size", type=int, default=10_000)
    b.add_argument("--dir", required=True)
    b.add_argument("--chunk", type=int, default=100_000)
    b.add_argument("--code", help="the tree whose engine builds (default this one)")
    m = sub.add_parser("measure", help="time the real code paths on the database in --dir")
    m.add_argument("--dir", required=True)
    m.add_argument("--code", help="the tree whose engine is measured (default this one)")
    m.add_argument("--reps", type=int, default=50)
    m.add_argument("--budget", type=float, default=60.0, help="seconds per series at most (at least 3 calls)")
    m.add_argument("--sweep-reps", type=int, default=5)
    m.add_argument("--users", type=int, default=20)
    m.add_argument("--load-seconds", type=float, default=60.0)
    m.add_argument("--servers", type=int, default=1, help="web processes the users are spread over (default 1)")
    m.add_argument("--rate", type=float, default=0.0,
                   help="requests a second the users offer together (paced, each user every users/rate s); "
                        "default 0: each user sends its next request as soon as the last is answered (saturation)")
    m.add_argument("--parts", default="app,sweep,load")
    m.add_argument("--pdf", action="store_true", help="also the register as PDF (3 calls)")
    m.add_argument("--label")
    m.add_argument("--out")
    t = sub.add_parser("table", help="print measured JSON files side by side")
    t.add_argument("files", nargs="+")
    args = parser.parse_args()
    if args.command == "build":
        build(args)
    elif args.command == "measure":
        measure(args)
    else:
        print_table([json.loads(Path(f).read_text()) for f in args.files])


if __name__ == "__main__":
    main()
