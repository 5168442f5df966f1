"""Growth benchmark: what one command costs at 10,000 and at 1,000,000 dossiers, on SQLite and PostgreSQL.

"No command may cost more as the database grows." This script builds databases of N dossiers and times the
intake commands on them, side by side: ``file`` (a citizen files the sample procedure) and ``receive`` (the
intake officer receives it: status 2 then 4, Mẫu 01 with its number, deadlines, work items, audit). Each
timed repetition files one new dossier (timed) and receives it (timed), one session and one commit per
command, as the web edge does; the sizes take turns so that a change in the machine's load hits them alike.

Setup (untimed): per backend, the migrations and the demo data (``engine.cli.load_demo``), then one real
dossier through the use cases (filed, then received). Its rows are the template of the bulk rows: for each
size a copy of that database gets N dossiers with every row the template has in a table with a
``dossier_id`` column (work item, audit events, the receipt document and its signature rows, ...), with unique
codes and task ids, times spread over the days before "now" (5,000 dossiers a day, so 1,000,000 reach back
200 days, all in the same year: a per-year count would see them all) and each receipt in its own place of
the receipt register (the register then starts after them). The rows are written by the database itself,
``INSERT ... SELECT`` over a series, 100,000 dossiers per transaction; then ANALYZE (VACUUM ANALYZE on
PostgreSQL).

PostgreSQL is a throw-away server (tests/postgres_server.py, fsync off), rebuilt on every run. The SQLite
databases can be kept: with ``--workdir DIR`` they are built once, into DIR, and reused by the next run
(each run adds its few timed dossiers to them).

"now" starts at Monday 23/11/2026 09:00 (+07:00), as in the tests, and moves 2 minutes per repetition.
Never run by pytest. Run from the repository root:

    python3 bench/growth.py                                   # 10,000 and 1,000,000, both databases
    python3 bench/growth.py --sizes 10000,100000 --backends sqlite
    python3 bench/growth.py --workdir /var/tmp/tthc-growth    # keep (and reuse) the SQLite databases

The last stdout line is one JSON object.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from sqlalchemy import inspect, select, text  # noqa: E402

from engine.cases import filing, tasks  # noqa: E402
from engine.cases.dossiers import Context  # noqa: E402
from engine.cli import load_demo  # noqa: E402
from engine.core.clock import VN_TZ  # noqa: E402
from engine.core.settings import load_settings, with_secrets  # noqa: E402
from engine.data.db import UTCDateTime, make_engine, make_sessionmaker  # noqa: E402
from engine.data import portal_model  # noqa: E402,F401 - its tables are in Base.metadata too
from engine.data.model import Base, Dossier, User, WorkItem  # noqa: E402

from conftest import CITIZEN, OFFICERS, PASSWORD, SAMPLE_CODE, SAMPLE_FORM  # noqa: E402

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=VN_TZ)
PER_DAY = 5000  # bulk dossiers a day: codes <agency>-<YYMMDD>-<NNNN>
SPREAD_S = 120 * 86400  # due dates spread over 120 days after "now"
DEFAULT_SIZES = (10_000, 1_000_000)
BACKENDS = ("sqlite", "postgresql")


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# -- the bulk rows, written by the database -------------------------------------------------------------------
class Dialect:
    """The few expressions that differ between SQLite and PostgreSQL; ``g`` is the bulk dossier's number."""

    def __init__(self, name: str):
        self.name = name
        self.pg = name == "postgresql"

    def series(self) -> str:
        if self.pg:
            return "generate_series(CAST(:lo AS bigint), CAST(:hi AS bigint)) AS s(g)"
        return "(WITH RECURSIVE s(g) AS (SELECT :lo UNION ALL SELECT g + 1 FROM s WHERE g < :hi) SELECT g FROM s) AS s"

    def day_back(self) -> str:
        """The bulk dossier's filing day, 1 + g / PER_DAY days before "now" (as YYMMDD)."""
        if self.pg:
            return "to_char(CAST(:today AS date) - CAST(1 + s.g / :per_day AS integer), 'YYMMDD')"
        return "substr(strftime('%Y%m%d', :today, '-' || (1 + s.g / :per_day) || ' days'), 3)"

    def filed_at(self) -> str:
        """07:30 in Vietnam on that day, plus 5 seconds per dossier of the day."""
        if self.pg:
            return ("((CAST(:today AS date) - CAST(1 + s.g / :per_day AS integer)) + time '07:30') "
                    "AT TIME ZONE 'Asia/Ho_Chi_Minh' + (s.g % :per_day) * interval '5 seconds'")
        return ("strftime('%Y-%m-%d %H:%M:%f', :today, '-' || (1 + s.g / :per_day) || ' days', '+30 minutes', "
                "((s.g % :per_day) * 5) || ' seconds')")  # 07:30 in Vietnam is 00:30 UTC

    def plus(self, expr: str, seconds: str) -> str:
        if self.pg:
            return f"({expr} + ({seconds}) * interval '1 second')"
        return f"strftime('%Y-%m-%d %H:%M:%f', {expr}, ({seconds}) || ' seconds')"

    def shift(self, column: str) -> str:
        """A template child row's time, moved by the copy's filing time minus the template's."""
        if self.pg:
            return f"(d.filed_at + (t.{column} - tt.filed_at))"
        return (f"strftime('%Y-%m-%d %H:%M:%f', julianday(d.filed_at) + julianday(t.{column}) "
                "- julianday(tt.filed_at))")

    def pad(self, expr: str, width: int) -> str:
        if self.pg:
            return f"lpad(CAST({expr} AS text), {width}, '0')"
        return f"substr('{'0' * width}' || ({expr}), -{width})"

    def text(self, expr: str) -> str:
        return f"CAST({expr} AS text)"

    def now(self) -> str:
        return "CAST(:now AS timestamptz)" if self.pg else ":now"


