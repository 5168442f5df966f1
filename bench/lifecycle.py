"""Lifecycle benchmark of the sample procedure (1.001612, đăng ký hộ kinh doanh), one supplement round.

One lifecycle = file → intake ``request_supplement`` → citizen ``supplement`` → intake ``receive`` →
``propose_approval`` → ``approve`` → ``issue_result`` → ``return_result`` (8 commands, 7 user tasks).

Modes, all in one run (``--modes`` picks some):

* ``raw_memory``        raw SpiffWorkflow, no persistence: parse once, one BpmnWorkflow per lifecycle.
* ``raw_json``          raw workflow + state-only JSON (zlib) save/load after every task, through
                        ``engine.process.runtime.Process`` (the engine's state-only path with the cached spec).
* ``engine_sqlite``     the use-case layer (``file_dossier``, ``tasks.complete``, ``filing.supplement``) on a
                        SQLite file, one session + commit per command as the web edge does.
* ``engine_postgresql`` the same on a throw-away PostgreSQL server started here (tests/postgres_server.py).
* ``http``              the real Flask app behind waitress (the server of ``tthc serve``) in a thread, JSON
                        API over keep-alive ``http.client``; tokens are obtained before timing.
* ``engine_sqlite_nodocs`` diagnostic: engine_sqlite with the document work switched off.
* ``floor_sqlite``      not the engine: raw_json plus the SQL no persisted engine can skip (SQLAlchemy Core,
                        no rules); floor / raw_json bounds c/b for any engine on this stack.

Each mode runs ``--reps`` batches of N lifecycles (N = ``--n`` for DB/HTTP modes, ``--n * --raw-factor`` for
raw modes) after ``--warmup`` untimed lifecycles; it reports lifecycles/s as the median of the batches with
min/max. Storage per completed dossier is measured on both databases. The last stdout line is one JSON
object. ``--profile K`` instead profiles the commands of engine_sqlite (CPU time, documents left out) with
cProfile: CPU ms and SQL statements per command, then the top K entries.

Run from the repository root:  python3 bench/lifecycle.py [--reps 5] [--n 50]
"""
from __future__ import annotations

import argparse
import cProfile
import dataclasses
import gc
import http.client
import inspect
import io
import json
import os
import pstats
import re
import statistics
import sys
import sysconfig
import tempfile
import threading
import time
import zlib
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from sqlalchemy import select, text  # noqa: E402
from SpiffWorkflow.bpmn import BpmnWorkflow  # noqa: E402
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser  # noqa: E402
from SpiffWorkflow.util.task import TaskState  # noqa: E402

from engine.cases import dossiers, tasks
try:  # the citizen's commands (engine.cases.filing; in older trees, engine.cases.dossiers)
    from engine.cases import filing
except ImportError:
    filing = dossiers
try:  # signing requests (D35): the draft is rendered and signed after the approval's commit
    from engine.cases import signing_requests
    from engine.data.signing_model import SigningRequest
    signing_requests.SigningRequest = SigningRequest
except ImportError:  # an engine from before them (the bench runs on older trees too)
    signing_requests = None
from engine.process import runtime, scripting
from engine.cli import load_demo
from engine.core.clock import VN_TZ, FixedClock
from engine.data.db import make_engine, make_sessionmaker
from engine.cases.dossiers import Context
from engine.data.db import Base
from engine.data.model import Dossier, User, WorkItem
from engine.law.statuses import RETURNED
from engine.core.settings import load_settings, with_secrets

# The test suite's sample data is the benchmark's data (one source of truth).
from conftest import CITIZEN, OFFICERS, PASSWORD, SAMPLE, SAMPLE_CODE, SAMPLE_FORM, STEP_DATA  # noqa: E402

MODES = ("raw_memory", "raw_json", "engine_sqlite", "engine_postgresql", "http", "engine_sqlite_nodocs",
         "floor_sqlite")
RAW_MODES = ("raw_memory", "raw_json")
# (step kind of the ready user task, action). The first command, filing, is not in this list.
STEPS = (
    ("intake", "request_supplement"),
    ("supplement", "supplement"),
    ("intake", "receive"),
    ("assessment", "propose_approval"),
    ("approval", "approve"),
    ("signing", "issue_result"),
    ("return", "return_result"),
)
COMMANDS = 1 + len(STEPS)
CONTEXT_FIELDS = {f.name for f in dataclasses.fields(Context)}
START = datetime(2026, 11, 23, 9, 0, tzinfo=VN_TZ)  # Monday 09:00 in Vietnam, as in the tests
TIME_LIMIT = load_settings().script_time_limit


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def task_data(step: str, action: str, spec_name: str) -> dict:
    """What the engine puts into a user task: the action and the step's data under the task's name."""
    if step == "supplement":
        return {"action": "supplement", "ho_so": SAMPLE_FORM}
    return {"action": action, spec_name: STEP_DATA.get(action, {})}


