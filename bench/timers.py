"""Timer service benchmark: the cost of a sweep against the number of open dossiers, on PostgreSQL.

The timer service (``engine.timers.sweep``) claims dossiers with ``next_timer_at <= now`` through the index on
``dossier.next_timer_at``. This script checks two things at growing table sizes:

1. **empty sweep**: nothing is due. One sweep should cost the same at 100,000 and at 1,000,000 open dossiers
   (an index probe, not a table scan). The EXPLAIN (ANALYZE, BUFFERS) of the exact statement the sweep sends
   is printed at every size.
2. **fire 1,000**: 1,000 random dossiers are made overdue (untimed), then one timed sweep finds them and fires
   their ``overdue`` effect (3 notifications and 1 audit event each, ``late`` set, ``next_timer_at``
   recomputed). Target: at least 1,000 due timers fired per second.

Setup (untimed): a throw-away PostgreSQL server (tests/postgres_server.py), migrations and demo data
(``engine.cli.load_demo``), then one real dossier filed with ``filing.file_dossier`` and received with
``tasks.complete(..., "receive")``: status 4 (processing), one open work item, three audit events. Its
rows are the template for the bulk rows, copied with ``INSERT ... SELECT generate_series`` in chunks. Each
bulk dossier gets the template's compressed ``workflow_state`` bytes and form, a unique code
(``<agency>-<YYMMDD>-<NNNN>``, on days before the benchmark's "now"), a due date 2 to 122 days ahead,
``next_timer_at`` one day before it (about the D19 warning), one work item and three audit events (copied
from the template's; their hash chain is not valid for the copies). Then VACUUM ANALYZE. Each size has its
own database (CREATE DATABASE ... TEMPLATE of the demo one), and the sizes take turns in every round of
measurements, so a change in the machine's load hits all sizes alike.

"now" is fixed: Monday 23/11/2026 09:00 (+07:00), as in the tests.

Run from the repository root:  python3 bench/timers.py [--quick] [--sizes 100000,1000000] [--reps 7]
The last stdout line is one JSON object.
"""
from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import os
import pstats
import random
import re
import statistics
import sys
import sysconfig
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from sqlalchemy import event, select, text  # noqa: E402

from engine.cases import filing, tasks
from engine import timers
from engine.cli import load_demo
from engine.core.clock import VN_TZ
from engine.data.db import make_engine, make_sessionmaker
from engine.cases.dossiers import Context
from engine.data.model import Dossier, User, WorkItem
from engine.law.statuses import PROCESSING
from engine.core.settings import load_settings, with_secrets

from conftest import CITIZEN, OFFICERS, PASSWORD, SAMPLE_CODE, SAMPLE_FORM  # noqa: E402

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=VN_TZ)
DEFAULT_SIZES = (100_000, 1_000_000)
QUICK_SIZES = (10_000, 100_000)
TARGET_PER_S = 1000
PER_DAY = 5000  # bulk dossiers filed per day (codes <agency>-<YYMMDD>-<NNNN>)
SPREAD_S = 120 * 86400  # due dates spread over 120 days


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# -- setup ------------------------------------------------------------------------------------------------
def tune_server(engine) -> None:
    """Fewer checkpoints during the bulk load; nothing that changes how a query is planned."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("ALTER SYSTEM SET max_wal_size = '8GB'")
        conn.exec_driver_sql("ALTER SYSTEM SET checkpoint_timeout = '30min'")
        conn.exec_driver_sql("ALTER SYSTEM SET maintenance_work_mem = '256MB'")
        conn.exec_driver_sql("SELECT pg_reload_conf()")


def make_template(sessions, settings) -> int:
    """One real dossier through the use cases: filed by the demo citizen, received at the intake desk."""
    with sessions() as session:
        citizen = session.scalar(select(User).where(User.username == CITIZEN))
        ctx = Context(user=citizen, now=NOW, settings=settings)
        dossier = filing.file_dossier(session, ctx, {"procedure": SAMPLE_CODE, "form": SAMPLE_FORM})
        session.commit()
        dossier_id = dossier.id
    with sessions() as session:
        officer = session.scalar(select(User).where(User.username == OFFICERS["intake"]))
        item_id = session.scalar(select(WorkItem.id).where(WorkItem.dossier_id == dossier_id))
        ctx = Context(user=officer, now=NOW + timedelta(minutes=20), settings=settings)
        dossier = tasks.complete(session, ctx, item_id, "receive", {})
        session.commit()
        assert dossier.status == PROCESSING, dossier.status
        assert dossier.next_timer_at is not None and dossier.next_timer_at > NOW
    return dossier_id


INSERT_DOSSIERS = """
INSERT INTO dossier (code, procedure_version_id, agency_id, applicant_id, owner_name, owner_birth_date,
                     owner_cccd, channel, status, form, filed_at, intake_due_at, received_at, due_at,
                     original_due_at, resolved_at, returned_at, late, supplement_requests, extensions,
                     outcome, workflow_state, serializer_version, next_timer_at, bpmn_timer_at,
                     calendar_version, warned_at, paused_at, intake_late, version)