def dossier_insert(d: Dialect, columns: list[str]) -> str:
    """INSERT ... SELECT of the bulk dossiers: the template's values except what must differ."""
    due = d.plus(d.now(), f"2 * 86400 + (s.g * 2654435761) % {SPREAD_S}")
    special = {
        "code": f"t.agency_code || '-' || {d.day_back()} || '-' || {d.pad('s.g % :per_day + 1', 4)}",
        "owner_cccd": f"'0790' || {d.pad('s.g % 100000000', 8)}",
        "filed_at": d.filed_at(),
        "intake_due_at": d.plus(d.filed_at(), "3600"),
        "received_at": d.plus(d.filed_at(), "2400"),
        "due_at": due, "original_due_at": due,
        "next_timer_at": d.plus(due, "-86400"),
    }
    exprs = [special.get(c, f"t.{c}") for c in columns]
    return (f"INSERT INTO dossier ({', '.join(columns)}) SELECT {', '.join(exprs)} FROM {d.series()} "
            "CROSS JOIN (SELECT x.*, a.code AS agency_code FROM dossier x JOIN agency a ON a.id = x.agency_id "
            "WHERE x.id = :tid) AS t ORDER BY s.g")


def child_insert(d: Dialect, table, columns: list[str]) -> str:
    """INSERT ... SELECT of a child table's template rows for every bulk dossier after ``:after``."""
    special = {"dossier_id": "d.id"}
    for c in columns:
        if isinstance(table.c[c].type, UTCDateTime):
            special[c] = f"CASE WHEN t.{c} IS NULL THEN NULL ELSE {d.shift(c)} END"
    if table.name == "work_item":
        special["task_id"] = f"'bench-' || {d.text('d.id')} || '-' || {d.text('t.id')}"
    if table.name == "document" and "register_seq" in columns:  # each receipt in its own place of the register
        seq = "t.register_seq + (d.id - :tid)"
        special["register_seq"] = f"CASE WHEN t.register_seq IS NULL THEN NULL ELSE {seq} END"
        special["number"] = (f"CASE WHEN t.register_seq IS NULL THEN t.number ELSE {d.text(seq)} || "
                             f"substr(t.number, length({d.text('t.register_seq')}) + 1) END")
    exprs = [special.get(c, f"t.{c}") for c in columns]
    return (f"INSERT INTO {table.name} ({', '.join(columns)}) SELECT {', '.join(exprs)} FROM dossier d "
            f"CROSS JOIN (SELECT * FROM {table.name} WHERE dossier_id = :tid) AS t "
            "CROSS JOIN (SELECT filed_at FROM dossier WHERE id = :tid) AS tt "
            f"WHERE d.id > :after ORDER BY d.id{', t.id' if 'id' in table.c else ''}")  # (a checkpoint's entries: no id)