# -- (a) raw SpiffWorkflow in memory ------------------------------------------------------------------------
class RawMemory:
    def __init__(self):
        parser = SpiffBpmnParser(validator=VALIDATOR)
        parser.add_bpmn_file(str(SAMPLE))
        self.spec = parser.get_spec("ho_kinh_doanh")
        self.subs = parser.get_subprocess_specs("ho_kinh_doanh")
        self.script_engine = scripting.make_script_engine(time_limit=TIME_LIMIT)
        self.count = 0

    def lifecycle(self) -> None:
        self.count += 1
        wf = BpmnWorkflow(self.spec, self.subs, script_engine=self.script_engine)
        wf.task_tree.data.update({"ma_ho_so": f"RAW-{self.count:06d}", "ho_so": SAMPLE_FORM})
        wf.do_engine_steps()
        for step, action in STEPS:
            [task] = wf.get_tasks(state=TaskState.READY, manual=True)
            assert task.task_spec.extensions["properties"]["step"] == step, task.task_spec.name
            task.data.update(task_data(step, action, task.task_spec.name))
            task.run()
            wf.do_engine_steps()
        assert wf.is_completed()


# -- (b) raw SpiffWorkflow + state-only JSON after every task ------------------------------------------------
class RawJson:
    """Uses engine.process.runtime.Process.start/load/dump/complete, i.e. exactly the engine's persistence path:
    state-only JSON (no spec) compressed with zlib, restored against the spec object cached per version id,
    the restricted script engine re-attached on every load. No database and no use-case rules."""

    VERSION_ID = -1  # the runtime caches specs by version id; the DB modes use their real ids (>= 1)

    def __init__(self, raw: RawMemory):
        self.spec_json = runtime.serialize_spec(raw.spec, raw.subs)
        self.count = 0
        self.last_state = b""

    def lifecycle(self) -> None:
        self.count += 1
        vid, spec_json = self.VERSION_ID, self.spec_json
        process = runtime.Process.start(vid, spec_json, {"ma_ho_so": f"RAW-{self.count:06d}", "ho_so": SAMPLE_FORM},
                                        TIME_LIMIT)
        state = process.dump()
        for step, action in STEPS:
            process = runtime.Process.load(vid, spec_json, state, TIME_LIMIT)
            [task] = process.ready_user_tasks()
            assert task.step == step, task
            process.complete(task.task_id, task_data(step, action, task.spec_name))
            state = process.dump()
        assert process.completed
        self.last_state = state


# -- (c, d) the use-case layer on a database -----------------------------------------------------------------
def demo_database(url: str, data_dir: Path) -> None:
    """Migrations, demo users (password hashing happens here, untimed) and the sample procedure."""
    settings = with_secrets(load_settings(data_dir=str(data_dir), database_url=url))
    if "province" in inspect.signature(load_demo).parameters:  # the tests' single ward: one agency files the sample
        load_demo(settings, PASSWORD, province=False)
    else:
        load_demo(settings, PASSWORD)


class EngineMode:
    """One session and one commit per command, like the web edge (which also looks the user up per request)."""

    def __init__(self, url: str, data_dir: Path, clock: FixedClock):
        self.settings = with_secrets(load_settings(data_dir=str(data_dir), database_url=url))
        self.engine = make_engine(url)
        self.sessions = make_sessionmaker(self.engine)
        self.clock = clock
        with self.sessions() as session:
            names = [CITIZEN, *sorted(set(OFFICERS.values()))]
            self.user_ids = {u.username: u.id for u in session.scalars(select(User).where(User.username.in_(names)))}
        self.last_dossier_id = None

    def _ctx(self, session, username: str) -> Context:
        user = session.get(User, self.user_ids[username])
        if "settings" in CONTEXT_FIELDS:
            return Context(user=user, now=self.clock.now(), settings=self.settings)
        return Context(user=user, now=self.clock.now(), script_time_limit=TIME_LIMIT)  # engines before the legal clock

    apart = apart_cpu = 0.0  # seconds of document work after the commits (rendering, the signature): apart

    def issue_documents(self) -> None:
        """What the worker's drain does after a command's commit: make the documents it recorded (official forms,
        the sealed result: engine.paperwork.issuance). Timed apart, like the signature."""
        if signing_requests is None:
            return
        c0, t0 = time.process_time(), time.perf_counter()
        signing_requests.drain(self.sessions.begin, self.settings, self.clock.now())
        self.apart += time.perf_counter() - t0
        self.apart_cpu += time.process_time() - c0

    def sign_requested(self, dossier_id: int) -> None:
        """What the worker and the signer do after the approval's commit: render the draft, then the leader
        signs it with the demo PIN (engine.cases.signing_requests). Engines before signing requests: nothing."""
        if signing_requests is None:
            return
        c0, t0 = time.process_time(), time.perf_counter()
        signing_requests.drain(self.sessions.begin, self.settings, self.clock.now())
        with self.sessions() as session:
            request_id = session.scalar(select(signing_requests.SigningRequest.id).where(
                signing_requests.SigningRequest.dossier_id == dossier_id,
                signing_requests.SigningRequest.kind == "result_draft"))
            leader = session.get(User, self.user_ids[OFFICERS["approval"]])
        if request_id is not None:
            signing_requests.sign(self.sessions.begin, self.settings, Context(leader, self.clock.now(), self.settings),
                                  request_id, PASSWORD)
        self.apart += time.perf_counter() - t0
        self.apart_cpu += time.process_time() - c0

    def lifecycle(self) -> None:
        with self.sessions() as session:
            dossier = filing.file_dossier(session, self._ctx(session, CITIZEN),
                                            {"procedure": SAMPLE_CODE, "form": SAMPLE_FORM})
            session.commit()
            code, dossier_id = dossier.code, dossier.id
        for step, action in STEPS:
            with self.sessions() as session:
                if step == "supplement":
                    dossier = filing.supplement(session, self._ctx(session, CITIZEN), code, {"form": SAMPLE_FORM})
                else:
                    ctx = self._ctx(session, OFFICERS[step])
                    # the officer's inbox lookup: the dossier's one open work item
                    item_id = session.scalar(select(WorkItem.id).where(WorkItem.dossier_id == dossier_id))
                    dossier = tasks.complete(session, ctx, item_id, action, STEP_DATA.get(action, {}))
                session.commit()
            if action == "approve":
                self.sign_requested(dossier_id)
            else:
                self.issue_documents()
        assert dossier.status == RETURNED, dossier.status
        self.last_dossier_id = dossier_id

    def close(self) -> None:
        self.engine.dispose()


