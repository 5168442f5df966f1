"""Several `tthc serve` and `tthc worker` processes over one PostgreSQL work as one service (issue 15, "Scale out").

What a process could keep for itself is kept in the database: web sessions (web_session), login failures and
public lookups (login_attempt, lookup_attempt: the limits count across processes), the calendar overrides (every
process reads the table, at most 2 s old), the claims of due dossiers (row locks, FOR UPDATE SKIP LOCKED). What
stays in process memory is immutable or keyed by what it was built from (parsed specs by version id, opened
keys by file time, built calendars by the override table's content). Here two web processes and two workers run
on one test PostgreSQL, with the real clock, and a small mixed load goes to both web processes.
"""
from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.pool import NullPool

from engine.cases import portal_cases
from engine.core.clock import VN_TZ
from engine.core.settings import with_secrets
from engine.data import calendars
from engine.data.db import make_engine, make_sessionmaker
from engine.data.model import CalendarOverride

from conftest import CITIZEN, PASSWORD, PKI_PASSPHRASE, SAMPLE_CODE, SAMPLE_FORM, make_settings
from postgres_server import free_port

ROOT = Path(__file__).resolve().parent.parent
WAIT = 60.0
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Client:
    """A browser or API client of one user: its own cookies, any server."""

    def __init__(self):
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def call(self, url: str, body=None, form=None, token: str | None = None, method: str | None = None):
        data, headers = None, {}
        if body is not None:
            data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
        if form is not None:
            data, headers["Content-Type"] = urllib.parse.urlencode(form).encode(), "application/x-www-form-urlencoded"
        if token:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.geturl(), response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, url, exc.read().decode()

    def csrf(self, base: str) -> str:
        return CSRF_RE.search(self.call(base + "/dang-nhap")[2]).group(1)

    def token(self, base: str, username: str, password: str = PASSWORD) -> tuple[int, dict]:
        status, _, body = self.call(base + "/api/v1/auth/token", {"username": username, "password": password})
        return status, json.loads(body)


def output_of(process: subprocess.Popen) -> str:
    """What a process of the cluster has written so far (stdout and stderr, to its log file)."""
    return Path(process.log_path).read_text(errors="replace")


class Cluster:
    def __init__(self, env: dict, url: str, logs: Path):
        self.env, self.url, self.logs = env, url, logs
        self.processes: list[subprocess.Popen] = []
        self.bases: list[str] = []

    def start(self, *args: str) -> subprocess.Popen:
        log_path = self.logs / f"{len(self.processes)}-{args[0]}.log"
        with open(log_path, "w") as log:  # a file, read at any time (the processes outlive a test)
            process = subprocess.Popen([sys.executable, "-c", "from engine.cli import run; run()", *args], cwd=ROOT,
                                       env=self.env, stdout=log, stderr=subprocess.STDOUT, text=True)
        process.log_path = log_path
        self.processes.append(process)
        return process

    def outputs(self) -> list[str]:
        return [output_of(process) for process in self.processes]

    def serve(self, count: int = 1) -> list[str]:
        """Start ``count`` web processes at once (their start-ups overlap) and wait until each answers."""
        started = []
        for _ in range(count):
            port = free_port()
            while any(base.endswith(f":{port}") for _, base in started):  # none bound yet: two draws may agree
                port = free_port()
            started.append((self.start("serve", "--port", str(port), "--threads", "4", "--no-worker"),
                            f"http://127.0.0.1:{port}"))
        for process, base in started:
            until("the web process answers", lambda: _answers(base), process)
            self.bases.append(base)
        return [base for _, base in started]

    def command(self, *args: str) -> str:
        done = subprocess.run([sys.executable, "-c", "from engine.cli import run; run()", *args], cwd=ROOT,
                              env=self.env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def stop(self) -> list[str]:
        for process in self.processes:
            process.send_signal(signal.SIGINT)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        return self.outputs()


def _answers(base: str) -> bool:
    try:
        with urllib.request.urlopen(base + "/api/v1/procedures", timeout=5) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError):
        return False


