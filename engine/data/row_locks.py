"""Holding one row for the rest of the transaction, on SQLite and PostgreSQL alike.

Two transactions that each read a row, decide from it and write must not both decide from the same committed
state (two copies of one gateway notification, two PIN attempts on one signing request). ``SELECT ... FOR
UPDATE`` would do it on PostgreSQL, but SQLite has no row locks and takes its single write lock only at the
first write. An UPDATE that sets the primary key to itself changes nothing yet takes both: the row's lock on
PostgreSQL and the database's write lock on SQLite. The second transaction waits at that statement for the
first's commit, and then reads what the first wrote.
"""
from __future__ import annotations

from functools import lru_cache

from sqlalchemy import Table, bindparam, update
from sqlalchemy.orm import Session


@lru_cache(maxsize=32)  # one statement per table, built and compiled once
def _statement(table: Table):
    key = table.primary_key.columns.values()[0]
    return update(table).where(key == bindparam("_row")).values({key: key})


def hold(session: Session, table: Table, row_id: int) -> None:
    """Hold row ``row_id`` of ``table`` until the transaction ends; call it before reading the row (or what
    it guards), so that what is read is what the previous holder committed."""
    session.execute(_statement(table), {"_row": row_id}, execution_options={"synchronize_session": False})