# -- the floor: the least a persisted engine must do, on the same schema ----------------------------------------
class FloorMode:
    """Not the engine: a lower bound for any engine on this stack. ``raw_json``'s workflow work plus the SQL that
    a persisted, audited engine cannot skip, with SQLAlchemy Core (no ORM) on the engine's own tables, one
    transaction per command: read the user, the open work item with its dossier's state; write the state under the
    version counter, replace the work item row, append one hash-chained audit event. No legal rules, no forms, no
    deadlines, no documents. ``floor / raw_json`` is the best ratio c/b any engine could reach here."""

    def __init__(self, url: str, data_dir: Path, clock: FixedClock, raw: "RawJson"):
        from sqlalchemy import bindparam, insert, update

        from engine.data import audit
        from engine.data.model import AuditEvent, ProcedureVersion, Procedure

        self.engine = make_engine(url)
        self.raw, self.now, self.digest, self.hash_version = raw, clock.now(), audit._digest, audit.CURRENT
        t_d, t_w, t_a, t_u = Dossier.__table__, WorkItem.__table__, AuditEvent.__table__, User.__table__
        with self.engine.connect() as conn:
            self.version_id, self.agency_id = conn.execute(
                select(ProcedureVersion.id, Procedure.agency_id).join(Procedure, Procedure.id == ProcedureVersion.procedure_id)
                .where(Procedure.code == SAMPLE_CODE).order_by(ProcedureVersion.id.desc()).limit(1)).one()
            self.user_ids = dict(conn.execute(select(User.username, User.id)
                                              .where(User.username.in_([CITIZEN, *OFFICERS.values()]))).all())
        self.q_user = select(t_u.c.id, t_u.c.full_name, t_u.c.roles, t_u.c.agency_id).where(t_u.c.id == bindparam("uid"))
        self.q_item = (select(t_w.c.id, t_w.c.task_id, t_d.c.id.label("dossier_id"), t_d.c.version, t_d.c.status,
                              t_d.c.workflow_state, t_d.c.audit_head)
                       .join(t_d, t_d.c.id == t_w.c.dossier_id).where(t_w.c.dossier_id == bindparam("did")))
        self.i_dossier = insert(t_d).returning(t_d.c.id)
        self.u_dossier = (update(t_d).where(t_d.c.id == bindparam("did"), t_d.c.version == bindparam("v"))
                          .values(workflow_state=bindparam("state"), version=bindparam("v") + 1,
                                  audit_head=bindparam("head"), audit_count=t_d.c.audit_count + 1))
        self.u_head = update(t_d).where(t_d.c.id == bindparam("did")).values(audit_head=bindparam("head"),
                                                                            audit_count=t_d.c.audit_count + 1)
        self.d_item = t_w.delete().where(t_w.c.id == bindparam("wid"))
        self.i_item, self.i_event = insert(t_w), insert(t_a)
        self.count = 0

    def _event(self, conn, dossier_id, prev, user, action, status):
        event = {"dossier_id": dossier_id, "at": self.now, "actor_id": user.id, "actor_name": user.full_name,
                 "action": action, "from_status": status, "to_status": status, "step": None, "task_name": None,
                 "data": {}, "due_at": None, "work_item_id": None, "prev_hash": prev or "0" * 64,
                 "hash_version": self.hash_version}
        event["hash"] = self.digest(event["prev_hash"], event)
        conn.execute(self.i_event, [event])
        return event["hash"]

    def _items(self, conn, dossier_id, process):
        for task in process.ready_user_tasks():
            conn.execute(self.i_item, [{"dossier_id": dossier_id, "task_id": task.task_id, "spec_name": task.spec_name,
                                        "name": task.name, "step": task.step or "", "role": "", "form_key": task.form_key,
                                        "agency_id": self.agency_id, "created_at": self.now, "due_at": None}])

    def lifecycle(self) -> None:
        self.count += 1
        vid, spec_json = self.version_id, self.raw.spec_json
        with self.engine.begin() as conn:
            user = conn.execute(self.q_user, {"uid": self.user_ids[CITIZEN]}).one()
            code = f"FLOOR-{id(self)}-{self.count:06d}"
            process = runtime.Process.start(vid, spec_json, {"ma_ho_so": code, "ho_so": SAMPLE_FORM}, TIME_LIMIT)
            dossier_id = conn.execute(self.i_dossier, {
                "code": code, "procedure_version_id": vid, "agency_id": self.agency_id, "applicant_id": user.id,
                "owner_name": user.full_name, "channel": "online", "status": 1, "form": SAMPLE_FORM, "filed_at": self.now,
                "workflow_state": process.dump(), "serializer_version": runtime.SERIALIZER_VERSION, "version": 1}).scalar_one()
            head = self._event(conn, dossier_id, None, user, "file", 1)
            conn.execute(self.u_head, {"did": dossier_id, "head": head})
            self._items(conn, dossier_id, process)
        for step, action in STEPS:
            username = CITIZEN if step == "supplement" else OFFICERS[step]
            with self.engine.begin() as conn:
                user = conn.execute(self.q_user, {"uid": self.user_ids[username]}).one()
                row = conn.execute(self.q_item, {"did": dossier_id}).one()
                process = runtime.Process.load(vid, spec_json, row.workflow_state, TIME_LIMIT)
                [task] = process.ready_user_tasks()
                process.complete(task.task_id, task_data(step, action, task.spec_name))
                head = self._event(conn, dossier_id, row.audit_head, user, action, row.status)
                done = conn.execute(self.u_dossier, {"did": dossier_id, "v": row.version, "state": process.dump(),
                                                     "head": head})
                assert done.rowcount == 1
                conn.execute(self.d_item, {"wid": row.id})
                self._items(conn, dossier_id, process)
        assert process.completed

    def close(self) -> None:
        self.engine.dispose()


