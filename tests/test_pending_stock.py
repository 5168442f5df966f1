"""D32 pending dossiers at a past period's end, read from the stock the worker keeps at each day's end
(engine.reports.stocks) instead of the dossiers, and the same figures as counted from the dossiers.

March 2027 (tests/test_statistics.py, worked out by hand there): at the end of Wednesday 03/03, B, C and D were
pending, all in time; at the end of Friday 26/03, E alone, in time (due Monday 29/03 08:00); at the end of March,
E overdue and F in time. A day's end is the Vietnam midnight after it; its stock is taken an hour later.
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update

from conftest import CITIZEN, PASSWORD, password_hash, vn
from lienthong_support import FORM, PARENT_CODE, SO, build_lienthong, officer
from test_statistics import MARCH, REPORTED, database_url, march, pki_2027, settings  # noqa: F401  (fixtures)

from engine.cases import accounts
from engine.cli import DEMO_AGENCY
from engine.cli.demo import POLICE, ROOT
from engine.data import agencies
from engine.data.model import Dossier
from engine.data.stock_model import PendingStock, StockTaken
from engine.reports import readonly, stocks
from engine.reports.scope import Scope
from engine.reports.statistics import statistics

END_OF_3_MARCH, END_OF_26_MARCH, END_OF_MARCH = vn(2027, 3, 4, 0, 0), vn(2027, 3, 27, 0, 0), vn(2027, 4, 1, 0, 0)


@pytest.fixture(autouse=True)
def forget_taken():
    """Each test's database is new: what a process remembers having kept belongs to another one."""
    stocks._taken.clear()
    yield
    stocks._taken.clear()


def pending(settings, first: date, last: date, **scope) -> tuple[int, int]:
    with readonly.report_session(settings) as session:
        total = statistics(session, settings, Scope(first, last, **scope), REPORTED).total
    return total["pending_in_time"], total["pending_overdue"]


def test_a_kept_day_end_gives_the_figures_worked_out_by_hand_without_reading_the_dossiers(march, app, settings):
    sessions = app.extensions["tthc"]["sessions"]
    for end in (END_OF_3_MARCH, END_OF_26_MARCH, END_OF_MARCH):
        assert stocks.take(sessions, end, REPORTED) is True
        assert stocks.take(sessions, end, REPORTED) is False  # once: the instant is the key
    with sessions() as session:
        kept = {(r.at, r.counter): r.number for r in session.scalars(select(PendingStock))}
    assert kept == {(END_OF_3_MARCH, "pending_in_time"): 3, (END_OF_26_MARCH, "pending_in_time"): 1,
                    (END_OF_MARCH, "pending_in_time"): 1, (END_OF_MARCH, "pending_overdue"): 1}
    # The dossiers' receipts wiped: counted from the dossiers nothing would be pending; the kept stock still says
    with sessions.begin() as session:
        session.execute(update(Dossier).values(received_at=None))
    assert pending(settings, date(2027, 3, 1), date(2027, 3, 3)) == (3, 0)
    assert pending(settings, date(2027, 3, 1), date(2027, 3, 26)) == (1, 0)
    assert pending(settings, *MARCH) == (1, 1)
    assert pending(settings, *MARCH, group_by="month") == (1, 1)
    assert pending(settings, *MARCH, group_by="procedure") == (1, 1)
    # whatever the scope: the agency the counter counts under, the procedures
    with sessions() as session:
        demo = agencies.by_code(session, DEMO_AGENCY[0]).id
    assert pending(settings, *MARCH, agencies=frozenset({demo})) == (1, 1)
    assert pending(settings, *MARCH, agencies=frozenset({-5})) == (0, 0)
    assert pending(settings, *MARCH, procedures=frozenset({"9.999999"})) == (0, 0)
    # a day's end not kept is counted from the dossiers, as before (now without receipts: nothing)
    assert pending(settings, date(2027, 3, 1), date(2027, 3, 9)) == (0, 0)


def test_every_day_end_of_march_kept_equals_counted_from_the_dossiers(march, app, settings):
    sessions = app.extensions["tthc"]["sessions"]
    by_day = {}
    for day in range(1, 32):
        by_day[day] = pending(settings, date(2027, 3, 1), date(2027, 3, day))
        assert stocks.take(sessions, vn(2027, 3, day, 0, 0) + timedelta(days=1), REPORTED)
        assert pending(settings, date(2027, 3, 1), date(2027, 3, day)) == by_day[day], day
    assert by_day[3] == (3, 0) and by_day[26] == (1, 0) and by_day[31] == (1, 1)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(StockTaken)) == 31


