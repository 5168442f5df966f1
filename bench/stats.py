"""Statistics at a million dossiers on PostgreSQL (issue #15: a province-month within a second).

Builds a throw-away PostgreSQL server with a database of N dossiers over 100 agencies (bulk ``INSERT ... SELECT``
over ``generate_series``, rows shaped as the engine writes them: 2,500 filed a day, the newest 5 % open, 5 % of
the closed ones late with an apology letter, a tenth with a processing-stage supplement round, 3 % extended,
half with an electronic component, a fifth rated, nine audit events per dossier of the last 120 days), then times
``engine.reports.statistics`` through the read-only report session for the last whole month, for the province
and for one agency (median and p95 of ``--calls`` runs), and prints the plan of each counter family (EXPLAIN
ANALYZE). Run by hand from the repository root, never by pytest:

    nice -n 10 python3 bench/stats.py --size 1000000 --calls 20 --out /tmp/stats-1m.json
"""
from __future__ import annotations

import argparse
import json
import statistics as stats
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, text  # noqa: E402

from engine.cases.preflight import upgrade_database  # noqa: E402
from engine.core.clock import VN_TZ  # noqa: E402
from engine.core.settings import load_settings  # noqa: E402
from engine.data.db import make_engine, make_sessionmaker  # noqa: E402
from engine.reports import stocks  # noqa: E402
from engine.reports import readonly  # noqa: E402
from engine.reports.scope import Scope  # noqa: E402
from engine.reports.statistics import statistics  # noqa: E402
from engine.reports.steptimes import step_times  # noqa: E402
from postgres_server import PostgresServer  # noqa: E402

PER_DAY = 2500
NOW = datetime(2026, 12, 2, 14, 0, tzinfo=VN_TZ)