def child_tables(engine) -> list:
    """Every table of the model with a ``dossier_id`` column that the migrated database has."""
    present = set(inspect(engine).get_table_names())
    return [t for t in Base.metadata.sorted_tables if "dossier_id" in t.c and t.name in present]


def db_columns(engine, table: str) -> list[str]:
    return [c["name"] for c in inspect(engine).get_columns(table) if c["name"] != "id"]


def grow(engine, template_id: int, size: int, chunk: int) -> dict:
    d = Dialect(engine.dialect.name)
    params = {"tid": template_id, "per_day": PER_DAY, "today": NOW.astimezone(VN_TZ).date().isoformat(),
              "now": NOW if d.pg else NOW.astimezone(timezone.utc).replace(tzinfo=None).isoformat(" ")}
    insert_dossiers = text(dossier_insert(d, db_columns(engine, "dossier")))
    children = [(t.name, text(child_insert(d, t, [c for c in db_columns(engine, t.name)])))
                for t in child_tables(engine)]
    rows: dict[str, int] = {"dossier": 0}
    t0 = time.perf_counter()
    for lo in range(1, size + 1, chunk):
        hi = min(lo + chunk - 1, size)
        with engine.begin() as conn:
            after = conn.execute(text("SELECT coalesce(max(id), 0) FROM dossier")).scalar_one()
            rows["dossier"] += conn.execute(insert_dossiers, {**params, "lo": lo, "hi": hi}).rowcount
            for name, statement in children:
                rows[name] = rows.get(name, 0) + conn.execute(statement, {"tid": template_id,
                                                                          "after": after}).rowcount
        log(f"    {hi:>9,} dossiers ({time.perf_counter() - t0:.0f} s)")
    with engine.begin() as conn:
        if "number_register" in inspect(engine).get_table_names():  # the registers start after the copies
            conn.execute(text(
                "UPDATE number_register SET last = (SELECT coalesce(max(register_seq), 0) FROM document "
                "WHERE register_agency_id = number_register.agency_id AND kind = number_register.kind "
                "AND register_year = number_register.year) WHERE EXISTS (SELECT 1 FROM document "
                "WHERE register_agency_id = number_register.agency_id AND kind = number_register.kind "
                "AND register_year = number_register.year)"))
    insert_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE" if d.pg else "ANALYZE")
    return {"rows": {k: v for k, v in rows.items() if v}, "insert_s": insert_s,
            "analyze_s": time.perf_counter() - t1}


# -- the template dossier, and the timed commands ----------------------------------------------------------
def file_one(sessions, settings, now: datetime) -> tuple[str, float]:
    with sessions() as session:
        citizen = session.scalar(select(User).where(User.username == CITIZEN))
        t0 = time.perf_counter()
        dossier = filing.file_dossier(session, Context(user=citizen, now=now, settings=settings),
                                        {"procedure": SAMPLE_CODE, "form": SAMPLE_FORM})
        session.commit()
        return dossier.code, time.perf_counter() - t0


def receive_one(sessions, settings, code: str, now: datetime) -> float:
    with sessions() as session:
        officer = session.scalar(select(User).where(User.username == OFFICERS["intake"]))
        item = session.scalar(select(WorkItem.id).join(Dossier).where(Dossier.code == code))
        t0 = time.perf_counter()
        dossier = tasks.complete(session, Context(user=officer, now=now, settings=settings), item, "receive", {})
        session.commit()
        elapsed = time.perf_counter() - t0
        assert dossier.status == 4, dossier.status
        return elapsed


def make_template(sessions, settings) -> int:
    code, _ = file_one(sessions, settings, NOW - timedelta(minutes=30))
    receive_one(sessions, settings, code, NOW - timedelta(minutes=20))
    with sessions() as session:
        return session.scalar(select(Dossier.id).where(Dossier.code == code))