def test_the_worker_keeps_each_day_end_an_hour_after_it_once_and_catches_up_after_a_stop(march, app):
    sessions = app.extensions["tthc"]["sessions"]
    with pytest.raises(ValueError):  # not settled yet: a receipt stamped 23:59 may still be committing
        stocks.take(sessions, END_OF_MARCH, vn(2027, 4, 1, 0, 30))
    # first beat ever, Thursday 01/04 00:30: the latest settled end is Wednesday's start (the end of 30/03)
    assert stocks.take_due(sessions, vn(2027, 4, 1, 0, 30)) == 1
    assert stocks.take_due(sessions, vn(2027, 4, 1, 0, 45)) == 0  # nothing new: no query either
    assert stocks.take_due(sessions, vn(2027, 4, 1, 1, 0)) == 1  # the end of March, an hour after it
    # the worker stopped two days: its first beat keeps the ends it missed, oldest first
    assert stocks.take_due(sessions, vn(2027, 4, 3, 9, 0)) == 2
    with sessions() as session:
        taken = list(session.scalars(select(StockTaken.at).order_by(StockTaken.at)))
        overdue = session.scalar(select(PendingStock.number).where(PendingStock.at == END_OF_MARCH,
                                                                    PendingStock.counter == "pending_overdue"))
    assert taken == [vn(2027, 3, 31, 0, 0), END_OF_MARCH, vn(2027, 4, 2, 0, 0), vn(2027, 4, 3, 0, 0)]
    assert overdue == 1  # E, due Monday 29/03 08:00
    # ten days stopped: a beat keeps at most CATCH_UP of them (it sweeps the timers too), the next beats the rest
    assert stocks.take_due(sessions, vn(2027, 4, 13, 9, 0)) == stocks.CATCH_UP == 4
    assert stocks.take_due(sessions, vn(2027, 4, 13, 9, 0)) == 4
    assert stocks.take_due(sessions, vn(2027, 4, 13, 9, 0)) == 2
    assert stocks.take_due(sessions, vn(2027, 4, 13, 9, 0)) == 0


def test_a_sub_dossier_is_kept_under_its_own_agency_and_the_citizens_dossier_under_the_resolving_one(app, api,
                                                                                                    clock):
    """D33: the Sở Tư pháp receives a criminal record request on Monday 07/12/2026 09:00 and hands the check to
    the police; at the end of Thursday 10/12 the Sở's dossier is pending in time and the police's share pending,
    each under its own agency, kept as counted."""
    build_lienthong(app)
    sessions = app.extensions["tthc"]["sessions"]
    with sessions.begin() as session:
        accounts.ensure_officer(session, clock.now(), "tinh.admin", "Quản trị tỉnh", {"administrator"},
                                agencies.by_code(session, ROOT), PASSWORD, password_hash=password_hash())
    clock.set(vn(2026, 12, 7, 8, 30))
    r = api.post("/api/v1/dossiers", CITIZEN, json={"procedure": PARENT_CODE, "form": FORM, "agency": SO})
    assert r.status_code == 201, r.get_json()
    clock.set(vn(2026, 12, 7, 9, 0))
    api.act(officer(SO, "intake"), r.get_json()["code"], "receive")
    clock.set(vn(2026, 12, 11, 9, 0))
    api.tokens.clear()

    def by_agency() -> dict:
        r = api.get("/api/v1/reports/statistics?from=2026-12-01&to=2026-12-10&group_by=agency", "tinh.admin")
        assert r.status_code == 200, r.get_data(as_text=True)[:300]
        return {row["key"]: (row["pending_in_time"], row["pending_overdue"], row["handovers_pending"])
                for row in r.get_json()["rows"] if any(row[k] for k in ("pending_in_time", "handovers_pending"))}

    counted = by_agency()
    assert counted == {SO: (1, 0, 0), POLICE: (0, 0, 1)}
    assert stocks.take_due(sessions, clock.now()) == 1  # the end of 10/12
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(PendingStock)) == 2
    assert by_agency() == counted


@pytest.mark.parametrize("group_by", [None, "agency", "procedure", "month"])
def test_a_period_not_begun_has_nothing_pending_whatever_the_grouping(march, settings, group_by):
    """May 2027 asked on 05/04/2027: nothing of it has happened, so nothing of it is pending (before, every grouping
    but the month's counted the dossiers pending now, as if the period ended today)."""
    scope = {"group_by": group_by} if group_by else {}
    assert pending(settings, date(2027, 5, 1), date(2027, 5, 31), **scope) == (0, 0)
    assert pending(settings, *MARCH, **scope) == (1, 1)