# $1: size. Dossier i is filed (size - i) / PER_DAY days before NOW; agency 1 (a big one) holds a fifth.
BUILD = [
    "insert into agency (id, code, name) select a, '000.00.' || lpad(a::text, 3, '0') || '.H56', 'Cơ quan ' || a "
    "from generate_series(1, 100) a",
    "insert into user_account (id, username, password_hash, full_name, roles, standardised, created_at) "
    "values (1, '001099000001', 'x', 'Công dân', 'citizen', true, now())",
    "insert into procedure (id, code, name, agency_id, latest_version_id) select a, '1.' || lpad(a::text, 6, '0'), "
    "'Thủ tục ' || a, a, a from generate_series(1, 100) a",
    "insert into procedure_version (id, procedure_id, version, process_id, file_name, content_hash, bpmn_xml, "
    "spec_json, forms, info, deployed_at) select a, a, 1, 'p', 'p.bpmn', 'h', '', '', '{}', '{}', now() "
    "from generate_series(1, 100) a",
    """insert into dossier (id, code, procedure_version_id, agency_id, applicant_id, owner_name, channel, status, form,
       filed_at, received_at, due_at, original_due_at, resolved_at, returned_at, late, supplement_requests, extensions,
       workflow_state, serializer_version, version, intake_late, audit_count, resolution_working_minutes,
       has_electronic_component, reuses_stored_document)
     select i, 'D-' || i, ag, ag, 1, 'Chủ hồ sơ', (array['online','desk','post'])[1 + i % 3],
       case when open then 4 else 10 end, '{}', filed, filed + interval '1 hour',
       filed + interval '1 hour' + interval '3 days', filed + interval '1 hour' + interval '3 days',
       case when open then null when late then filed + interval '4 days 2 hours' else filed + interval '2 days' end,
       case when open then null else filed + interval '5 days' end,
       late, case when i % 10 = 0 then 1 else 0 end, case when i % 33 = 0 then 1 else 0 end, '', '1', 1, false, 9,
       case when open then null when late then 1920 + i % 60 else 960 + i % 60 end, i % 2 = 0, i % 7 = 0
     from (select i, case when i % 5 = 0 then 1 else 2 + i % 99 end as ag,
                  :now - ((:size - i)::float / :per_day) * interval '1 day' as filed,
                  i > :size * 0.95 as open, i <= :size * 0.95 and i % 20 = 7 as late
           from generate_series(1, :size) i) s""",
    "insert into supplement_request (dossier_id, at, stage, items, answered_at) select id, received_at + "
    "interval '2 hours', 'processing', '[]', received_at + interval '1 day' from dossier where id % 10 = 0",
    "insert into letter (dossier_id, kind, reason, faults, issued_at, signer_name, signer_role, violation) "
    "select id, 'apology', 'quá hạn', '[\"overdue\"]', resolved_at, 'x', 'head_of_agency', true from dossier where late",
    "insert into extension (dossier_id, requested_at, requested_by, working_minutes, reason, state, new_due_at, "
    "decided_at) select id, received_at + interval '1 day', 1, 480, 'x', 'confirmed', due_at, "
    "received_at + interval '1 day' from dossier where id % 33 = 0",
    "insert into satisfaction_rating (dossier_id, user_id, score, at) select id, 1, 1 + id % 5, "
    "returned_at + interval '1 hour' from dossier where returned_at is not null and id % 5 = 1",
    "insert into document (dossier_id, kind, component, name, media_type, size, sha256, created_at) select id, "
    "'filing', 'c', 'c.pdf', 'application/pdf', 1, 'x', filed_at from dossier where id % 2 = 0",
    """insert into audit_event (dossier_id, at, actor_name, action, from_status, to_status, step, task_name, due_at,
       work_item_id, data, prev_hash, hash, working_minutes, late)
     select d.id, d.filed_at + (k || ' hours')::interval, 'x', (array['file','receive','attach','propose_approval',
       'approve','issue_result','return_result','rated','letter_issued'])[k],
       4, 4, (array[null,'intake',null,'assessment','approval','signing','return',null,null])[k], 't', d.due_at,
       case when k in (2, 4, 5, 6, 7) then d.id * 10 + k end,
       (case when k = 3 and d.id % 7 = 0 then '{"reused": 1}' else '{}' end)::json, 'p', 'h',
       case when k in (2, 4, 5, 6, 7) then (case k when 4 then 120 else 60 end) end,
       case when k in (2, 4, 5, 6, 7) then d.filed_at + (k || ' hours')::interval > d.due_at end
     from dossier d, generate_series(1, 9) k where d.filed_at > :now - interval '120 days'""",
]


def build(url: str, size: int) -> dict:
    engine = make_engine(url)
    took = {}
    with engine.begin() as conn:
        for statement in BUILD:
            began = time.monotonic()
            conn.execute(text(statement), {"size": size, "now": NOW, "per_day": PER_DAY})
            took[statement.split()[2]] = round(time.monotonic() - began, 1)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("vacuum analyze"))
    engine.dispose()
    return took


def measure(settings, scope: Scope, calls: int) -> dict:
    times = []
    for _ in range(calls):
        began = time.monotonic()
        with readonly.report_session(settings) as session:
            report = statistics(session, settings, scope, NOW)
        times.append(time.monotonic() - began)
    times.sort()
    return {"median_s": round(stats.median(times), 3), "p95_s": round(times[int(0.95 * (len(times) - 1))], 3),
            "received": report.total["received"], "resolved": report.total["resolved"],
            "pending": report.total["pending_in_time"] + report.total["pending_overdue"]}


def time_step_times(settings, scope: Scope, calls: int) -> dict:
    times = []
    for _ in range(calls):
        began = time.monotonic()
        with readonly.report_session(settings) as session:
            rows = step_times(session, settings, scope, NOW)
        times.append(time.monotonic() - began)
    return {"median_s": round(stats.median(times), 3), "steps": sum(r.count for r in rows)}