# -- (e) HTTP ------------------------------------------------------------------------------------------------
class HttpMode:
    def __init__(self, url: str, data_dir: Path, clock: FixedClock):
        from waitress.server import create_server

        from engine.web import create_app

        self.app = create_app(with_secrets(load_settings(data_dir=str(data_dir), database_url=url)), clock=clock)
        # the WSGI server of `tthc serve` (waitress, HTTP/1.1 keep-alive), with its default 8 threads
        self.server = create_server(self.app, host="127.0.0.1", port=0, threads=8)
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._serve, name="bench-http", daemon=True)
        self.thread.start()
        self.conn = http.client.HTTPConnection("127.0.0.1", self.server.effective_port, timeout=60)
        self.tokens = {}
        for username in [CITIZEN, *sorted(set(OFFICERS.values()))]:  # login: untimed
            status, body = self.call("POST", "/api/v1/auth/token", {"username": username, "password": PASSWORD})
            assert status == 200, body
            self.tokens[username] = body["token"]
        self.last_code = None

    def _serve(self) -> None:
        """waitress's loop in short turns, so that close() can end it between two turns."""
        while not self.stopping.is_set():
            self.server.asyncore.loop(timeout=0.05, map=self.server._map, count=1)

    def call(self, method: str, path: str, payload=None, user: str | None = None):
        headers = {"Accept": "application/json"}
        body = None
        if payload is not None:
            body = json.dumps(payload, ensure_ascii=False).encode()
            headers["Content-Type"] = "application/json"
        if user is not None:
            headers["Authorization"] = f"Bearer {self.tokens[user]}"
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        return response.status, json.loads(data) if data else None

    def lifecycle(self) -> None:
        status, body = self.call("POST", "/api/v1/dossiers", {"procedure": SAMPLE_CODE, "form": SAMPLE_FORM}, CITIZEN)
        assert status == 201, body
        code = body["code"]
        for step, action in STEPS:
            if step == "supplement":
                status, body = self.call("POST", f"/api/v1/dossiers/{code}/supplement", {"form": SAMPLE_FORM}, CITIZEN)
            else:
                officer = OFFICERS[step]
                status, inbox = self.call("GET", "/api/v1/tasks", user=officer)
                assert status == 200, inbox
                [item] = [t for t in inbox if t["dossier"] == code]
                status, body = self.call("POST", f"/api/v1/tasks/{item['id']}/complete",
                                         {"action": action, "data": STEP_DATA.get(action, {})}, officer)
                if action == "approve" and signing_requests is not None:
                    self.sign_requested(officer, code)
                else:
                    self.issue_documents()
            assert status == 200, body
        assert body["status"] == RETURNED, body["status"]
        self.last_code = code

    apart = apart_cpu = 0.0  # seconds of document work after the commits (the leader's signature): apart

    def issue_documents(self) -> None:
        """`tthc serve`'s drain after a command's commit (the official forms, the sealed result), timed apart."""
        if signing_requests is None:
            return
        c0, t0 = time.process_time(), time.perf_counter()
        ext = self.app.extensions["tthc"]
        signing_requests.drain(ext["sessions"].begin, ext["settings"], ext["clock"].now())
        self.apart += time.perf_counter() - t0
        self.apart_cpu += time.process_time() - c0

    def sign_requested(self, leader: str, code: str) -> None:
        """The leader signs the approved result with the demo PIN (the request renders it when no drain has)."""
        c0, t0 = time.process_time(), time.perf_counter()
        status, waiting = self.call("GET", "/api/v1/signing-requests", user=leader)
        assert status == 200, waiting
        [request] = [r for r in waiting if r["dossier"] == code]
        status, body = self.call("POST", f"/api/v1/signing-requests/{request['id']}/sign", {"pin": PASSWORD}, leader)
        assert status == 200, body
        self.apart += time.perf_counter() - t0
        self.apart_cpu += time.process_time() - c0

    def close(self) -> None:
        self.conn.close()
        self.stopping.set()
        self.thread.join(10)
        self.server.close()
        self.server.task_dispatcher.shutdown()
        self.app.extensions["tthc"]["engine"].dispose()