SELECT t.agency_code || '-' || to_char(x.day, 'YYMMDD') || '-' || lpad((g % :per_day + 1)::text, 4, '0'),
       t.procedure_version_id, t.agency_id, t.applicant_id, t.owner_name, t.owner_birth_date,
       '0790' || lpad((g % 100000000)::text, 8, '0'),
       t.channel, t.status, t.form, x.filed_at, x.filed_at + interval '1 hour',
       x.filed_at + interval '40 minutes',
       x.due_at, x.due_at, NULL, NULL, false, 0, 0, NULL, t.workflow_state,
       t.serializer_version, x.due_at - interval '1 day', NULL, t.calendar_version, NULL, NULL,
       false, 1
FROM generate_series(CAST(:lo AS bigint), CAST(:hi AS bigint)) AS g
CROSS JOIN (SELECT d.*, a.code AS agency_code FROM dossier d JOIN agency a ON a.id = d.agency_id
            WHERE d.id = :tid) AS t
CROSS JOIN LATERAL (
    SELECT CAST(:today AS date) - CAST(1 + g / :per_day AS integer) AS day,
           ((CAST(:today AS date) - CAST(1 + g / :per_day AS integer)) + time '07:30')
               AT TIME ZONE 'Asia/Ho_Chi_Minh' + (g % :per_day) * interval '5 seconds' AS filed_at,
           CAST(:now AS timestamptz) + interval '2 days'
               + (g * 2654435761 % :spread) * interval '1 second' AS due_at
) AS x
ORDER BY g
"""

INSERT_WORK_ITEMS = """
INSERT INTO work_item (dossier_id, task_id, spec_name, name, step, role, agency_id, form_key, assignee_id,
                       created_at, due_at)
SELECT d.id, CAST(CAST(md5('bench-work-item-' || d.id) AS uuid) AS text), w.spec_name, w.name, w.step, w.role,
       d.agency_id, w.form_key, NULL, d.received_at, d.due_at
FROM dossier d CROSS JOIN (SELECT * FROM work_item WHERE dossier_id = :tid) AS w
WHERE d.id > :after ORDER BY d.id
"""

INSERT_AUDIT = """
INSERT INTO audit_event (dossier_id, at, actor_id, actor_name, action, from_status, to_status, step,
                         task_name, data, prev_hash, hash)
SELECT d.id, d.filed_at + (e.at - t.filed_at), e.actor_id, e.actor_name, e.action, e.from_status, e.to_status,
       e.step, e.task_name, e.data, e.prev_hash, e.hash
