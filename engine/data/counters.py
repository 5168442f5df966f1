"""Counters kept in one row each (the daily dossier sequence, the document registers).

Reading the history (``count(*) + 1``) to number something costs more as the tables grow, and two concurrent
transactions read the same count. A counter row costs one indexed UPDATE and serialises its users instead: the
row lock is held until the transaction ends, so no two committed transactions get the same value.

A register of documents must have no gap, so its number is taken inside the transaction that issues the document
(``next_value``). The dossier code (D6) only must never be reused: on PostgreSQL it is taken in a short transaction
of its own (``next_value_apart``), so filings of one agency do not queue behind each other's whole transaction; a
filing that then fails leaves a number unused, never a number used twice.
"""
from __future__ import annotations

from sqlalchemy import bindparam, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session


def next_value(session: Session, counter: type, **key) -> int:
    """The next value of the ``counter`` row (a mapped class with a ``last`` column) named by ``key``; the first
    value is 1. Two first uses at once: one INSERT wins, the other's savepoint rolls back and it bumps the row."""
    bump = _bump(counter, tuple(sorted(key)))
    # A Core statement on the session's connection: the ORM's bulk UPDATE would first look for counter objects in
    # the session to synchronise (there are none worth it: no use case reads a counter row as an object).
    number = session.connection().execute(bump, _params(key)).scalar()
    if number is None:
        try:
            with session.begin_nested():
                session.add(counter(**key, last=1))
            number = 1
        except IntegrityError:
            number = session.connection().execute(bump, _params(key)).scalar()
    return number


_bumps: dict[tuple, object] = {}


def _params(key: dict) -> dict:
    return {f"key_{name}": value for name, value in key.items()}


def _bump(counter: type, names: tuple[str, ...]):
    """``UPDATE <counter> SET last = last + 1 WHERE <key> RETURNING last``, built (and compiled) once per counter."""
    statement = _bumps.get((counter, names))
    if statement is None:
        table = counter.__table__
        statement = (update(table).where(*(table.c[name] == bindparam(f"key_{name}") for name in names))
                     .values(last=table.c.last + 1).returning(table.c.last))
        _bumps[(counter, names)] = statement
    return statement


def next_value_apart(session: Session, counter: type, **key) -> int:
    """``next_value``, committed at once in a transaction of its own on PostgreSQL (one upsert: the row lock is
    held for that statement only). SQLite has one writer at a time whatever is done, and a second connection
    would wait for the session's own write lock: there the value is taken in the session's transaction."""
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        return next_value(session, counter, **key)
    upsert = postgresql.insert(counter).values(**key, last=1)
    upsert = upsert.on_conflict_do_update(index_elements=list(key), set_={"last": counter.last + 1})
    with bind.connect() as conn:
        number = conn.execute(upsert.returning(counter.last)).scalar_one()
        conn.commit()
    return number
