"""Counters kept in one row each (the daily dossier sequence, the document registers).

Reading the history (``count(*) + 1``) to number something costs more as the tables grow, and two concurrent
transactions read the same count. A counter row costs one indexed UPDATE and serialises its users instead: the
row lock is held until the transaction ends, so no two committed transactions get the same value.
"""
from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session


def next_value(session: Session, counter: type, **key) -> int:
    """The next value of the ``counter`` row (a mapped class with a ``last`` column) named by ``key``; the first
    value is 1. Two first uses at once: one INSERT wins, the other's savepoint rolls back and it bumps the row."""
    bump = (update(counter).where(*(getattr(counter, name) == value for name, value in key.items()))
            .values(last=counter.last + 1).returning(counter.last))
    number = session.execute(bump).scalar()
    if number is None:
        try:
            with session.begin_nested():
                session.add(counter(**key, last=1))
            number = 1
        except IntegrityError:
            number = session.execute(bump).scalar()
    return number
