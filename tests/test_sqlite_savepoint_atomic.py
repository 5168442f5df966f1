"""A unit of work is all or nothing on SQLite as on PostgreSQL: a savepoint that is the transaction's first
statement must not commit when it is released (Python's sqlite3 opens no transaction before a SAVEPOINT, and
SQLite then treats the outermost RELEASE as a COMMIT). Found by a review: a batch migration answering 500 had
kept its first dossier migrated and audited, though the page said nothing was done."""
from __future__ import annotations

import pytest
from sqlalchemy import select, text

from engine.data.db import make_engine, make_sessionmaker


@pytest.fixture
def sessions(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'atomic.sqlite3'}")
    with engine.begin() as conn:
        conn.execute(text("create table t (v integer)"))
    yield make_sessionmaker(engine)
    engine.dispose()


def rows(sessions) -> list[int]:
    with sessions() as session:
        return list(session.scalars(select(text("v")).select_from(text("t"))))


def test_a_savepoint_first_then_a_failure_leaves_nothing_written(sessions):
    with pytest.raises(RuntimeError):
        with sessions.begin() as session:
            with session.begin_nested():
                session.execute(text("insert into t values (1)"))
            raise RuntimeError("the request fails after its first savepoint")
    assert rows(sessions) == []


def test_a_savepoint_rolled_back_keeps_the_work_before_and_after_it(sessions):
    with sessions.begin() as session:
        with pytest.raises(RuntimeError):
            with session.begin_nested():
                session.execute(text("insert into t values (1)"))
                raise RuntimeError("one dossier fails")
        with session.begin_nested():
            session.execute(text("insert into t values (2)"))
        session.execute(text("insert into t values (3)"))
    assert rows(sessions) == [2, 3]


def test_begin_immediate_still_takes_the_write_lock_first(sessions):
    """The timer sweep's own BEGIN IMMEDIATE (engine.timers.sweep) before its savepoints still works."""
    with sessions.begin() as session:
        session.connection().exec_driver_sql("BEGIN IMMEDIATE")
        with session.begin_nested():
            session.execute(text("insert into t values (4)"))
    assert rows(sessions) == [4]
