"""Database plumbing: the declarative Base with its type policy, engines and sessions.

Times are stored as aware UTC everywhere (SQLite gives naive values back; the type adds UTC again).
Enums are plain strings checked by the code, so migrations never fight native enum types.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import JSON, Date, DateTime, MetaData, String, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out, on SQLite and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {
        datetime: UTCDateTime(),
        date: Date(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
        str: String(),
    }


def make_engine(url: str, **kwargs) -> Engine:
    """An engine for ``url``; SQLite gets foreign keys and a busy timeout so threads wait, not fail."""
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": 30, "check_same_thread": False})
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            # In WAL mode NORMAL never corrupts the database; a power cut may lose the last commits only.
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "savepoint")
        def _begin_before_savepoint(conn, _name):
            """Python's sqlite3 opens its transaction before a write, never before a SAVEPOINT: a savepoint as the
            transaction's first statement would open it in SQLite itself, and its RELEASE would then COMMIT,
            whatever the unit of work does after. So the transaction is opened first."""
            dbapi = conn.connection.dbapi_connection
            if not dbapi.in_transaction:
                dbapi.execute("BEGIN")

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


SQLITE_BUSY, SQLITE_LOCKED = 5, 6  # SQLite's primary result codes (SQLITE_BUSY_SNAPSHOT is 5 + 512)
PG_CONTENTION = {"40001", "40P01", "55P03"}  # serialization failure, deadlock detected, lock not available


def is_contention(exc: BaseException) -> bool:
    """Another transaction holds, or has just changed, what this one needs: worth a retry, not a bug. Told by the
    driver's error code, never by reading its message."""
    orig = getattr(exc, "orig", None)
    if getattr(orig, "sqlstate", None) in PG_CONTENTION or getattr(orig, "pgcode", None) in PG_CONTENTION:
        return True
    code = getattr(orig, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in (SQLITE_BUSY, SQLITE_LOCKED)


def make_sessionmaker(engine: Engine) -> sessionmaker:
    return sessionmaker(bind=engine, expire_on_commit=False)
