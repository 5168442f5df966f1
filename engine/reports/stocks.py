"""The dossiers pending at the end of a period (D32 pending_in_time / pending_overdue, D33 handovers_pending),
counted from the dossiers or read from the stock kept at the end of each Vietnam day.

A stock at an instant E: received before E, neither resolved nor ended (withdrawn, stopped) before E. Counted
from the dossiers, it reads every one still open and every one resolved since E (the open dossiers' partial
index and ix_dossier_resolved_at): for a period a year back that is a year of results, read again at each view,
and the report form reads two (its carried-over stock at the period's start). So the worker takes each day's
closing stock once, ``SETTLED`` after midnight, when that read is the open dossiers and an hour's results
(``take_due``): rows (instant, agency, procedure version, counter, number) of the whole province, which every
later report reads in place of the dossiers, whatever its agencies, procedures and grouping, since each row names
the agency the counter counts under (the resolving one for the citizens' dossiers, the sub-dossier's own under
liên thông, as ``engine.reports.statistics`` says) and the procedure version.

What a kept stock says is what was known an hour after the day's end, and stays so. The facts before an instant
are written once (engine.reports.trend), all but a dossier's due instant, which a later extension or an
answered supplement moves: a stock taken at the end judges within time / overdue as it stood then, as the report
of that day did (D19: late once, late in every report). A payment the gateway notifies after a kept end but
dates before it (D26: the gateway's time is the truth) makes those ends forgotten and taken again. A period whose
end was not kept (before the worker kept stocks, or a period ending today) is counted from the dossiers, as
before.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, time, timedelta

from sqlalchemy import and_, case, func, insert, literal, or_, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from engine.core.clock import VN_TZ
from engine.data.db import is_contention
from engine.data.model import Dossier, SupplementRequest
from engine.data.payment_model import Payment
from engine.data.stock_model import PendingStock, StockTaken, serialise
from engine.law import counting

log = logging.getLogger(__name__)
SETTLED = timedelta(hours=1)  # how long after a day's end its stock is taken (a receipt committed late is in)
CATCH_UP = 4  # day ends taken at most per beat after a stop (oldest first): a beat also sweeps the timers
OWED = ("pending", "failed")  # a fee asked and not settled (no paid_at): the dossier waits for it in status 6
RESOLVING = func.coalesce(Dossier.processing_agency_id, Dossier.agency_id)  # whose pending_* (D29)
RECHECK = timedelta(minutes=10)  # how often a worker looks again at a day end it kept (a late notice forgets it)
ATTEMPTS = 3  # counts of one day end in a take, when other commits keep making it stale (SQLite)
_taken: dict[str, tuple[datetime, datetime]] = {}  # database → (the newest day end it knows kept, when it looked)


def _found(*where):
    """True when a row answers ``where`` (the dossier's rows by its id): the first one's lookup, never hashed."""
    return select(literal(1)).where(*where).limit(1).scalar_subquery().is_not(None)


def _pending_at(end: datetime) -> list[list]:
    """Received before ``end``, neither resolved nor ended before it: as two disjoint conditions, the dossiers
    still without a result and those resolved since ``end``, each read off its own range of ix_dossier_resolved_at
    (one OR of the two let SQLite, without statistics, read every dossier received before ``end`` instead)."""
    ended = and_(Dossier.ended_at.is_not(None), Dossier.ended_at < end)
    # resolved since ``end``: the receipt before it only checked on those rows (an expression no index serves;
    # the range of results since ``end`` is the short one, the receipts before it are the whole history)
    received_before = func.coalesce(Dossier.received_at, Dossier.received_at) < end
    return [[Dossier.resolved_at.is_(None), Dossier.received_at < end, ~ended],
            [Dossier.resolved_at >= end, received_before, ~ended]]


def citizens(session: Session, end: datetime, key: list, where: list) -> Iterable[tuple]:
    """(*key, counter, number) of the citizens' dossiers (``where`` says which) pending at ``end``. Waiting for
    the applicant then (a supplement asked during processing and not answered, a fee asked and not paid), a
    dossier is within time whatever its due instant (counting.pending). A fee exempted records no time: owed no
    more.

    The wait is asked only where it decides the count (run out, not recorded overdue: counting.pending ignores it
    elsewhere), each time a lookup of the dossier's few rows by its id (ix_supplement_request_dossier_id,
    ix_payment_dossier_id) written as a scalar subquery with LIMIT 1: an EXISTS there lets PostgreSQL hash the
    whole supplement_request (and payment) table instead, history included."""
    waiting = _found(SupplementRequest.dossier_id == Dossier.id, SupplementRequest.stage == "processing",
                     SupplementRequest.at < end,
                     or_(SupplementRequest.answered_at.is_(None), SupplementRequest.answered_at >= end))
    owing = _found(Payment.dossier_id == Dossier.id, Payment.moment != "filing", Payment.requested_at < end,
                   or_(and_(Payment.paid_at.is_(None), Payment.status.in_(OWED)), Payment.paid_at >= end))
    run_out = func.coalesce(Dossier.due_at <= end, False)
    recorded = func.coalesce(Dossier.overdue_at < end, False)  # D19: late once, late in every report
    waits = case((~run_out, False), (recorded, False), (waiting, True), (owing, True),
                 else_=False)  # CASE asks in order: the lookups only for the dossiers run out, not recorded
    for pending in _pending_at(end):  # the rows of a key may come from both: the callers add them up
        rows = session.execute(select(*key, run_out, waits, recorded, func.count())
                               .where(*pending, *where).group_by(*key, run_out, waits, recorded))
        for *value, overdue, waited, was_overdue, number in rows:
            yield (*value, f"pending_{counting.pending(bool(overdue), bool(waited), bool(was_overdue))}", number)


def handed_over(session: Session, end: datetime, key: list, where: list) -> Iterable[tuple]:
    """(*key, "handovers_pending", number) of the sub-dossiers (``where``) handed over and neither answered nor
    stopped at ``end``."""
    # the key as expressions: grouped by a bare agency column, SQLite walked the whole (agency, resolved_at) index
    # for its order rather than the short range of results since ``end``
    key = [func.coalesce(k, k) for k in key]
    for pending in _pending_at(end):
        for *value, number in session.execute(select(*key, func.count()).where(*pending, *where).group_by(*key)):
            yield (*value, "handovers_pending", number)


def kept(session: Session, ends: Iterable[datetime]) -> set[datetime]:
    """Those of ``ends`` whose stock is kept."""
    ends = sorted(set(ends))
    if not ends:
        return set()
    return set(session.scalars(select(StockTaken.at).where(StockTaken.at.in_(ends))))


def read(session: Session, end: datetime, counters: tuple[str, ...], agencies=None,
         versions=None) -> Iterable[tuple]:
    """(agency id, procedure version id, counter, number) of the stock kept at ``end``: ``counters`` only, of
    ``agencies`` and ``versions`` (ids) when given."""
    query = select(PendingStock.agency_id, PendingStock.procedure_version_id, PendingStock.counter,
                   PendingStock.number).where(PendingStock.at == end, PendingStock.counter.in_(counters))
    if agencies is not None:
        query = query.where(PendingStock.agency_id.in_(sorted(agencies)))
    if versions is not None:
        query = query.where(PendingStock.procedure_version_id.in_(sorted(versions) or [-1]))
    return session.execute(query)


def at_ends(session: Session, q, now: datetime, counters: tuple[str, ...], counted) -> Iterable[tuple]:
    """(group, counter, number) of the stocks at the ends of ``q`` (an engine.reports.statistics.PeriodQuery: each
    month's end with group_by=month, else the period's): read from the stock kept at an end when there is one,
    ``counters`` only, in ``q``'s scope; else ``counted(end)``, rows (*group key value, counter, number) counted
    from the dossiers (``citizens``, ``handed_over``)."""
    ends = q.ends(now)
    kept_ends = kept(session, [end for _month, end in ends])
    for month, end in ends:
        if end in kept_ends:
            for agency_id, version_id, counter, number in read(session, end, counters, q.scope.agencies,
                                                               q.version_ids()):
                yield (month if month is not None else q.kept_key(agency_id, version_id)), counter, number
        else:
            for *value, counter, number in counted(end):
                yield (month if month is not None else q.group(value[0])), counter, number


def count(session: Session, end: datetime) -> list[dict]:
    """The whole province's stock at ``end``, as rows of ``pending_stock``."""
    version = Dossier.procedure_version_id
    rows = [*citizens(session, end, [RESOLVING, version], [Dossier.parent_id.is_(None)]),
            *handed_over(session, end, [Dossier.agency_id, version], [Dossier.parent_id.is_not(None)])]
    totals: dict[tuple, int] = {}
    for agency_id, version_id, counter, number in rows:
        totals[(agency_id, version_id, counter)] = totals.get((agency_id, version_id, counter), 0) + number
    return [{"at": end, "agency_id": a, "procedure_version_id": v, "counter": c, "number": n}
            for (a, v, c), n in sorted(totals.items()) if n]


