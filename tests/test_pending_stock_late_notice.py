"""A kept day end's stock and a payment notified after it but dated before it (D26: the gateway's time is the
truth; D32: a dossier waiting for a fee asked and not paid is pending within time). The dossier is received on
Monday 23/11/2026 09:30 with its fee owed; the citizen pays on Wednesday 25/11 at 23:50, the gateway tells the
engine on Thursday 26/11 at 02:00, after the worker kept the stock at the end of Wednesday (01:00). That stock
counted the fee as owed at the end of Wednesday: it is forgotten, counted from the dossiers again, and taken anew."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from conftest import vn
from payment_support import configure
from test_payment_notice_race_paydate import _at, _order, _signed, _waiting

from engine.data.stock_model import StockTaken
from engine.reports import readonly, stocks
from engine.reports.scope import Scope
from engine.reports.statistics import statistics

END_OF_WEDNESDAY = vn(2026, 11, 26, 0, 0)


@pytest.fixture(autouse=True)
def forget_taken():
    stocks._taken.clear()
    yield
    stocks._taken.clear()


def kept(app) -> list:
    with app.extensions["tthc"]["sessions"]() as session:
        return list(session.scalars(select(StockTaken.at).order_by(StockTaken.at)))


def pending(app, settings) -> tuple[int, int]:
    with readonly.report_session(settings) as session:
        total = statistics(session, settings, Scope(date(2026, 11, 1), date(2026, 11, 25)), vn(2026, 11, 26, 3)).total
    return total["pending_in_time"], total["pending_overdue"]


def test_a_payment_dated_before_a_kept_day_end_makes_that_end_counted_again_and_taken_anew(app, api, clock):
    configure(app)
    settings = app.extensions["tthc"]["settings"]
    sessions = app.extensions["tthc"]["sessions"]
    code = _waiting(api, clock)["code"]
    _at(api, clock, vn(2026, 11, 25, 13, 0))
    ref = _order(api, code)
    _at(api, clock, vn(2026, 11, 26, 1, 0))
    assert stocks.take_due(sessions, clock.now()) == 1 and kept(app) == [END_OF_WEDNESDAY]
    assert pending(app, settings) == (1, 0)
    _at(api, clock, vn(2026, 11, 26, 2, 0))  # paid 23:50 on Wednesday, told at 02:00 on Thursday
    assert api.get("/api/v1/payments/vnpay/ipn",
                   query_string=_signed(app, ref, "20261125235000")).get_json()["RspCode"] == "00"
    assert kept(app) == []  # forgotten: the report counts the end of Wednesday from the dossiers
    assert pending(app, settings) == (1, 0)
    assert stocks.take_due(sessions, vn(2026, 11, 26, 2, 5)) == 1  # the worker's next look takes it anew
    assert kept(app) == [END_OF_WEDNESDAY] and pending(app, settings) == (1, 0)


def test_a_payment_dated_after_the_kept_day_end_leaves_it(app, api, clock):
    configure(app)
    sessions = app.extensions["tthc"]["sessions"]
    code = _waiting(api, clock)["code"]
    _at(api, clock, vn(2026, 11, 26, 9, 0))
    ref = _order(api, code)
    assert stocks.take_due(sessions, clock.now()) == 1
    _at(api, clock, vn(2026, 11, 26, 9, 30))
    assert api.get("/api/v1/payments/vnpay/ipn",
                   query_string=_signed(app, ref, "20261126091500")).get_json()["RspCode"] == "00"
    assert kept(app) == [END_OF_WEDNESDAY]
