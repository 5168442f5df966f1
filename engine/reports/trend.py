"""Received and resolved per month, for the statistics page's trend chart: only what the chart draws.

The page used to run the whole D32 ``statistics()`` over six months grouped by month on every view (pending at
each month's end, supplements, extensions, letters, ratings, payments...) to draw two numbers a month. Here
are only those two, one GROUP BY each on ix_dossier_received_at / ix_dossier_resolved_at, with statistics' own
rules (its ``PeriodQuery``): ``received`` under the receiving agency, ``resolved`` under the resolving one
(D29: ``coalesce(processing_agency_id, agency_id)``), the citizens' dossiers only (D33), the agencies' and
procedures' filters alike, the Vietnam month of the instant. So the chart's month equals the table's.

A closed month is kept (``Kept``): its counts never change, because the facts behind them are written once
and never rewritten. ``received_at`` is set when the dossier is received (engine.cases.steps.intake) and
``resolved_at`` when its result is issued (engine.cases.steps.signing); the dossier's agency, processing
agency, procedure version and parent are set when it is filed; no dossier is deleted. Nothing rewrites a past
month, so nothing invalidates a kept one: a page view counts only the months not yet closed (the current one).
The scope is part of the key (the agencies' ids as the request expanded them, the procedures, the month's
bounds), so an agency moved in the tree, or another period's clipped month, is a new key, never a stale one.
A month counts as closed only ``SETTLED`` after its end: a receipt stamped at 23:59 and committed a moment
later, or a read replica a little behind, is in it by then.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.core.clock import VN_TZ
from engine.data.model import Dossier
from engine.reports.scope import Scope
from engine.reports.statistics import RECEIVING, RESOLVING, PeriodQuery
from engine.reports.vntime import vn_month

KEPT_MONTHS = 4096  # keys (scope × month) kept per process, least recently used dropped: a few hundred KB
SETTLED = timedelta(hours=1)  # how long after its end a month is taken as closed


class Kept:
    """Closed months' (received, resolved), per scope and month, bounded (LRU); shared by the requests' threads."""

    def __init__(self, size: int = KEPT_MONTHS):
        self.size, self.lock, self.months = size, threading.Lock(), OrderedDict()

    def get(self, key):
        with self.lock:
            found = self.months.get(key)
            if found is not None:
                self.months.move_to_end(key)
            return found

    def put(self, key, counts: tuple[int, int]) -> None:
        with self.lock:
            self.months[key] = counts
            self.months.move_to_end(key)
            while len(self.months) > self.size:
                self.months.popitem(last=False)


def _counted(session: Session, q: PeriodQuery, at, by: str) -> dict[str, int]:
    month = vn_month(at)
    rows = session.execute(select(month, func.count()).where(q.within(at), *q.filters(by)).group_by(month))
    return {key: number for key, number in rows}


def monthly(session: Session, scope: Scope, now: datetime, kept: Kept) -> list[tuple[str, int, int]]:
    """(``YYYY-MM``, received, resolved) for each month ``scope`` touches (clipped to it, as statistics'
    month rows are); the closed months from ``kept`` when it has them, the others counted and the newly
    closed ones kept."""
    months = scope.months()
    scope_key = (scope.agencies, scope.procedures)
    found = {month: kept.get((*scope_key, lo, hi)) for month, lo, hi in months}
    missing = [(month, lo, hi) for month, lo, hi in months if found[month] is None]
    if missing:
        # one span from the first month not kept to the end: two statements, whatever is kept in between
        span = replace(scope, start=missing[0][1].astimezone(VN_TZ).date(), group_by="month")
        q = PeriodQuery(session, span)
        received = _counted(session, q, Dossier.received_at, RECEIVING)
        resolved = _counted(session, q, Dossier.resolved_at, RESOLVING)
        for month, lo, hi in months:
            if lo < q.start:
                continue
            found[month] = (received.get(month, 0), resolved.get(month, 0))
            if hi + SETTLED <= now:
                kept.put((*scope_key, lo, hi), found[month])
    return [(month, *found[month]) for month, _lo, _hi in months]