FROM dossier d
CROSS JOIN (SELECT * FROM audit_event WHERE dossier_id = :tid) AS e
CROSS JOIN (SELECT filed_at FROM dossier WHERE id = :tid) AS t
WHERE d.id > :after ORDER BY d.id, e.id
"""


def grow(engine, template_id: int, have: int, want: int, chunk: int) -> dict:
    """Add bulk dossiers number have+1 .. want (with their work item and audit events), chunk by chunk."""
    params = {"tid": template_id, "per_day": PER_DAY, "spread": SPREAD_S, "now": NOW,
              "today": NOW.astimezone(VN_TZ).date()}
    t0 = time.perf_counter()
    rows = {"dossier": 0, "work_item": 0, "audit_event": 0}
    for lo in range(have + 1, want + 1, chunk):
        hi = min(lo + chunk - 1, want)
        with engine.begin() as conn:
            after = conn.execute(text("SELECT coalesce(max(id), 0) FROM dossier")).scalar_one()
            rows["dossier"] += conn.execute(text(INSERT_DOSSIERS), {**params, "lo": lo, "hi": hi}).rowcount
            copy = {"tid": template_id, "after": after}
            rows["work_item"] += conn.execute(text(INSERT_WORK_ITEMS), copy).rowcount
            rows["audit_event"] += conn.execute(text(INSERT_AUDIT), copy).rowcount
        log(f"  inserted bulk dossiers {lo:,}..{hi:,} ({time.perf_counter() - t0:.1f} s)")
    insert_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in ("dossier", "work_item", "audit_event", "notice"):
            conn.exec_driver_sql(f"VACUUM ANALYZE {table}")
    return {"rows": rows, "insert_s": insert_s, "vacuum_analyze_s": time.perf_counter() - t1}


def table_facts(engine) -> dict:
    with engine.connect() as conn:
        facts = {}
        for table in ("dossier", "work_item", "audit_event", "notice"):
            facts[table] = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
        facts["open_not_due"] = conn.execute(text("SELECT count(*) FROM dossier WHERE next_timer_at > :now"),
                                             {"now": NOW}).scalar_one()
        facts["db_bytes"] = conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
        facts["dossier_bytes"] = conn.execute(text("SELECT pg_total_relation_size('dossier')")).scalar_one()
    return facts


# -- measuring --------------------------------------------------------------------------------------------
class StatementLog:
    """Every statement the engine sends while active (for the EXPLAIN and the per-dossier statement count)."""

    def __init__(self, engine):
        self.engine, self.active, self.statements, self.seconds, self._t0 = engine, False, [], [], 0.0
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        if self.active:
            self.statements.append((statement, parameters))
            self._t0 = time.perf_counter()

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        if self.active:
            self.seconds.append(time.perf_counter() - self._t0)

    def __enter__(self):
        self.statements, self.seconds, self.active = [], [], True
        return self

    def __exit__(self, *exc):
        self.active = False


def classify(statement: str) -> str:
    s = " ".join(statement.split()).upper()
    for word in ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT"):
        if s.startswith(word):
            return word
    table = re.search(r"(?:FROM|INTO|UPDATE)\s+(\w+)", s)
    return f"{s.split()[0]} {table.group(1).lower() if table else ''}".strip()


MAKE_DUE = """
UPDATE dossier SET due_at = CAST(:now AS timestamptz) - (1 + id % 7200) * interval '1 minute',
                   next_timer_at = CAST(:now AS timestamptz) - (1 + id % 7200) * interval '1 minute'
                                   - interval '1 day',
                   late = false, warned_at = NULL, version = version + 1