def forget_step_times(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("update audit_event set working_minutes = null, late = null"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("vacuum analyze audit_event"))
    engine.dispose()


def plans(settings, scope: Scope) -> list[str]:
    """EXPLAIN ANALYZE of every statement one report runs."""
    found = []
    engine = readonly.report_engine(settings)

    def explain(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().lower().startswith("select") and "pg_" not in statement:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + statement, parameters)
            found.append(statement.split("\n")[0][:120] + "\n" + "\n".join(r[0] for r in cursor.fetchall()))

    event.listen(engine, "before_cursor_execute", explain)
    try:
        with readonly.report_session(settings) as session:
            statistics(session, settings, scope, NOW)
    finally:
        event.remove(engine, "before_cursor_execute", explain)
    return found


def time_stocks(url: str, settings, size: int, calls: int, last: Scope) -> dict:
    """The month half-way back in the data (May 2026 at 1,000,000: the most dossiers received before its end and
    resolved since, which is what counting its stock from the dossiers reads) and the last one, counted from the
    dossiers, then read from the stock kept at their end (engine.reports.stocks); what taking a stock costs: late,
    half a year after its day (what the worker never does), and on time, the latest day's end."""
    start = (NOW - timedelta(days=size / PER_DAY / 2)).date().replace(day=1)
    middle = Scope(start, (start + timedelta(days=32)).replace(day=1) - timedelta(days=1))
    if middle.start >= last.start:  # a small database holds the last month at most
        middle = last
    found = {"middle_month": [middle.start.isoformat(), middle.end.isoformat()]}
    found["middle_month_counted"] = measure(settings, middle, calls)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    for name, scope in (("middle", middle), ("last", last)):
        began = time.monotonic()
        stocks.take(sessions, scope.window[1], NOW)
        found[f"take_{name}_month_end_s"] = round(time.monotonic() - began, 3)
    found["middle_month_kept"] = measure(settings, middle, calls)
    found["province_month_kept"] = measure(settings, last, calls)
    began = time.monotonic()
    stocks.take(sessions, stocks.closed_end(NOW), NOW)
    found["take_latest_day_end_s"] = round(time.monotonic() - began, 3)
    engine.dispose()
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--recompute", action="store_true",
                        help="then time where time goes again without the kept step times (the old events' path)")
    parser.add_argument("--profile", action="store_true", help="print where one province-month report spends")
    parser.add_argument("--stock", action="store_true",
                        help="then time a month half-way back and the last one again with their end's stock kept")
    args = parser.parse_args()
    month_end = NOW.date().replace(day=1) - timedelta(days=1)
    month = (month_end.replace(day=1), month_end)
    with PostgresServer(Path("/tmp")) as pg:
        url = pg.create_database("stats")
        settings = load_settings(database_url=url, data_dir="/tmp/tthc-stats-bench-data")
        upgrade_database(settings)
        result = {"size": args.size, "build_s": build(url, args.size), "month": [d.isoformat() for d in month]}
        province, agency = Scope(*month), Scope(*month, agencies=frozenset({1}))
        result["province_month"] = measure(settings, province, args.calls)
        result["agency_month"] = measure(settings, agency, args.calls)
        result["province_month_by_month"] = measure(settings, Scope(*month, group_by="month"), max(3, args.calls // 4))
        result["province_year"] = measure(settings, Scope(date(2025, 12, 1), month_end), 3)
        result["agency_month_step_times"] = time_step_times(settings, agency, max(3, args.calls // 4))
        result["province_month_step_times"] = time_step_times(settings, province, max(3, args.calls // 4))
        if args.recompute:  # the events as written before migration 0014: the trail walked with the calendar
            forget_step_times(url)
            result["agency_month_step_times_recomputed"] = time_step_times(settings, agency, 3)
            result["province_month_step_times_recomputed"] = time_step_times(settings, province, 3)
        if args.stock:
            result.update(time_stocks(url, settings, args.size, args.calls, province))
        if args.profile:
            import cProfile
            import pstats
            profile = cProfile.Profile()
            profile.enable()
            measure(settings, province, 1)
            time_step_times(settings, agency, 1)
            profile.disable()
            pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
        for name, scope in (("province", province), ("agency", agency)):
            print(f"== plans, {name}-month", "\n\n".join(plans(settings, scope)), sep="\n")
        readonly.dispose_engines()
    print(json.dumps(result))
    if args.out:
        args.out.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