class Target:
    """One database of ``size`` bulk dossiers."""

    def __init__(self, backend: str, size: int, url: str, settings):
        self.backend, self.size, self.url = backend, size, url
        self.settings = settings.replace(database_url=url)
        self.engine = make_engine(url)
        self.sessions = make_sessionmaker(self.engine)
        self.file_ms: list[float] = []
        self.receive_ms: list[float] = []
        self.setup: dict = {}

    def rep(self, now: datetime) -> None:
        gc.collect()
        code, filing = file_one(self.sessions, self.settings, now)
        receiving = receive_one(self.sessions, self.settings, code, now + timedelta(minutes=1))
        self.file_ms.append(filing * 1000)
        self.receive_ms.append(receiving * 1000)


def build_sqlite(args, workdir: Path, settings) -> list[Target]:
    demo = workdir / "growth-demo.sqlite3"
    meta = workdir / "growth-demo.json"
    if not demo.exists():
        log("sqlite: migrations, demo data and the template dossier ...")
        s = settings.replace(database_url=f"sqlite:///{demo}")
        load_demo(s, PASSWORD, province=False)  # the tests' single ward files the sample
        engine = make_engine(s.database_url)
        template_id = make_template(make_sessionmaker(engine), s)
        engine.dispose()
        meta.write_text(json.dumps({"template_id": template_id}))
    template_id = json.loads(meta.read_text())["template_id"]
    targets = []
    for size in args.sizes:
        path = workdir / f"growth-{size}.sqlite3"
        target = Target("sqlite", size, f"sqlite:///{path}", settings)
        done = path.with_suffix(".built")
        if done.exists():
            target.setup = {**json.loads(done.read_text()), "cached": True}
            log(f"sqlite {size:,}: reusing {path.name} (built in {target.setup['insert_s']:.0f} s)")
        else:
            log(f"sqlite {size:,}: bulk insert ...")
            shutil.copyfile(demo, path)
            target.engine.dispose()
            target.setup = grow(target.engine, template_id, size, args.chunk)
            done.write_text(json.dumps(target.setup))
        target.setup["bytes"] = path.stat().st_size
        targets.append(target)
    return targets


def build_postgresql(args, workdir: Path, settings, pg) -> list[Target]:
    log("postgresql: migrations, demo data and the template dossier ...")
    url = pg.create_database("growth_demo")
    s = settings.replace(database_url=url)
    load_demo(s, PASSWORD, province=False)  # the tests' single ward files the sample
    engine = make_engine(url)
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for setting in ("max_wal_size = '8GB'", "checkpoint_timeout = '30min'",
                            "maintenance_work_mem = '256MB'"):
                conn.exec_driver_sql(f"ALTER SYSTEM SET {setting}")
            conn.exec_driver_sql("SELECT pg_reload_conf()")
        template_id = make_template(make_sessionmaker(engine), s)
    finally:
        engine.dispose()  # CREATE DATABASE ... TEMPLATE needs the template unused
    targets = []
    for size in args.sizes:
        log(f"postgresql {size:,}: bulk insert ...")
        target = Target("postgresql", size, pg.create_database(f"growth_{size}", template="growth_demo"), settings)
        target.setup = grow(target.engine, template_id, size, args.chunk)
        with target.engine.connect() as conn:
            target.setup["bytes"] = conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
        targets.append(target)
    return targets