# -- storage per completed dossier ---------------------------------------------------------------------------
def dossier_tables() -> list[tuple[str, str]]:
    """(table, key column): the dossier row and every table with a dossier_id column (from the model)."""
    tables = [("dossier", "id")]
    tables += [(t.name, "dossier_id") for t in Base.metadata.sorted_tables if "dossier_id" in t.c]
    return tables


def storage_postgresql(engine, dossier_id: int) -> dict:
    """Bytes = sum of pg_column_size(row) over the dossier's rows (tuple data as stored, TOAST-compressed
    values at their compressed size; no page/index overhead)."""
    result = {}
    with engine.connect() as conn:
        for table, key in dossier_tables():
            rows, size = conn.execute(text(f"select count(*), coalesce(sum(pg_column_size(t.*)), 0) from {table} t "
                                           f"where t.{key} = :id"), {"id": dossier_id}).one()
            result[table] = (int(rows), int(size))
    return result


def storage_sqlite(engine, dossier_id: int) -> dict:
    """Bytes = sum of the lengths of the stored values (blobs and UTF-8 text as stored; numbers counted by
    their text length; NULL as 0); no record headers, page or index overhead."""
    result = {}
    with engine.connect() as conn:
        for table, key in dossier_tables():
            columns = [r[1] for r in conn.execute(text(f"pragma table_info({table})"))]
            length = " + ".join(f'coalesce(length(cast("{c}" as blob)), 0)' for c in columns)
            rows, size = conn.execute(text(f"select count(*), coalesce(sum({length}), 0) from {table} "
                                           f"where {key} = :id"), {"id": dossier_id}).one()
            result[table] = (int(rows), int(size))
    return result


def workflow_state_sizes(engine, dossier_id: int) -> tuple[int, int]:
    with engine.connect() as conn:
        state = conn.execute(select(Dossier.workflow_state).where(Dossier.id == dossier_id)).scalar_one()
    return len(state), len(zlib.decompress(state))


# -- running -------------------------------------------------------------------------------------------------
def timed_batch(lifecycle, n: int) -> tuple[float, float, float]:
    """``n`` lifecycles: (wall s, CPU s, wall s of document work after the commits), the document work's CPU
    already taken out of the CPU (a mode with no ``apart`` has none). bench/paired.py times its batches with it."""
    owner = getattr(lifecycle, "__self__", None)
    apart0, apart_cpu0 = getattr(owner, "apart", 0.0), getattr(owner, "apart_cpu", 0.0)
    c0, t0 = time.process_time(), time.perf_counter()
    for _ in range(n):
        lifecycle()
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    cpu -= getattr(owner, "apart_cpu", 0.0) - apart_cpu0  # (HTTP: the server thread's share stays in)
    return elapsed, cpu, getattr(owner, "apart", 0.0) - apart0


def measure(name: str, lifecycle, n: int, reps: int, warmup: int) -> dict:
    """Lifecycles per second of the commands. A mode whose lifecycle also does the document work that runs after
    the commits (``apart``: seconds, the worker's rendering and the signer's signature) has it subtracted, and
    reported apart as ``documents_ms`` per lifecycle."""
    for _ in range(warmup):
        lifecycle()
    rates, cpu_ms, documents_ms = [], [], []
    for rep in range(reps):
        gc.collect()
        elapsed, cpu, apart = timed_batch(lifecycle, n)
        rates.append(n / (elapsed - apart))
        cpu_ms.append(cpu * 1000 / n)
        documents_ms.append(apart * 1000 / n)
        log(f"  {name} rep {rep + 1}/{reps}: {n} lifecycles in {elapsed:.3f} s, of which {apart:.3f} s of documents"
            f" after the commits = {rates[-1]:.1f}/s (this process's CPU {cpu_ms[-1]:.2f} ms/lifecycle)")
    return {"n": n, "reps": reps, "median": statistics.median(rates), "min": min(rates), "max": max(rates),
            "cpu_ms": statistics.median(cpu_ms), "documents_ms": statistics.median(documents_ms)}


