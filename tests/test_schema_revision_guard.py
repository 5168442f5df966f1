"""The code and its database schema agree before anything is served or migrated twice.

- The web application started by any WSGI server (app.py, `flask --app app run`) on a database whose Alembic
  revision is behind the code's answers a 503 (maintenance, Retry-After) instead of a 500 on every dossier ("no
  such column"), and tells the operator in its log to run `tthc db upgrade` (never the visitors); once the
  database is upgraded it serves again, without a restart.
- Two processes upgrading the same database at once (`tthc serve --no-worker` and `tthc worker` started together
  after an update) both succeed: the second waits for the first and then finds the database at head.
"""
from __future__ import annotations

import logging
import os
import subprocess
import sys

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Engine

from engine.cases import preflight
from engine.cases.preflight import upgrade_database
from engine.core.settings import PROJECT_ROOT
from engine.data.db import make_engine
from engine.web import create_app
from test_migrations import head_revision


def alembic(url: str, action: str, revision: str) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    getattr(command, action)(cfg, revision)


def revisions_of(url: str) -> list[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return [row[0] for row in conn.exec_driver_sql("SELECT version_num FROM alembic_version")]
    finally:
        engine.dispose()


@pytest.fixture
def behind(settings, clock, database_url):
    """The demo database taken one revision below head, and the web app created on it as a WSGI server would."""
    alembic(database_url, "downgrade", "-1")
    application = create_app(settings, clock=clock)
    yield application
    application.extensions["tthc"]["engine"].dispose()


def test_the_api_on_a_database_behind_the_code_answers_503_and_logs_to_run_tthc_db_upgrade(behind, caplog):
    """A database not upgraded to this version: the API answers 503 with its error shape (never a 500 from a
    missing column); the command to run is in the server's log, for the operator."""
    with caplog.at_level(logging.WARNING, logger="engine.web"):
        answer = behind.test_client().get("/api/v1/dossiers/HS-1")
    assert answer.status_code == 503, answer.get_data(as_text=True)[:300]
    error = answer.get_json()["error"]
    assert error["code"] == "database_not_upgraded"
    assert "bảo trì" in error["message"] and "tthc db upgrade" not in error["message"]
    assert any("tthc db upgrade" in r.getMessage() and "nâng cấp" in r.getMessage() for r in caplog.records)


def test_a_page_on_a_database_behind_the_code_answers_503_in_vietnamese(behind):
    """The citizens' and officers' pages answer the same in a page (Vietnamese), not a 500."""
    answer = behind.test_client().get("/tra-cuu?q=HS-1")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 503, page[:300]
    assert "bảo trì" in page and "tthc db upgrade" not in page


def test_the_app_serves_again_once_the_database_is_upgraded(behind, settings):
    """`tthc db upgrade` run while the server is up: the next request is served (the check is redone while the
    database is behind, and no more once it is at head)."""
    client = behind.test_client()
    assert client.get("/tra-cuu").status_code == 503
    upgrade_database(settings)
    assert client.get("/tra-cuu").status_code == 200


def test_a_database_newer_than_the_code_is_refused_too(settings, clock, database_url, caplog):
    """A database a newer tthc migrated (a revision this code does not know): 503, not 500s; the log says so."""
    engine = make_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    finally:
        engine.dispose()
    application = create_app(settings, clock=clock)
    try:
        with caplog.at_level(logging.WARNING, logger="engine.web"):
            answer = application.test_client().get("/api/v1/dossiers/HS-1")
        assert answer.status_code == 503
        assert any("9999_from_the_future" in r.getMessage() for r in caplog.records)
    finally:
        application.extensions["tthc"]["engine"].dispose()


def test_create_app_on_an_up_to_date_database_asks_it_one_question(settings, clock, backend):
    """The check costs one query at start (the scripts' head is read once per process), so the many apps the
    tests create stay fast; on an up-to-date database no request checks again."""
    if backend != "sqlite":
        pytest.skip("PostgreSQL's first connection asks its own questions (version, schema)")
    create_app(settings, clock=clock).extensions["tthc"]["engine"].dispose()  # the head, read once
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(Engine, "before_cursor_execute", seen)
    try:
        application = create_app(settings, clock=clock)
        assert statements == ["SELECT version_num FROM alembic_version"]
        application.test_client().get("/tra-cuu")
        assert not [s for s in statements[1:] if "alembic_version" in s]
    finally:
        event.remove(Engine, "before_cursor_execute", seen)
        application.extensions["tthc"]["engine"].dispose()


def test_a_missing_sqlite_file_is_not_created_by_the_app(settings, clock, tmp_path, caplog):
    """`flask --app app db upgrade` creates the app first: its check must not leave an empty file behind (only
    `tthc db upgrade` creates the database), and the app answers 503, its log naming the command."""
    missing = tmp_path / "none.sqlite3"
    application = create_app(settings.replace(database_url=f"sqlite:///{missing}"), clock=clock)
    try:
        assert not missing.exists()
        with caplog.at_level(logging.WARNING, logger="engine.web"):
            answer = application.test_client().get("/api/v1/dossiers/HS-1")
        assert answer.status_code == 503 and any("tthc db upgrade" in r.getMessage() for r in caplog.records)
        assert not missing.exists()
    finally:
        application.extensions["tthc"]["engine"].dispose()


UPGRADER = """
import sys
from engine.cases.preflight import upgrade_database
from engine.core.settings import load_settings
settings = load_settings(data_dir=sys.argv[1], database_url=sys.argv[2])
print("ready", flush=True)
sys.stdin.readline()
upgrade_database(settings)
"""


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def empty_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    return request.getfixturevalue("pg_server").create_database(f"race_{abs(hash(request.node.nodeid)) % 10**8}")


def test_two_processes_upgrading_an_empty_database_at_once_both_succeed(empty_url, tmp_path):
    """`tthc serve --no-worker` and `tthc worker` started together each migrate first: the second waits for the
    first (a lock held for the whole upgrade) and finds the database at head, instead of failing on a column
    the first has just added."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    processes = [subprocess.Popen([sys.executable, "-c", UPGRADER, str(tmp_path / f"data{i}"), empty_url],
                                  cwd=PROJECT_ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for i in range(2)]
    try:
        for process in processes:  # both imported and ready: the upgrades start together
            assert process.stdout.readline().strip() == "ready", process.stderr.read()
        for process in processes:
            process.stdin.write("go\n")
            process.stdin.flush()
        results = [(process.wait(180), process.stderr.read()) for process in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
            for stream in (process.stdin, process.stdout, process.stderr):
                stream.close()
    assert [code for code, _ in results] == [0, 0], results
    assert revisions_of(empty_url) == [head_revision()]
    assert preflight.schema_problem(make_engine(empty_url)) is None


def test_app_py_on_a_database_behind_the_code_starts_and_answers_503(settings, clock, backend, tmp_path):
    """app.py as a WSGI server imports it: it starts (its `flask --app app db upgrade` must still run) and its
    requests answer 503, its log naming `tthc db upgrade`."""
    if backend != "sqlite":
        pytest.skip("the same code on both; one process is enough")
    alembic(settings.resolved_database_url, "downgrade", "-1")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(PROJECT_ROOT),
           "TTHC_DATABASE_URL": settings.resolved_database_url, "TTHC_DATA_DIR": str(tmp_path / "wsgi")}
    code = ("from app import app; r = app.test_client().get('/api/v1/dossiers/HS-1'); "
            "print(r.status_code, r.get_json()['error']['message'])")
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("503 ") and "tthc db upgrade" not in done.stdout, done.stdout
    assert "tthc db upgrade" in done.stderr, done.stderr
