"""The connection reports read through: read-only, with a time limit per statement, on the read replica when
one is configured (``report_database_url``), else on the main database.

A report over a long period must not hold the database that officers and citizens write to: on PostgreSQL each
report runs in a READ ONLY transaction with ``SET LOCAL statement_timeout``; on SQLite the connection is opened
read-only (``mode=ro``, ``query_only``) and a progress handler interrupts the report once it runs past the limit. Either
way an over-time report ends with ``ReportTimeout`` (503, a message saying to choose a shorter period), and a
report can never write.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from engine.core.errors import EngineError
from engine.core.settings import Settings
from engine.data.db import make_engine

PG_QUERY_CANCELED = "57014"
_engines: dict[str, Engine] = {}
_lock = threading.Lock()


class ReportTimeout(EngineError):
    """The report took longer than ``report_statement_timeout_seconds``: it was cancelled, nothing held."""

    status, code = 503, "report_timeout"


def _read_only_url(url: str) -> str:
    """A SQLite file URL opened read-only (``mode=ro``); other URLs unchanged."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return url
    return f"sqlite:///file:{parsed.database}?mode=ro&uri=true"


def report_engine(settings: Settings) -> Engine:
    """One engine per report database for the process (connections pooled)."""
    url = _read_only_url(settings.resolved_report_database_url)
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            if url.startswith("sqlite"):
                engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

                @event.listens_for(engine, "connect")
                def _query_only(dbapi_conn, _record):  # pragma: no cover - trivial
                    dbapi_conn.execute("PRAGMA query_only=ON")
            else:
                engine = make_engine(url, pool_size=2, max_overflow=4)
            _engines[url] = engine
    return engine


def dispose_engines() -> None:
    """Close every report engine (tests, and a process that stops)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


def is_timeout(exc: BaseException) -> bool:
    orig = getattr(exc, "orig", None)
    if getattr(orig, "sqlstate", None) == PG_QUERY_CANCELED:
        return True
    return orig is not None and type(orig).__module__.startswith("sqlite3") and "interrupted" in str(orig)


@contextmanager
def report_session(settings: Settings, timeout: float | None = None) -> Iterator[Session]:
    """A session for one report: read-only and limited to ``timeout`` seconds per statement (default: the
    setting). Its transaction is rolled back at the end; an over-time statement raises ``ReportTimeout``."""
    seconds = settings.report_statement_timeout_seconds if timeout is None else timeout
    engine = report_engine(settings)
    session = Session(engine)
    raw = None
    try:
        if engine.dialect.name == "postgresql":
            session.execute(text("SET TRANSACTION READ ONLY"))
            session.execute(text(f"SET LOCAL statement_timeout = {max(1, int(seconds * 1000))}"))
            # a report's per-row index lookups (by dossier id) raise the planner's cost estimate past the JIT's
            # threshold: compiling took longer than running (step times at 20k dossiers: 1.3 s against 0.5 s)
            session.execute(text("SET LOCAL jit = off"))
        elif engine.dialect.name == "sqlite":
            raw = session.connection().connection.dbapi_connection
            deadline = time.monotonic() + seconds
            raw.set_progress_handler(lambda: time.monotonic() > deadline, 1000)
        try:
            yield session
        except OperationalError as exc:
            if is_timeout(exc):
                raise ReportTimeout(
                    f"Báo cáo vượt quá {seconds:g} giây và đã được dừng; hãy chọn khoảng thời gian ngắn hơn "
                    "hoặc ít cơ quan hơn") from None
            raise
    finally:
        if raw is not None:
            raw.set_progress_handler(None, 0)
        session.rollback()
        session.close()