def profile_engine_sqlite(args, workdir: Path) -> None:
    """cProfile of the commands of engine_sqlite on CPU time (``time.process_time``: a busy machine's waits are
    not in it). The document work after the commits (the drain's rendering, the leader's signature) is left
    out of the profile, as it is left out of the rate. Then each command's CPU ms and SQL statements."""
    from sqlalchemy import event

    url = f"sqlite:///{workdir / 'profile.sqlite3'}"
    demo_database(url, workdir / "profile-data")
    mode = EngineMode(url, workdir / "profile-data", FixedClock(START))
    profiler = cProfile.Profile(time.process_time)
    counting = {"on": False, "statements": 0}

    @event.listens_for(mode.engine, "before_cursor_execute")
    def _count(*_args):
        if counting["on"]:
            counting["statements"] += 1

    def apart(work):  # document work: neither profiled nor counted
        def run(*a):
            if not counting["on"]:  # the warm-up: nothing is profiled yet
                return work(*a)
            profiler.disable()
            counting["on"] = False
            try:
                work(*a)
            finally:
                counting["on"] = True
                profiler.enable()
        return run

    mode.issue_documents, mode.sign_requested = apart(mode.issue_documents), apart(mode.sign_requested)
    per_command: dict[str, list[tuple[float, int]]] = {}
    sessions = mode.sessions

    def timed_sessions():  # each command is one session: its CPU and statements, by the action it runs
        return _TimedSession(sessions(), per_command, counting)

    timed_sessions.begin = sessions.begin  # the drain's own transactions (document work: not counted)

    for _ in range(args.warmup):
        mode.lifecycle()
    mode.sessions = timed_sessions
    t0 = time.perf_counter()
    counting["on"] = True
    profiler.enable()
    for _ in range(args.n):
        mode.lifecycle()
    profiler.disable()
    counting["on"] = False
    elapsed = time.perf_counter() - t0
    mode.close()
    print(f"cProfile (CPU time) of engine_sqlite's commands: {args.n} lifecycles in {elapsed:.2f} s wall, "
          f"{pstats.Stats(profiler).total_tt:.2f} s CPU profiled (the document work after the commits left out)")
    print("\n== per command: median over the lifecycles, under the profiler (its overhead inflates them) ==")
    print(f"{'command':20s} {'CPU ms':>8s} {'SQL statements':>15s}")
    for name, runs in per_command.items():
        print(f"{name:20s} {statistics.median(c for c, _ in runs):8.2f} {statistics.median(q for _, q in runs):15.0f}")
    views = (("top entries by cumulative time", "cumulative", ()),
             ("top entries by own time", "tottime", ()),
             ("engine/ functions by cumulative time", "cumulative", (re.escape(str(ROOT / "engine")) + "/",)))
    for title, order, restrictions in views:
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).sort_stats(order)
        stats.print_stats(*restrictions, args.profile)
        table = out.getvalue()
        table = table[table.index("   ncalls"):].rstrip()
        for prefix in (str(ROOT) + "/", sysconfig.get_paths()["purelib"] + "/"):
            table = table.replace(prefix, "")
        print(f"\n== {title} ==\n{table}")


class _TimedSession:
    """A session used as ``with``: the command's CPU time and SQL statements, filed under the step it ran (the
    filing first, then STEPS in order)."""

    def __init__(self, session, per_command: dict, counting: dict):
        self.session, self.per_command, self.counting = session, per_command, counting

    def __enter__(self):
        self.cpu0, self.statements0 = time.process_time(), self.counting["statements"]
        return self.session.__enter__()

    def __exit__(self, *exc):
        done = self.session.__exit__(*exc)
        if not self.counting["on"]:  # the leader's signature, after the approval: document work
            return done
        names = ["file", *(action for _, action in STEPS)]
        runs = [len(self.per_command.get(n, ())) for n in names]
        name = names[next((i for i in range(1, len(names)) if runs[i] < runs[0]), 0)]
        self.per_command.setdefault(name, []).append(
            ((time.process_time() - self.cpu0) * 1000, self.counting["statements"] - self.statements0))
        return done


