"""D32: a stock kept at a day's end and a late fact that forgets it (engine.data.stock_model.forget_after) never
interleave. At the end of Wednesday 03/03/2027 B, C and D of March (tests/test_statistics.py) were pending, all in
time. While the worker takes that stock, a transaction records that D was in fact resolved at 23:00 that
Wednesday and forgets the stocks kept since (as a payment notice dated before a kept end does, D26). Whichever
commits first, the stock the reports then read says 2, never the 3 counted before the fact. Real SQLite and
PostgreSQL (``backend``); the late fact runs in a thread of its own, started from inside the take's count."""
from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import select, update

from conftest import vn
from test_pending_stock import END_OF_3_MARCH, pending
from test_statistics import REPORTED, database_url, march, pki_2027, settings  # noqa: F401  (fixtures)

from engine.data.model import Dossier
from engine.data.stock_model import StockTaken, forget_after
from engine.reports import stocks

RESOLVED_LATE = vn(2027, 3, 3, 23, 0)  # before the end of Wednesday 03/03


def kept(app) -> list:
    with app.extensions["tthc"]["sessions"]() as session:
        return list(session.scalars(select(StockTaken.at).order_by(StockTaken.at)))


@pytest.fixture(autouse=True)
def forget_taken():
    stocks._taken.clear()
    yield
    stocks._taken.clear()


def test_a_late_fact_committed_while_a_stock_is_counted_never_leaves_the_stale_count_kept(
        march, app, settings, monkeypatch):
    sessions = app.extensions["tthc"]["sessions"]
    assert pending(settings, date(2027, 3, 1), date(2027, 3, 3)) == (3, 0)
    failures: list[BaseException] = []

    def late_fact():
        try:
            with sessions.begin() as session:
                session.execute(update(Dossier).where(Dossier.code == march["D"]).values(resolved_at=RESOLVED_LATE))
                forget_after(session, RESOLVED_LATE, REPORTED)
        except BaseException as exc:  # noqa: BLE001 (reported by the test's thread)
            failures.append(exc)

    counted = stocks.count
    thread = threading.Thread(target=late_fact)

    def count_then_the_late_fact(session, end):
        rows = counted(session, end)  # B, C and D the first time: the fact is not committed yet
        if not thread.is_alive() and thread.ident is None:
            thread.start()
            # The late fact is let run: with nothing ordering the two it commits (and forgets nothing) here,
            # before this stock is written. PostgreSQL: it waits for the take's commit (the advisory lock), then
            # forgets the stock; this wait ends after its bound. SQLite: it commits, and the take's write is refused
            # (its count is stale), so the take counts again.
            thread.join(timeout=1.0)
        return rows

    monkeypatch.setattr(stocks, "count", count_then_the_late_fact)
    stocks.take(sessions, END_OF_3_MARCH, REPORTED)
    thread.join()
    monkeypatch.setattr(stocks, "count", counted)
    assert failures == []
    assert pending(settings, date(2027, 3, 1), date(2027, 3, 3)) == (2, 0)  # forgotten, or counted again
    stocks.take(sessions, END_OF_3_MARCH, REPORTED)  # the worker's next look: kept (again) if it was forgotten
    assert kept(app) == [END_OF_3_MARCH]
    assert pending(settings, date(2027, 3, 1), date(2027, 3, 3)) == (2, 0)


def test_a_transaction_writing_while_a_stock_is_counted_is_not_made_to_fail(march, app, settings, monkeypatch):
    """A command that had read in its own transaction (a savepoint opens it on SQLite) writes while the worker
    counts: it commits, never "database is locked" (a count holding SQLite's writer lock made such a write stale:
    SQLite refuses it at once, whatever the busy timeout); on SQLite the take then counts again."""
    sessions = app.extensions["tthc"]["sessions"]
    counted = stocks.count
    done: list = []
    read, go = threading.Event(), threading.Event()

    def command():
        try:
            with sessions.begin() as session, session.begin_nested():
                session.get(Dossier, 1)
                read.set()
                go.wait(5)
                session.execute(update(Dossier).where(Dossier.code == march["A"]).values(owner_name="Trần Văn Khác"))
            done.append("committed")
        except BaseException as exc:  # noqa: BLE001 (reported by the test's thread)
            done.append(exc)

    thread = threading.Thread(target=command)
    thread.start()
    read.wait(5)

    def count_while_the_command_writes(session, end):
        rows = counted(session, end)
        go.set()
        thread.join(timeout=1.0)
        return rows

    monkeypatch.setattr(stocks, "count", count_while_the_command_writes)
    assert stocks.take(sessions, END_OF_3_MARCH, REPORTED) is True
    thread.join()
    monkeypatch.setattr(stocks, "count", counted)
    assert done == ["committed"], done
    assert pending(settings, date(2027, 3, 1), date(2027, 3, 3)) == (3, 0)