WHERE id = ANY(:ids)
"""


class DueMaker:
    """Puts ``count`` random bulk dossiers past their due date and timer (late=false, warned_at=null)."""

    def __init__(self, engine, template_id: int, seed: int):
        self.engine, self.rng = engine, random.Random(seed)
        with engine.connect() as conn:
            self.lo, self.hi, self.n = conn.execute(text("SELECT min(id), max(id), count(*) FROM dossier "
                                                         "WHERE id > :tid"), {"tid": template_id}).one()
        assert self.hi - self.lo + 1 == self.n, "bulk ids are not contiguous"

    def make(self, count: int) -> None:
        ids = self.rng.sample(range(self.lo, self.hi + 1), count)
        with self.engine.begin() as conn:
            done = conn.execute(text(MAKE_DUE), {"now": NOW, "ids": ids}).rowcount
            assert done == count, done


class Target:
    """One database with ``size`` open dossiers (a copy of the demo database, then the bulk rows)."""

    def __init__(self, pg, size: int, template_db: str, template_id: int, workdir: Path, args):
        self.size, self.args = size, args
        url = pg.create_database(f"bench_{size}", template=template_db)
        self.settings = with_secrets(load_settings(data_dir=str(workdir / "data"), database_url=url))
        self.engine = make_engine(url)
        self.sessions = make_sessionmaker(self.engine)
        self.statements = StatementLog(self.engine)
        self.template_id = template_id
        self.due = None
        self.r = {"size": size, "empty_ms": [], "empty_after_ms": [], "rtt_ms": [], "rates": [], "cpu_ms": []}

    def sweep(self):
        return timers.sweep(self.sessions, self.settings, NOW, batch=self.args.batch)

    def empty_sweep(self) -> float:
        t0 = time.perf_counter()
        result = self.sweep()
        elapsed = (time.perf_counter() - t0) * 1000
        assert result.handled == 0 and result.incidents == 0, result
        return elapsed

    def ping(self, n: int) -> None:
        """``SELECT 1`` round trips on a pooled connection: what the machine's load does to one round trip."""
        with self.engine.connect() as conn:
            for _ in range(n):
                t0 = time.perf_counter()
                conn.exec_driver_sql("SELECT 1").scalar()
                self.r["rtt_ms"].append((time.perf_counter() - t0) * 1000)
            conn.rollback()

    def warm_and_explain(self) -> None:
        for _ in range(3):
            self.empty_sweep()
        with self.statements:
            self.empty_sweep()
        self.claim = next((s, p) for s, p in self.statements.statements
                          if "FOR UPDATE" in s and "FROM dossier" in s)
        plan, self.r["claim_exec_ms"], self.r["claim_buffers"] = self.explain()
        self.r["plan"] = " ".join(self.claim[0].split()) + "\n" + plan
        self.due = DueMaker(self.engine, self.template_id, seed=self.size)
        self.fire()  # warm-up of the fire path (untimed)

    def explain(self) -> tuple[str, float, str]:
        """EXPLAIN (ANALYZE, BUFFERS) of the claim statement exactly as the sweep sent it (rolled back)."""
        statement, parameters = self.claim
        with self.engine.connect() as conn:
            plan = "\n".join(r[0] for r in conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement,
                                                                 parameters))
            conn.rollback()
        exec_ms = re.search(r"Execution Time: ([\d.]+) ms", plan)
        buffers = re.search(r"Buffers: shared ([^\n]+)", plan)
        return (plan, float(exec_ms.group(1)) if exec_ms else float("nan"),
                buffers.group(1) if buffers else "?")

    def fire(self) -> tuple[float, float]:
        count = self.args.due
        self.due.make(count)
        gc.collect()
        c0, t0 = time.process_time(), time.perf_counter()
        result = self.sweep()
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
        assert result.handled == count and result.incidents == 0, result
        assert result.effects.get("overdue") == count, result.effects
        return elapsed, cpu

    def fire_timed(self) -> None:
        elapsed, cpu = self.fire()
        self.r["rates"].append(self.args.due / elapsed)
        self.r["cpu_ms"].append(cpu * 1000 / self.args.due)
        log(f"  {self.size:>9,}: {self.args.due} fired in {elapsed:.3f} s = {self.r['rates'][-1]:.0f}/s "
            f"(this process's CPU {self.r['cpu_ms'][-1]:.3f} ms/dossier, load {os.getloadavg()[0]:.1f})")

    def statement_census(self) -> None:
        """One more (untimed) fire sweep with every statement recorded, and the time spent inside each."""
        self.due.make(self.args.due)
        with self.statements:
            t0 = time.perf_counter()
            self.sweep()
            self.r["census_s"] = time.perf_counter() - t0
        kinds: dict[str, list] = {}
        for (statement, _), seconds in zip(self.statements.statements, self.statements.seconds):
            entry = kinds.setdefault(classify(statement), [0, 0.0])
            entry[0] += 1
            entry[1] += seconds
        self.r["statements"] = dict(sorted(kinds.items(), key=lambda kv: -kv[1][1]))

    def profile(self) -> str:
        """Two more fire sweeps under cProfile: one timed by the wall clock, one by the process's CPU time."""
        out = io.StringIO()
        top = self.args.top
        for clock_name, timer in (("wall clock", time.perf_counter), ("process CPU time", time.process_time)):
            self.due.make(self.args.due)
            gc.collect()
            profiler = cProfile.Profile(timer)
            c0, t0 = time.process_time(), time.perf_counter()
            profiler.enable()
            result = self.sweep()
            profiler.disable()
            elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
            assert result.handled == self.args.due, result
            out.write(f"\ncProfile ({clock_name}) of one sweep firing {self.args.due} dossiers at "
                      f"{self.size:,} open dossiers: {elapsed:.2f} s wall, {cpu:.2f} s CPU (profiled)\n")
            views = [("cumulative", ()), ("cumulative", (re.escape(str(ROOT / "engine")) + "/",))]
            if timer is time.process_time:
                views.append(("tottime", ()))
            for order, restrictions in views:
                s = io.StringIO()
                pstats.Stats(profiler, stream=s).sort_stats(order).print_stats(*restrictions, top)
                table = s.getvalue()
                table = table[table.index("   ncalls"):].rstrip()
                for prefix in (str(ROOT) + "/", sysconfig.get_paths()["purelib"] + "/",
                               sysconfig.get_paths()["stdlib"] + "/"):
                    table = table.replace(prefix, "")
                title = f"top {top} by {order}, {clock_name}{' (engine/ only)' if restrictions else ''}"
                out.write(f"\n== {title} ==\n{table}\n")
        return out.getvalue()

    def close(self) -> None:
        self.engine.dispose()