def settle() -> None:
    """This process is a server that has started, for every mode alike: as `tthc serve` and `tthc worker` do, the
    renderer and its fonts are loaded and start-up's objects set aside from the cycle collector
    (engine.core.memory). Engines from before that: nothing (``--no-settle`` too)."""
    if "--no-settle" in sys.argv:
        return
    try:
        from engine.core import memory
        from engine.paperwork import layout
    except ImportError:
        return
    layout.prepare(Path(with_secrets(load_settings()).font_dir))
    log(f"settled: {memory.settle()} start-up objects set aside from the cycle collector")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=5, help="timed batches per mode (default 5)")
    parser.add_argument("--n", type=int, default=50, help="lifecycles per batch for the DB and HTTP modes (50)")
    parser.add_argument("--raw-factor", type=int, default=10, help="raw modes run n * this per batch (10)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed lifecycles before each mode (2)")
    parser.add_argument("--modes", default=",".join(MODES), help="comma-separated subset of " + ", ".join(MODES))
    parser.add_argument("--http-db", choices=("sqlite", "postgresql"), default="sqlite",
                        help="database behind the HTTP mode (default sqlite)")
    parser.add_argument("--workdir", help="keep the databases here instead of a temporary folder")
    parser.add_argument("--profile", type=int, metavar="K", default=0,
                        help="only profile engine_sqlite (--n lifecycles) and print the top K entries")
    parser.add_argument("--no-settle", action="store_true",
                        help="leave the cycle collector as a fresh process has it (the engine before settling)")
    args = parser.parse_args()
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    unknown = set(modes) - set(MODES)
    if unknown:
        parser.error(f"unknown modes: {', '.join(sorted(unknown))}")

    tmp = None if args.workdir else tempfile.TemporaryDirectory(prefix="tthc-bench-")
    workdir = Path(args.workdir or tmp.name)
    workdir.mkdir(parents=True, exist_ok=True)
    if args.profile:
        try:
            profile_engine_sqlite(args, workdir)
        finally:
            if tmp:
                tmp.cleanup()
        return

    settle()
    load_before = os.getloadavg()[0]
    results: dict[str, dict | None] = {m: None for m in MODES}
    storage: dict[str, dict] = {}
    state_sizes: dict[str, tuple[int, int]] = {}
    raw_n = args.n * args.raw_factor
    pg = None
    try:
        need_pg = "engine_postgresql" in modes or ("http" in modes and args.http_db == "postgresql")
        if need_pg:
            from postgres_server import PostgresServer

            log("starting PostgreSQL ...")
            pg = PostgresServer(workdir / "pg").start()

        if set(modes) & set(RAW_MODES):
            raw = RawMemory()
            if "raw_memory" in modes:
                log("raw_memory ...")
                results["raw_memory"] = measure("raw_memory", raw.lifecycle, raw_n, args.reps, args.warmup)
            if "raw_json" in modes:
                log("raw_json ...")
                raw_json = RawJson(raw)
                results["raw_json"] = measure("raw_json", raw_json.lifecycle, raw_n, args.reps, args.warmup)
                state_sizes["raw_json"] = (len(raw_json.last_state), len(zlib.decompress(raw_json.last_state)))

        if "floor_sqlite" in modes:
            log("floor_sqlite: building the demo database (untimed) ...")
            url = f"sqlite:///{workdir / 'floor.sqlite3'}"
            demo_database(url, workdir / "floor-data")
            mode = FloorMode(url, workdir / "floor-data", FixedClock(START), RawJson(RawMemory()))
            try:
                results["floor_sqlite"] = measure("floor_sqlite", mode.lifecycle, args.n, args.reps, args.warmup)
            finally:
                mode.close()

        for mode_name, backend in (("engine_sqlite", "sqlite"), ("engine_postgresql", "postgresql"),
                                   ("engine_sqlite_nodocs", "sqlite")):
            if mode_name not in modes:
                continue
            if mode_name == "engine_sqlite_nodocs":
                # Diagnostic only, not a product path: the same use cases with the document work (official
                # forms 01–03, the signing request, the result's seal, its verification at return) switched off,
                # to show what it costs.
                import engine.paperwork.officialforms
                import engine.paperwork.results
                from engine.cases.steps import returning

                forms = engine.paperwork.officialforms
                handing = returning.KIND.action("return_result")
                saved = (signing_requests.request_result, engine.paperwork.results.issue_result,
                         forms.receipt, forms.refusal, forms.supplement_request, handing.guards)
                signing_requests.request_result = lambda *a, **k: None
                engine.paperwork.results.issue_result = lambda *a, **k: None
                object.__setattr__(handing, "guards", tuple(g for g in handing.guards
                                                            if g is not returning.result_still_valid))
                # the step handlers issue Mẫu 01–03 themselves (engine/cases/steps)
                forms.receipt = forms.refusal = forms.supplement_request = lambda *a, **k: None
                backend = "sqlite-nodocs"
            log(f"{mode_name}: building the demo database (untimed) ...")
            if backend.startswith("sqlite"):
                url = f"sqlite:///{workdir / (backend + '.sqlite3')}"
            else:
                url = pg.create_database("bench_engine")
            demo_database(url, workdir / f"{backend}-data")
            mode = EngineMode(url, workdir / f"{backend}-data", FixedClock(START))
            try:
                results[mode_name] = measure(mode_name, mode.lifecycle, args.n, args.reps, args.warmup)
                measure_fn = storage_sqlite if backend.startswith("sqlite") else storage_postgresql
                if backend != "sqlite-nodocs":
                    storage[backend] = measure_fn(mode.engine, mode.last_dossier_id)
                state_sizes[mode_name] = workflow_state_sizes(mode.engine, mode.last_dossier_id)
            finally:
                mode.close()
                if backend == "sqlite-nodocs":
                    (signing_requests.request_result, engine.paperwork.results.issue_result,
                     forms.receipt, forms.refusal, forms.supplement_request, guards) = saved
                    object.__setattr__(handing, "guards", guards)

        if "http" in modes:
            log(f"http ({args.http_db}): building the demo database (untimed) ...")
            if args.http_db == "sqlite":
                url = f"sqlite:///{workdir / 'http.sqlite3'}"
            else:
                url = pg.create_database("bench_http")
            demo_database(url, workdir / "http-data")
            mode = HttpMode(url, workdir / "http-data", FixedClock(START))
            try:
                results["http"] = measure("http", mode.lifecycle, args.n, args.reps, args.warmup)
            finally:
                mode.close()
    finally:
        if pg is not None:
            pg.stop()
        if tmp:
            tmp.cleanup()

    report(args, results, storage, state_sizes, load_before)


