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
from sqlalchemy import update

from conftest import vn
from test_pending_stock import END_OF_3_MARCH, pending
from test_statistics import REPORTED, database_url, march, pki_2027, settings  # noqa: F401  (fixtures)

from engine.data.model import Dossier
from engine.data.stock_model import forget_after
from engine.reports import stocks

RESOLVED_LATE = vn(2027, 3, 3, 23, 0)  # before the end of Wednesday 03/03


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
        rows = counted(session, end)  # B, C and D: the fact is not committed yet
        thread.start()
        # The late fact is let run: with nothing ordering the two it commits (and forgets nothing) here, before
        # this stock is written; ordered, it waits for the take's commit, and this wait ends after its bound.
        thread.join(timeout=1.0)
        return rows

    monkeypatch.setattr(stocks, "count", count_then_the_late_fact)
    taken = stocks.take(sessions, END_OF_3_MARCH, REPORTED)
    thread.join()
    monkeypatch.setattr(stocks, "count", counted)
    assert taken is True and failures == []
    assert pending(settings, date(2027, 3, 1), date(2027, 3, 3)) == (2, 0)  # forgotten: counted from the dossiers
    assert stocks.take(sessions, END_OF_3_MARCH, REPORTED) is True  # taken anew, after the fact
    assert pending(settings, date(2027, 3, 1), date(2027, 3, 3)) == (2, 0)
