"""D6: the dossier code is a daily sequence per agency, never reused, allocated safely under concurrency.

On PostgreSQL the number is taken in a short transaction of its own (engine.data.counters.next_value_apart): a
filing whose transaction is still open does not hold up another filing of the same agency, and a filing rolled
back leaves its number unused rather than giving it to someone else.
"""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from conftest import CITIZEN, SAMPLE_CODE, SAMPLE_FORM
from engine.cases import filing
from engine.cases.dossiers import Context
from engine.data.model import DayCounter, User


def _file(app, session):
    ext = app.extensions["tthc"]
    user = session.scalar(select(User).where(User.username == CITIZEN))
    return filing.file_dossier(session, Context(user, ext["clock"].now(), ext["settings"]),
                                 {"procedure": SAMPLE_CODE, "form": SAMPLE_FORM})


def test_a_filing_still_open_does_not_hold_up_the_next_filing_of_the_agency(app, backend, clock):
    if backend == "sqlite":
        pytest.skip("SQLite has one writer at a time: the number is taken in the filing's own transaction")
    sessions = app.extensions["tthc"]["sessions"]
    first = sessions()
    try:
        held = _file(app, first)  # its transaction stays open: the dossier row is not committed
        assert held.code.endswith("-0001")
        done: dict = {}

        def other() -> None:
            with sessions() as session:
                done["code"] = _file(app, session).code
                session.commit()

        thread = threading.Thread(target=other)
        thread.start()
        thread.join(timeout=20)
        assert not thread.is_alive(), "the second filing waited for the first one's transaction"
        assert done["code"].endswith("-0002")
        first.rollback()  # the first filing fails after its number was taken
    finally:
        first.close()
    with sessions() as session:
        third = _file(app, session)
        session.commit()
        assert third.code.endswith("-0003")  # 0001 is never given to anyone else
        day = third.code.split("-")[1]
        assert session.scalar(select(DayCounter.last).where(DayCounter.day == day)) == 3


def test_the_sequence_is_per_agency_and_per_day_and_starts_at_one(app, clock):
    sessions = app.extensions["tthc"]["sessions"]
    with sessions() as session:
        codes = [_file(app, session).code for _ in range(3)]
        session.commit()
    assert [c[-4:] for c in codes] == ["0001", "0002", "0003"]
    assert len({c.rsplit("-", 1)[0] for c in codes}) == 1  # <agency>-<YYMMDD>
    clock.advance(days=1)
    with sessions() as session:
        tomorrow = _file(app, session).code
        session.commit()
    assert tomorrow.endswith("-0001") and tomorrow.split("-")[1] != codes[0].split("-")[1]