def report(args, results: dict, storage: dict, state_sizes: dict, load_before: float) -> None:
    def rate(mode):
        return results[mode]["median"] if results.get(mode) else None

    def ratio(a, b):
        return round(rate(a) / rate(b), 4) if rate(a) and rate(b) else None

    print()
    print(f"Lifecycle of {SAMPLE_CODE} with one supplement round: {COMMANDS} commands, {len(STEPS)} user tasks; "
          f"python {sys.version.split()[0]}, {os.cpu_count()} CPU, "
          f"1-min load average {load_before:.2f} at start, {os.getloadavg()[0]:.2f} at end")
    print()
    print(f"{'mode':<19} {'N/rep':>6} {'reps':>4} {'median/s':>9} {'min/s':>9} {'max/s':>9} "
          f"{'ms/lifecycle':>12} {'ms/command':>10} {'CPU ms/lc':>9} {'docs ms/lc':>10}")
    for mode in MODES:
        r = results[mode]
        if r is None:
            print(f"{mode:<19} {'(skipped)':>6}")
            continue
        ms = 1000 / r["median"]
        print(f"{mode:<19} {r['n']:>6} {r['reps']:>4} {r['median']:>9.1f} {r['min']:>9.1f} {r['max']:>9.1f} "
              f"{ms:>12.2f} {ms / COMMANDS:>10.3f} {r['cpu_ms']:>9.2f} {r.get('documents_ms', 0):>10.2f}")
    print("lifecycles/s: median (min, max) of the batches, wall clock; ms/lifecycle and ms/command from the median;")
    print("docs ms/lc: the document work after the commits (the drain's forms and seals, the leader's signature),")
    print("not in the rate;")
    print("CPU ms/lc: this process's CPU time per lifecycle (median; the HTTP server thread is included, the")
    print("PostgreSQL server is not). On a busy machine wall clock >> CPU time: compare the load average.")
    print()
    for name, a, b in (("engine_sqlite / raw_json (c/b)", "engine_sqlite", "raw_json"),
                       ("engine_sqlite_nodocs / raw_json", "engine_sqlite_nodocs", "raw_json"),
                       ("floor_sqlite / raw_json (bound)", "floor_sqlite", "raw_json"),
                       ("engine_sqlite / floor_sqlite", "engine_sqlite", "floor_sqlite"),
                       ("engine_postgresql / raw_json (d/b)", "engine_postgresql", "raw_json"),
                       ("raw_json / raw_memory", "raw_json", "raw_memory"),
                       ("http / engine_sqlite" if args.http_db == "sqlite" else "http / engine_postgresql", "http",
                        "engine_sqlite" if args.http_db == "sqlite" else "engine_postgresql")):
        value = ratio(a, b)
        print(f"{name:<36} {value if value is not None else '-'}")
    print()
    for mode, (packed, unpacked) in state_sizes.items():
        print(f"final workflow_state ({mode}): {packed} B zlib, {unpacked} B JSON")
    for backend, tables in storage.items():
        how = "sum(pg_column_size(row))" if backend == "postgresql" else "sum of value lengths"
        print()
        print(f"storage per completed dossier, {backend} ({how}):")
        print(f"  {'table':<20} {'rows':>5} {'bytes':>7}")
        for table, (rows, size) in tables.items():
            print(f"  {table:<20} {rows:>5} {size:>7}")
        print(f"  {'total':<20} {sum(r for r, _ in tables.values()):>5} {sum(s for _, s in tables.values()):>7}")

    # bytes/rows: the PostgreSQL figure when measured (production target), else SQLite's
    main_storage = storage.get("postgresql") or storage.get("sqlite")
    summary = {mode: round(rate(mode), 2) if rate(mode) else None for mode in MODES}
    summary.update(
        ratio_c_b=ratio("engine_sqlite", "raw_json"),
        ratio_d_b=ratio("engine_postgresql", "raw_json"),
        ratio_nodocs_b=ratio("engine_sqlite_nodocs", "raw_json"),
        ratio_floor_b=ratio("floor_sqlite", "raw_json"),
        ratio_engine_floor=ratio("engine_sqlite", "floor_sqlite"),
        http_ms_per_command=round(1000 / rate("http") / COMMANDS, 3) if rate("http") else None,
        bytes_per_dossier=sum(s for _, s in main_storage.values()) if main_storage else None,
        rows_per_dossier=sum(r for r, _ in main_storage.values()) if main_storage else None,
    )
    print()
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