# -- report ---------------------------------------------------------------------------------------------------
def report(args, targets: list[Target], loads: dict) -> None:
    med = statistics.median
    print()
    print(f"Command cost against database size: median of {args.reps} (min–max), ms; "
          f"python {sys.version.split()[0]}, {os.cpu_count()} CPU")
    print("1-min load average: " + ", ".join(f"{k} {v:.2f}" for k, v in loads.items()))
    print()
    print(f"{'backend':<11} {'dossiers':>10} {'build s':>8} {'MB':>7} {'file ms':>8} {'(min–max)':>13} "
          f"{'receive ms':>10} {'(min–max)':>13}")
    for t in targets:
        f, r = t.file_ms, t.receive_ms
        build = f"{t.setup['insert_s'] + t.setup['analyze_s']:.0f}" + ("*" if t.setup.get("cached") else "")
        print(f"{t.backend:<11} {t.size:>10,} {build:>8} {t.setup['bytes'] / 2**20:>7.0f} {med(f):>8.1f} "
              f"{f'{min(f):.1f}–{max(f):.1f}':>13} {med(r):>10.1f} {f'{min(r):.1f}–{max(r):.1f}':>13}")
    print("build s: bulk insert + ANALYZE, untimed (* built by an earlier run and reused); MB: database size")
    ratios = {}
    for backend in BACKENDS:
        mine = sorted((t for t in targets if t.backend == backend), key=lambda t: t.size)
        if len(mine) < 2:
            continue
        small, large = mine[0], mine[-1]
        ratios[backend] = {"file": med(large.file_ms) / med(small.file_ms),
                           "receive": med(large.receive_ms) / med(small.receive_ms)}
        print(f"{backend}: {large.size:,} / {small.size:,} dossiers: file × {ratios[backend]['file']:.2f}, "
              f"receive × {ratios[backend]['receive']:.2f}")
    for t in targets:
        print(f"{t.backend} {t.size:,}: bulk rows {t.setup.get('rows')}")
    print()
    print(json.dumps({"sizes": sorted({t.size for t in targets}),
                      "receive_ms": {f"{t.backend}:{t.size}": round(med(t.receive_ms), 2) for t in targets},
                      "file_ms": {f"{t.backend}:{t.size}": round(med(t.file_ms), 2) for t in targets},
                      "ratio_large_small": {b: {k: round(v, 3) for k, v in r.items()} for b, r in ratios.items()}}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)),
                        help="comma-separated numbers of bulk dossiers (default 10000,1000000)")
    parser.add_argument("--backends", default=",".join(BACKENDS), help="sqlite,postgresql (default both)")
    parser.add_argument("--reps", type=int, default=7, help="timed file + receive per database (default 7)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed file + receive per database first")
    parser.add_argument("--chunk", type=int, default=100_000, help="bulk dossiers per INSERT transaction")
    parser.add_argument("--workdir", help="keep the SQLite databases here and reuse them on the next run")
    args = parser.parse_args()
    args.sizes = sorted({int(s.replace("_", "")) for s in args.sizes.split(",")})
    backends = [b for b in args.backends.split(",") if b]
    if set(backends) - set(BACKENDS):
        parser.error(f"--backends: {', '.join(BACKENDS)}")

    loads = {"start": os.getloadavg()[0]}
    tmp = None if args.workdir else tempfile.TemporaryDirectory(prefix="tthc-bench-growth-")
    workdir = Path(args.workdir or tmp.name)
    workdir.mkdir(parents=True, exist_ok=True)
    settings = with_secrets(load_settings(data_dir=str(workdir / "data")))
    pg = None
    targets: list[Target] = []
    try:
        if "sqlite" in backends:
            targets += build_sqlite(args, workdir, settings)
        if "postgresql" in backends:
            from postgres_server import PostgresServer

            log("starting PostgreSQL ...")
            pg = PostgresServer(workdir / "pg").start()
            targets += build_postgresql(args, workdir, settings, pg)
        loads["measuring"] = os.getloadavg()[0]
        log("warm-up ...")
        now = NOW
        for _ in range(args.warmup):
            for target in targets:
                target.rep(now)
            now += timedelta(minutes=2)
        target_log = []
        for i in range(args.reps):
            k = i % len(targets)
            for target in targets[k:] + targets[:k]:  # no database always goes first
                target.rep(now)
            now += timedelta(minutes=2)
            target_log.append(", ".join(f"{t.backend} {t.size:,}: {t.receive_ms[-1]:.0f}" for t in targets))
            log(f"  rep {i + 1}: receive ms {target_log[-1]}")
        loads["end"] = os.getloadavg()[0]
    finally:
        for target in targets:
            target.engine.dispose()
        if pg is not None:
            pg.stop()
    report(args, targets, loads)
    if tmp:
        tmp.cleanup()


if __name__ == "__main__":
    main()