def closed_end(now: datetime) -> datetime:
    """The newest day end whose stock may be taken at ``now`` (``SETTLED`` after it)."""
    day = (now - SETTLED).astimezone(VN_TZ).date()
    return datetime.combine(day, time.min, VN_TZ)


def take(sessions: sessionmaker, end: datetime, now: datetime) -> bool:
    """Keeps the stock at ``end``, once: the count, its rows and its ``stock_taken`` row in one transaction. False
    when it was kept already (by this worker before, or by another one meanwhile: the instant is the key), or when
    it could not be taken now (the next beat tries again).

    A late fact that forgets kept stocks (engine.data.stock_model.forget_after) never falls between the count and
    the write, and no writer waits for the count (about 0.7 s at a million dossiers). On PostgreSQL an advisory
    lock orders the take and the forgetting (stock_model.serialise); the count takes no row lock. On SQLite the
    transaction begins before the count and writes only if nothing was committed since: SQLite refuses the write
    of a transaction whose reads another commit made stale, and the take then counts again (``ATTEMPTS``)."""
    if end + SETTLED > now:
        raise ValueError(f"the stock at {end} is not settled at {now}")
    for _attempt in range(ATTEMPTS):
        try:
            with sessions.begin() as session:
                if session.get_bind().dialect.name == "sqlite":  # the count's reads and the write: one snapshot
                    session.connection().exec_driver_sql("BEGIN")
                serialise(session)
                if session.get(StockTaken, end) is not None:
                    return False
                rows = count(session, end)
                session.add(StockTaken(at=end, taken_at=now))
                session.flush()
                if rows:
                    session.execute(insert(PendingStock), rows)
            return True
        except IntegrityError:
            return False
        except OperationalError as exc:  # SQLite: committed meanwhile (or the writer's lock held too long)
            if not is_contention(exc):
                raise
    log.info("the stock at %s was not kept: the database kept changing while it was counted", end)
    return False


def take_due(sessions: sessionmaker, now: datetime) -> int:
    """The worker's beat: keeps the stock of each day end not yet kept, from the newest one kept (at first, only
    the latest day end: the days before are counted from the dossiers as before) to the latest settled one, at
    most ``CATCH_UP`` per beat; those a late fact made forgotten (engine.data.stock_model.forget_after) again.
    Returns how many it kept. Never raises (logged)."""
    latest = closed_end(now)
    try:
        with sessions() as session:
            database = str(session.get_bind().url)
            known = _taken.get(database)
            if known is not None and known[0] == latest and now - known[1] < RECHECK:
                return 0
            newest = session.scalar(select(func.max(StockTaken.at)))
        day = latest if newest is None else newest.astimezone(VN_TZ) + timedelta(days=1)
        taken = 0
        while day <= latest and taken < CATCH_UP:
            end = datetime.combine(day.date(), time.min, VN_TZ)
            taken += take(sessions, end, now)
            day = end + timedelta(days=1)
        if day > latest:
            _taken[database] = (latest, now)
        return taken
    except Exception:
        log.exception("keeping the pending stock failed")
        return 0