def until(what: str, check, process: subprocess.Popen | None = None, wait: float = WAIT):
    """Poll ``check`` until it returns something truthy (generous bound: a shared machine)."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"the process ended ({process.returncode}) before {what}:\n{output_of(process)}")
        found = check()
        if found:
            return found
        time.sleep(0.3)
    raise AssertionError(f"no {what} within {wait} s")


@pytest.fixture(scope="module")
def shared_cluster(pg_server, demo_template, tmp_path_factory, pki_dir):
    """One cluster (two web processes on one PostgreSQL copy of the demo) for the module's tests: starting two
    `tthc serve` was most of each test's time. The tests leave nothing the others look at: the login failures
    are of demo.vanthu only (and 5, far below the per-address limit), the day off moves only due dates, which no
    other test looks at, the lookups are the mixed load's only, the tasks list is read whole (limit 500) and the
    workers start in the last test."""
    tmp_path = tmp_path_factory.mktemp("scaleout")
    url = pg_server.create_database(f"scaleout_{os.getpid()}_{abs(hash(str(tmp_path))) % 10**6}",
                                    template=demo_template("postgresql", pg_server))
    data = tmp_path / "data"
    with_secrets(make_settings(data, url, pki_dir))  # the session key, once, before the processes share it
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TTHC_DATABASE_URL": url, "TTHC_DATA_DIR": str(data),
           "TTHC_PKI_DIR": str(pki_dir), "TTHC_PKI_PASSPHRASE": PKI_PASSPHRASE, "TTHC_SESSION_COOKIE_SECURE": "false",
           "TTHC_TIMER_INTERVAL_SECONDS": "0.3", "TTHC_TIMER_BATCH": "10"}
    group = Cluster(env, url, tmp_path)
    try:
        group.serve(2)
        yield group
    finally:
        outputs = group.stop()
    for output in outputs:
        assert "Traceback" not in output, output


@pytest.fixture
def cluster(shared_cluster):
    """The module's cluster; after each test, no process has written a traceback (at the end of the module, the
    shared_cluster fixture checks their whole output again, shutdown included)."""
    yield shared_cluster
    for output in shared_cluster.outputs():
        assert "Traceback" not in output, output


def _file(client: Client, base: str, token: str) -> dict:
    status, _, body = client.call(base + "/api/v1/dossiers", {"procedure": SAMPLE_CODE, "form": SAMPLE_FORM},
                                  token=token)
    assert status == 201, body
    return json.loads(body)


def test_a_session_made_on_one_web_process_is_valid_on_the_other_and_ends_on_both(cluster):
    a, b = cluster.bases
    browser = Client()
    status, _, _ = browser.call(a + "/dang-nhap", form={"username": CITIZEN, "password": PASSWORD,
                                                         "csrf_token": browser.csrf(a)})
    assert status == 200
    status, where, page = browser.call(b + "/ca-nhan/ho-so")
    assert (status, urllib.parse.urlsplit(where).path) == (200, "/ca-nhan/ho-so"), page[:300]
    status, _, _ = browser.call(b + "/dang-xuat", form={"csrf_token": CSRF_RE.search(page).group(1)})
    assert status == 200
    _, where, _ = browser.call(a + "/ca-nhan/ho-so")
    assert urllib.parse.urlsplit(where).path == "/dang-nhap"  # signed out on b: the session is gone on a too


def test_login_failures_count_across_the_web_processes(cluster):
    a, b = cluster.bases
    client = Client()
    for base in (a, b, a, b, a):  # five failures, spread over both
        status, answer = client.token(base, "demo.vanthu", "wrong-password")
        assert status == 401, answer
    for base in (a, b):
        status, answer = client.token(base, "demo.vanthu")
        assert (status, answer["error"]["code"]) == (401, "locked_out"), answer


def test_a_calendar_change_is_seen_by_both_web_processes(cluster):
    a, b = cluster.bases
    client = Client()
    token = client.token(a, CITIZEN)[1]["token"]
    before = datetime.fromisoformat(_file(client, a, token)["intake_due_at"]).astimezone(VN_TZ).date()
    out = cluster.command("calendar", "set", before.isoformat(), "off", "--name", "Nghỉ đột xuất (kiểm thử)")
    assert out.startswith(before.isoformat())

    def moved(base):
        def check():
            due = datetime.fromisoformat(_file(client, base, token)["intake_due_at"]).astimezone(VN_TZ).date()
            return due != before and due
        return check

    for base in (a, b):  # each process reads the override table again within 2 s
        assert until(f"the day off on {base}", moved(base), wait=20) > before


def test_a_mixed_load_on_both_web_processes_gives_no_server_error_and_one_lookup_limit(cluster):
    a, b = cluster.bases
    setup = Client()
    citizen = setup.token(a, CITIZEN)[1]["token"]
    officer = setup.token(b, "demo.tiepnhan")[1]["token"]
    code = _file(setup, a, citizen)["code"]
    statuses: list[tuple[str, int]] = []
    lock = threading.Lock()

    def user(n: int) -> None:
        me = Client()
        for i in range(12):
            base = (a, b)[(n + i) % 2]
            kind = ("lookup", "inbox", "file", "catalogue")[(n + i) % 4]
            if kind == "lookup":
                status = me.call(f"{base}/tra-cuu?q={code}")[0]
            elif kind == "inbox":
                status = me.call(f"{base}/api/v1/tasks?limit=5", token=officer)[0]
            elif kind == "file":
                status = me.call(f"{base}/api/v1/dossiers", {"procedure": SAMPLE_CODE, "form": SAMPLE_FORM},
                                 token=citizen)[0]
            else:
                status = me.call(f"{base}/api/v1/procedures")[0]
            with lock:
                statuses.append((kind, status))

    threads = [threading.Thread(target=user, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [s for s in statuses if s[1] >= 500] == []
    lookups = [s for k, s in statuses if k == "lookup"]
    assert len(lookups) > portal_cases.LOOKUP_LIMIT  # one address, both processes: one limit
    assert lookups.count(200) == portal_cases.LOOKUP_LIMIT and set(lookups) == {200, 429}
    assert {s for k, s in statuses if k != "lookup"} <= {200, 201}


def test_two_workers_never_handle_the_same_due_dossier_twice(cluster):
    a = cluster.bases[0]
    client = Client()
    code = _file(client, a, client.token(a, CITIZEN)[1]["token"])["code"]
    officer = client.token(a, "demo.tiepnhan")[1]["token"]
    _, _, body = client.call(a + "/api/v1/tasks", token=officer)
    task = next(t for t in json.loads(body) if t["dossier"] == code)
    status, _, body = client.call(f"{a}/api/v1/tasks/{task['id']}/complete", {"action": "receive", "data": {}},
                                  token=officer)
    assert status == 200, body
    engine = make_engine(cluster.url, poolclass=NullPool)
    copies = 200
    with engine.begin() as conn:  # copies of the received dossier, all overdue now
        template = conn.execute(text("SELECT id FROM dossier WHERE code = :c"), {"c": code}).scalar_one()
        columns = list(conn.execute(text("SELECT column_name FROM information_schema.columns "
                                         "WHERE table_name = 'dossier' AND column_name <> 'id'")).scalars())
        special = {"code": "substr(t.code, 1, length(t.code) - 4) || lpad(CAST(s.g AS text), 4, '0')",
                   "due_at": "now() - interval '1 hour'", "next_timer_at": "now() - interval '1 minute'",
                   "late": "false", "warned_at": "NULL"}
        conn.execute(text(
            f"INSERT INTO dossier ({', '.join(columns)}) SELECT {', '.join(special.get(c, 't.' + c) for c in columns)} "
            "FROM generate_series(9000, 9000 + :n - 1) s(g) CROSS JOIN (SELECT * FROM dossier WHERE id = :t) t"),
            {"n": copies, "t": template})
        ids = list(conn.execute(text("SELECT id FROM dossier WHERE code LIKE '%-9___'")).scalars())
    assert len(ids) == copies
    cluster.start("worker")
    cluster.start("worker")

    def all_handled():
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM dossier WHERE id = ANY(:ids) AND next_timer_at <= now()"),
                                {"ids": ids}).scalar_one() == 0

    until("every due dossier handled", all_handled, wait=120)
    with engine.connect() as conn:
        overdue = dict(conn.execute(text("SELECT dossier_id, count(*) FROM audit_event WHERE action = 'overdue' "
                                         "AND dossier_id = ANY(:ids) GROUP BY dossier_id"), {"ids": ids}).all())
        apologies = dict(conn.execute(text("SELECT dossier_id, count(*) FROM work_item WHERE step = 'apology' "
                                           "AND dossier_id = ANY(:ids) GROUP BY dossier_id"), {"ids": ids}).all())
    engine.dispose()
    assert set(overdue) == set(ids) and set(overdue.values()) == {1}
    assert set(apologies.values()) <= {1}


# -- the calendar's stamp, in one process ------------------------------------------------------------------------
def test_a_calendar_edit_that_keeps_the_count_and_the_newest_time_is_seen(settings, monkeypatch):
    """Another process clears one day and sets another in the same instant: the count and the newest change time
    are what they were, and the calendar must still change (the old stamp was (count, newest time))."""
    engine = make_engine(settings.resolved_database_url, poolclass=NullPool)
    sessions = make_sessionmaker(engine)
    at = datetime(2026, 11, 20, 9, 0, tzinfo=VN_TZ)
    tick = [1000.0]
    monkeypatch.setattr(calendars.time, "monotonic", lambda: tick[0])
    calendars.forget_overrides()
    first, second = date(2026, 12, 7), date(2026, 12, 8)  # a Monday and a Tuesday
    with sessions.begin() as session:
        session.add(CalendarOverride(day=first, kind="off", name="Nghỉ A", created_by="test", created_at=at))
    with sessions() as session:
        assert not calendars.calendar_for(session, settings, None).is_working_day(first)
    with sessions.begin() as session:  # "another process": no forget_overrides() here
        session.delete(calendars.scope_rows(session, None, first, first)[0])
        session.add(CalendarOverride(day=second, kind="off", name="Nghỉ B", created_by="test", created_at=at))
    tick[0] += calendars.OVERRIDES_RECHECK_SECONDS + 0.1
    with sessions() as session:
        cal = calendars.calendar_for(session, settings, None)
        assert cal.is_working_day(first) and not cal.is_working_day(second)
    engine.dispose()
    calendars.forget_overrides()