def rotated(targets: list, i: int) -> list:
    """The targets in turn, starting with a different one each round (no size always goes first)."""
    k = i % len(targets)
    return targets[k:] + targets[:k]


# -- report -----------------------------------------------------------------------------------------------
def report(args, targets: list[Target], setup: dict, profile_text: str | None, loads: dict) -> None:
    med = statistics.median
    results = [t.r for t in targets]
    print()
    print(f"Timer sweep on PostgreSQL {setup['server_version']} (tests/postgres_server.py: fsync off, "
          f"shared_buffers {setup['shared_buffers']})")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPU, batch {args.batch}, "
          f"'now' {NOW.isoformat()}")
    print("1-min load average: " + ", ".join(f"{k} {v:.2f}" for k, v in loads.items()))
    print(f"template dossier: status {PROCESSING}, {setup['state_bytes']} B workflow_state (zlib), "
          f"1 work item, {setup['template_audit']} audit events")
    print()
    print("setup (untimed): one database per size, bulk insert then VACUUM ANALYZE")
    print(f"{'open dossiers':>13} {'insert s':>9} {'dossiers/s':>10} {'vac+an s':>8} {'dossier MB':>10} "
          f"{'database MB':>11}")
    for r in results:
        g = r["grow"]
        print(f"{r['size']:>13,} {g['insert_s']:>9.1f} {g['rows']['dossier'] / g['insert_s']:>10.0f} "
              f"{g['vacuum_analyze_s']:>8.1f} {r['facts']['dossier_bytes'] / 2**20:>10.0f} "
              f"{r['facts']['db_bytes'] / 2**20:>11.0f}")
    print("insert s includes each dossier's work item and 3 audit events; "
          "dossier MB: table + TOAST + indexes")
    for r in results:
        print()
        print(f"== EXPLAIN (ANALYZE, BUFFERS) of the sweep's claim query, nothing due, {r['size']:,} open "
              "dossiers ==")
        print(r["plan"])
    print()
    print(f"{'open dossiers':>13} {'RTT ms':>6} {'claim ms':>8} {'buffers':>8} {'empty ms':>8} "
          f"{'(min–max)':>10} {'after: claim ms':>15} {'buffers':>8} {'empty ms':>8} "
          f"{'fired/s':>7} {'(min–max)':>9} {'s/sweep':>7} {'CPU ms':>6}")
    for r in results:
        e, rates = r["empty_ms"], r["rates"]
        print(f"{r['size']:>13,} {med(r['rtt_ms']):>6.3f} {r['claim_exec_ms']:>8.3f} "
              f"{r['claim_buffers']:>8} {med(e):>8.3f} {f'{min(e):.2f}–{max(e):.2f}':>10} "
              f"{r['claim_after_ms']:>15.3f} {r['claim_after_buffers']:>8} "
              f"{med(r['empty_after_ms']):>8.3f} {med(rates):>7.0f} "
              f"{f'{min(rates):.0f}–{max(rates):.0f}':>9} {args.due / med(rates):>7.3f} "
              f"{med(r['cpu_ms']):>6.3f}")
    print(f"""\
RTT ms: median SELECT 1 round trip, a gauge of the machine's load. claim ms, buffers: PostgreSQL's
Execution Time and shared buffers in the EXPLAIN ANALYZE above. empty ms: median (min–max) of
{args.empty_reps} sweeps with nothing due (session, transaction, claim query). after: the same three,
measured after the fire sweeps. fired/s: median (min–max) of {args.reps} sweeps, each claiming and firing
{args.due} overdue dossiers (3 notifications and 1 audit event each). s/sweep: seconds per sweep at the
median. CPU ms: this process's CPU time per fired dossier (PostgreSQL's not included). The sizes take
turns, round by round.""")
    for r in results:
        total = sum(n for n, _ in r["statements"].values())
        in_db = sum(s for _, s in r["statements"].values())
        print()
        print(f"statements of one more (untimed) sweep firing {args.due} at {r['size']:,}: {total} in all, "
              f"{total / args.due:.1f} per dossier;")
        print(f"{r['census_s']:.2f} s, {in_db:.2f} s of it inside cursor.execute "
              "(driver + socket + PostgreSQL):")
        print(f"  {'count':>6} {'/dossier':>8} {'total ms':>9} {'ms each':>8}  statement")
        for kind, (n, seconds) in r["statements"].items():
            print(f"  {n:>6} {n / args.due:>8.2f} {seconds * 1000:>9.1f} {seconds * 1000 / n:>8.3f}  {kind}")
    if profile_text:
        print()
        print(profile_text.rstrip())

    sizes = [r["size"] for r in results]
    by_size = {r["size"]: med(r["empty_ms"]) for r in results}
    ratio = round(by_size[max(sizes)] / by_size[min(sizes)], 3) if len(sizes) > 1 else None
    print()
    print(json.dumps({"sizes": sizes,
                      "empty_sweep_ms": {str(r["size"]): round(med(r["empty_ms"]), 4) for r in results},
                      "fire_1000_per_s": {str(r["size"]): round(med(r["rates"]), 1) for r in results},
                      "ratio_empty_large_small": ratio}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", help="comma-separated numbers of open dossiers (default 100000,1000000)")
    parser.add_argument("--quick", action="store_true", help="sizes 10000,100000")
    parser.add_argument("--reps", type=int, default=7, help="timed fire sweeps per size (7, at least 5)")
    parser.add_argument("--empty-reps", type=int, default=51, help="timed empty sweeps per size (default 51)")
    parser.add_argument("--due", type=int, default=1000, help="dossiers made overdue per fire sweep (1000)")
    parser.add_argument("--batch", type=int, default=None, help="sweep batch (default: settings.timer_batch)")
    parser.add_argument("--chunk", type=int, default=100_000, help="bulk rows per INSERT transaction")
    parser.add_argument("--profile", choices=("auto", "always", "never"), default="auto",
                        help="cProfile one extra fire sweep at the largest size; auto (default): only "
                             f"when its median is below {TARGET_PER_S}/s")
    parser.add_argument("--top", type=int, default=10, help="entries per profile view (10)")
    parser.add_argument("--workdir", help="keep the PostgreSQL files here instead of a temporary folder")
    args = parser.parse_args()
    if args.sizes and args.quick:
        parser.error("--sizes and --quick exclude each other")
    sizes = sorted({int(s.replace("_", "")) for s in args.sizes.split(",")} if args.sizes
                   else set(QUICK_SIZES if args.quick else DEFAULT_SIZES))
    if args.reps < 5:
        parser.error("--reps must be at least 5")
    if sizes[0] < args.due * 2:
        parser.error(f"the smallest size must be at least 2 × --due ({args.due * 2})")

    from postgres_server import PostgresServer

    loads = {"start": os.getloadavg()[0]}
    tmp = None if args.workdir else tempfile.TemporaryDirectory(prefix="tthc-bench-timers-")
    workdir = Path(args.workdir or tmp.name)
    workdir.mkdir(parents=True, exist_ok=True)
    pg = None
    targets: list[Target] = []
    profile_text = None
    try:
        log("starting PostgreSQL ...")
        pg = PostgresServer(workdir / "pg").start()
        url = pg.create_database("bench_demo")
        settings = with_secrets(load_settings(data_dir=str(workdir / "data"), database_url=url))
        args.batch = args.batch or settings.timer_batch
        log("migrations, demo data and the template dossier ...")
        load_demo(settings, PASSWORD, province=False)  # the tests' single ward files the sample
        engine = make_engine(url)
        try:
            tune_server(engine)
            template_id = make_template(make_sessionmaker(engine), settings)
            with engine.connect() as conn:
                setup = {
                    "server_version": conn.exec_driver_sql("SHOW server_version").scalar_one().split()[0],
                    "shared_buffers": conn.exec_driver_sql("SHOW shared_buffers").scalar_one(),
                    "template_audit": conn.execute(
                        text("SELECT count(*) FROM audit_event WHERE dossier_id = :t"), {"t": template_id}
                    ).scalar_one(),
                    "state_bytes": len(conn.execute(select(Dossier.workflow_state)
                                                    .where(Dossier.id == template_id)).scalar_one())}
        finally:
            engine.dispose()  # CREATE DATABASE ... TEMPLATE needs the template unused
        for size in sizes:
            log(f"size {size:,}: bulk insert ...")
            target = Target(pg, size, "bench_demo", template_id, workdir, args)
            targets.append(target)
            target.r["grow"] = grow(target.engine, template_id, 0, size, args.chunk)
            target.r["facts"] = table_facts(target.engine)
        loads["measuring"] = os.getloadavg()[0]

        log("warm-up and EXPLAIN ...")
        for target in targets:
            target.warm_and_explain()
        log("round trips and empty sweeps ...")
        for i in range(args.empty_reps):
            for target in rotated(targets, i):
                target.ping(20)
                target.r["empty_ms"].append(target.empty_sweep())
        for target in targets:
            log(f"  {target.size:>9,}: empty sweep median {statistics.median(target.r['empty_ms']):.3f} ms")
        log(f"fire sweeps ({args.due} due each) ...")
        for i in range(args.reps):
            for target in rotated(targets, i):
                target.fire_timed()
        for i in range(args.empty_reps):
            for target in rotated(targets, i):
                target.ping(20)
                target.r["empty_after_ms"].append(target.empty_sweep())
        for target in targets:
            _, target.r["claim_after_ms"], target.r["claim_after_buffers"] = target.explain()
        loads["end of timing"] = os.getloadavg()[0]
        log("statement census ...")
        for target in targets:
            target.statement_census()
        slow = statistics.median(targets[-1].r["rates"]) < TARGET_PER_S
        if args.profile == "always" or (args.profile == "auto" and slow):
            log("profiling one fire sweep ...")
            profile_text = targets[-1].profile()
    finally:
        for target in targets:
            target.close()
        if pg is not None:
            pg.stop()
        if tmp:
            tmp.cleanup()
    report(args, targets, setup, profile_text, loads)


if __name__ == "__main__":
    main()
