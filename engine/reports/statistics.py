"""D32 counters per agency, procedure or month over a period.

Row shape (``Report.rows``, and ``Report.total`` without ``key``/``label``): ``{"key": agency code | procedure
code | "YYYY-MM", "label": agency name | procedure name | "MM/YYYY", <counter>: int | float | None, ...}``
with the counters of ``COUNTERS`` (the names of api.md "Reports").

Each counter family is one GROUP BY query over the period's rows, served by the dossier's indexes on
(agency, received_at), (agency, resolved_at) and the open dossiers' partial index (migration 0013): the
history before the period is never read. The dossiers pending at its end are read from the stock the worker kept
at that day's end (engine.reports.stocks), else from those still open and those resolved since. The legal
verdicts (online, early / on time / late, overdue) are engine.law.counting's, applied to the grouped facts.
What each counter counts:

- received_*: dossiers validly received (receipt issued) in the period, by channel (D5: online when
  registered on the portal, by the citizen or by an officer on the citizen's behalf); ``digitised``: of
  those, with at least one electronic component; ``reused``: with a component taken from the citizen's store;
- resolved_*: dossiers resolved in the period, judged at resolution against the due date in force (D19);
  ``avg_resolution_working_hours``: their working time from receipt to result, without the time spent
  waiting for the applicant (the paused intervals): a supplement during processing, a fee (D26: the waits the due
  instant moved by, engine.law.payment.fee_waits);
- pending_*: received and not resolved (nor withdrawn or stopped: ``ended_at``) at the end of the period (of each month
  with group_by=month; the period's end is ``now`` at the latest); within time while waiting for a supplement or
  for a fee asked and not paid by then (its due instant moves when the wait ends);
- supplement_first / _second (and the second's kind, D11), extensions confirmed, apology letters issued (not those
  whose signature was withdrawn with the dossier; ``violations``: those recording a violation, D11b/D19), ratings
  given (D25) — in the period;
- payments / paid_online: fee payments made in the period (D26), and those made online through a gateway;
- handovers_*: an agency's share under liên thông (D33), engine.reports.handovers.

Whose counter (D29: the receiving agency may hand the processing to another): ``received_*``, ``digitised``,
``reused``, payments and the supplement requests of the intake stage count under the receiving agency
(``Dossier.agency_id``); resolved_*, the average hours, pending_*, the supplement requests of the processing
stage, extensions, ratings under the resolving one (``coalesce(processing_agency_id, agency_id)``, who held the
work); apology letters and violations under the agency at fault that issued them (D11b, D20: the receiving
one-stop for a second supplement request at intake, else the processing agency), by row and by the agency filter
alike.
The citizen sees one dossier (D33): those counters count the citizens' dossiers only, never a sub-dossier handed
to another agency's procedure (``parent_id`` set), which counts in handovers_* under its own agency alone.
Pending counts are a stock at a moment: with group_by=month the total's are those of the period's end (the last
month's row), not a sum of month ends.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from engine.core.settings import Settings
from engine.data.calendars import calendar_for
from engine.data.model import (
    Agency, AuditEvent, Dossier, Extension, Letter, Procedure, ProcedureVersion, SupplementRequest)
from engine.data.payment_model import Payment
from engine.data.portal_model import SatisfactionRating
from engine.data.signing_model import SigningRequest
from engine.law import counting, payment
from engine.law.statuses import PAYMENT
from engine.paperwork.registers import withdrawn_letter
from engine.reports import handovers, stocks
from engine.reports.scope import GROUP_BY, Scope
from engine.reports.vntime import vn_day, vn_month
from engine.reports.workclock import WorkClock

COUNTERS = (
    "received", "received_online", "received_desk", "received_post",
    "resolved", "resolved_early", "resolved_on_time", "resolved_late",
    "pending_in_time", "pending_overdue",
    "avg_resolution_working_hours",
    "supplement_first", "supplement_second", "supplement_second_not_met", "supplement_second_other",
    "extensions", "apologies", "violations", "payments", "paid_online",
    "digitised", "reused",
    "rating_count", "rating_avg",
    "handovers_received", "handovers_answered", "handovers_answered_late", "handovers_pending",
)
AVERAGES = ("avg_resolution_working_hours", "rating_avg")  # None when nothing was measured
PAID = ("paid", "refunded")  # a payment made (a refund later does not unmake the transaction)
STOCKS = ("pending_in_time", "pending_overdue", "handovers_pending")  # at a moment: the total's are the period end's
RECEIVING, RESOLVING = "receiving", "resolving"  # whose counter: the agency that received, or that resolves (D29)


@dataclass
class Report:
    scope: Scope
    generated_at: datetime
    rows: list[dict] = field(default_factory=list)
    total: dict = field(default_factory=dict)
    # The reasons given for second supplement requests of the period (D11), newest first (at most 100).
    second_reasons: list[dict] = field(default_factory=list)


class _Counts:
    """Counters per group key, with the sums behind the averages."""

    def __init__(self):
        self.by_key: dict = defaultdict(lambda: defaultdict(float))

    def add(self, key, name: str, amount: float = 1) -> None:
        self.by_key[key][name] += amount

    @staticmethod
    def finish(raw: dict) -> dict:
        row = {name: int(raw.get(name, 0)) for name in COUNTERS if name not in AVERAGES}
        hours, resolved = raw.get("_hours", 0.0), raw.get("_timed", 0)
        row["avg_resolution_working_hours"] = round(hours / resolved, 2) if resolved else None
        row["rating_avg"] = round(raw["_score"] / raw["rating_count"], 2) if raw.get("rating_count") else None
        return row


class PeriodQuery:
    """The scope turned into SQL: filters on the dossier and the group key of an event time."""

    def __init__(self, session: Session, scope: Scope):
        self.scope = scope
        self.start, self.end = scope.window
        self.versions: dict[int, int] = dict(session.execute(select(ProcedureVersion.id,
                                                                    ProcedureVersion.procedure_id)).all())
        self.procedure_ids = None
        if scope.procedures is not None:
            self.procedure_ids = set(session.scalars(select(Procedure.id)
                                                     .where(Procedure.code.in_(sorted(scope.procedures)))))

    def filters(self, by: str = RESOLVING, citizens: bool = True) -> list:
        """The scope's conditions on the dossier: the agencies (as ``by`` counts them: receiving, or resolving, the
        processing agency when the offer names one) and procedures; the citizens' dossiers only, or (``citizens``
        false) only the sub-dossiers handed over under liên thông."""
        found = [Dossier.parent_id.is_(None) if citizens else Dossier.parent_id.is_not(None)]
        if self.scope.agencies is not None:
            ids = sorted(self.scope.agencies)
            found.append(Dossier.agency_id.in_(ids) if by == RECEIVING else or_(
                Dossier.processing_agency_id.in_(ids),
                and_(Dossier.processing_agency_id.is_(None), Dossier.agency_id.in_(ids))))
        if self.procedure_ids is not None:
            found.append(Dossier.procedure_version_id.in_(sorted(self.version_ids()) or [-1]))
        return found

    def version_ids(self) -> set[int] | None:
        """The procedure versions of the scope's procedures (None: every one)."""
        if self.procedure_ids is None:
            return None
        return {v for v, p in self.versions.items() if p in self.procedure_ids}

    def kept_key(self, agency_id: int, version_id: int):
        """The group of a kept stock's row (engine.reports.stocks): its agency or its procedure."""
        return agency_id if self.scope.group_by == "agency" else self.versions.get(version_id)

    @staticmethod
    def agency(by: str):
        """The agency a counter counts under: the receiving one, or the resolving one (D29)."""
        return Dossier.agency_id if by == RECEIVING else func.coalesce(Dossier.processing_agency_id, Dossier.agency_id)

    def ends(self, now: datetime) -> list[tuple[str | None, datetime]]:
        """The instants pending dossiers are counted at: each month's end with group_by=month (the months begun by
        ``now``), else the period's; none after ``now``, and none for a period not begun by ``now`` (nothing of it
        is pending yet, whatever the grouping)."""
        if self.scope.group_by == "month":
            return [(month, min(hi, now)) for month, lo, hi in self.scope.months() if lo <= now]
        return [(None, min(self.end, now))] if self.start <= now else []

    def key(self, at, by: str = RESOLVING) -> tuple:
        """The columns that make the group key (agency id as ``by`` counts it, procedure version id, or the Vietnam
        month of ``at``)."""
        if self.scope.group_by == "agency":
            return (self.agency(by),)
        if self.scope.group_by == "procedure":
            return (Dossier.procedure_version_id,)
        return (vn_month(at),)

    def events(self, dossier_id, at, *columns, where=(), total=None, by: str = RESOLVING, agency=None):
        """A GROUP BY over the event rows of the period (``at`` within it, ``where``) of the citizens' dossiers by
        the group key (the agency as ``by`` counts it, or the event's own ``agency`` expression when it records
        one) and the labelled ``columns``, with their count (and the sum of ``total``). The event's dossier is
        looked up per row (its agency, procedure version and parent by primary key), never joined: for a few
        thousand events a join lets the planner read and hash the whole dossier table."""
        dossier_agency = select(self.agency(by)).where(Dossier.id == dossier_id).scalar_subquery()
        agency = dossier_agency if agency is None else func.coalesce(agency, dossier_agency)
        version = select(Dossier.procedure_version_id).where(Dossier.id == dossier_id).scalar_subquery()
        parent = select(Dossier.parent_id).where(Dossier.id == dossier_id).scalar_subquery()
        key = {"agency": agency, "procedure": version}.get(self.scope.group_by)
        filters = [parent.is_(None)]
        if self.scope.agencies is not None:
            filters.append(agency.in_(sorted(self.scope.agencies)))
        if self.procedure_ids is not None:
            filters.append(version.in_(sorted(v for v, p in self.versions.items() if p in self.procedure_ids) or [-1]))
        extra = [total.label("total")] if total is not None else []
        rows = (select((vn_month(at) if key is None else key).label("key"), *columns, *extra)
                .where(self.within(at), *where, *filters).subquery())
        grouped = [rows.c.key, *(rows.c[c.name] for c in columns)]
        sums = [func.sum(rows.c.total)] if total is not None else []
        return select(*grouped, func.count(), *sums).group_by(*grouped)

    def group(self, value):
        return self.versions.get(value) if self.scope.group_by == "procedure" else value

    def within(self, column):
        return and_(column >= self.start, column < self.end)


def _received(session: Session, q: PeriodQuery, counts: _Counts) -> None:
    key = q.key(Dossier.received_at, RECEIVING)
    rows = session.execute(
        select(*key, Dossier.channel, func.count(),
               func.sum(case((Dossier.has_electronic_component, 1), else_=0)),
               func.sum(case((Dossier.reuses_stored_document, 1), else_=0)))
        .where(q.within(Dossier.received_at), *q.filters(RECEIVING)).group_by(*key, Dossier.channel))
    for value, channel, number, with_files, with_reuse in rows:
        k = q.group(value)
        counts.add(k, "received", number)
        kind = "online" if counting.is_online(channel) else channel
        counts.add(k, f"received_{kind}", number)
        counts.add(k, "digitised", with_files or 0)
        counts.add(k, "reused", with_reuse or 0)


def _resolved(session: Session, q: PeriodQuery, counts: _Counts) -> None:
    key = q.key(Dossier.resolved_at)
    after_due = func.coalesce(Dossier.resolved_at > Dossier.due_at, False)
    before_day = func.coalesce(vn_day(Dossier.resolved_at) < vn_day(Dossier.due_at), False)
    rows = session.execute(
        select(*key, Dossier.late, after_due, before_day, func.count())
        .where(q.within(Dossier.resolved_at), *q.filters()).group_by(*key, Dossier.late, after_due, before_day))
    for value, late, after, before, number in rows:
        k = q.group(value)
        counts.add(k, "resolved", number)
        counts.add(k, f"resolved_{counting.resolution(bool(late), bool(after), bool(before))}", number)


def _resolution_hours(session: Session, settings: Settings, q: PeriodQuery, counts: _Counts) -> None:
    """Working hours from receipt to result, less the waits for the applicant (paused): the processing stage's
    supplements and the fees (engine.law.payment.fee_waits, as the due instant moved); the minutes kept at
    resolution, summed in SQL; dossiers resolved before they were kept are measured here alike."""
    key = q.key(Dossier.resolved_at)
    period = (q.within(Dossier.resolved_at), Dossier.received_at.is_not(None), *q.filters())
    kept = Dossier.resolution_working_minutes
    for value, minutes, number in session.execute(
            select(*key, func.sum(kept), func.count()).where(*period, kept.is_not(None)).group_by(*key)):
        counts.add(q.group(value), "_hours", (minutes or 0) / 60)
        counts.add(q.group(value), "_timed", number)
    period = (*period, kept.is_(None))
    rows = session.execute(select(*key, Dossier.id, Agency.code, Dossier.received_at, Dossier.resolved_at)
                           .join(Agency, Agency.id == Dossier.agency_id).where(*period)).all()
    if not rows:
        return
    pauses = defaultdict(list)
    for dossier_id, at, answered in session.execute(
            select(SupplementRequest.dossier_id, SupplementRequest.at, SupplementRequest.answered_at)
            .select_from(SupplementRequest).join(Dossier, Dossier.id == SupplementRequest.dossier_id)
            .where(SupplementRequest.stage == "processing", *period)):
        pauses[dossier_id].append((at, answered))
    changes = defaultdict(list)  # the status changes into and out of 6 (payment), in their order
    for dossier_id, *change in session.execute(
            select(AuditEvent.dossier_id, AuditEvent.at, AuditEvent.from_status, AuditEvent.to_status,
                   AuditEvent.data)
            .select_from(AuditEvent).join(Dossier, Dossier.id == AuditEvent.dossier_id)
            .where(or_(AuditEvent.to_status == PAYMENT, AuditEvent.from_status == PAYMENT), *period)
            .order_by(AuditEvent.id)):
        changes[dossier_id].append(change)
    for dossier_id, events in changes.items():
        pauses[dossier_id].extend(payment.fee_waits(events))
    clocks: dict[str, WorkClock] = {}
    for value, dossier_id, agency_code, received, resolved in rows:
        clock = clocks.get(agency_code)
        if clock is None:
            clock = clocks[agency_code] = WorkClock(calendar_for(session, settings, agency_code), q.scope.start)
        worked = counting.resolution_working_time(clock.between, received, resolved, pauses.get(dossier_id, ()))
        counts.add(q.group(value), "_hours", worked.total_seconds() / 3600)
        counts.add(q.group(value), "_timed")


def _pending(session: Session, q: PeriodQuery, counts: _Counts, now: datetime) -> None:
    """Received, not resolved and not ended at the end of the period (or of each month): engine.reports.stocks,
    from the stock kept at that day's end when there is one, else counted from the dossiers."""
    key = [] if q.scope.group_by == "month" else list(q.key(None))
    for group, counter, number in stocks.at_ends(session, q, now, STOCKS[:2],
                                                 lambda end: stocks.citizens(session, end, key, q.filters())):
        counts.add(group, counter, number)


def _events(session: Session, q: PeriodQuery, counts: _Counts, report: Report) -> None:
    """Supplement requests, extensions, apology letters and ratings made in the period."""
    kind = SupplementRequest.second_reason["kind"].as_string()
    intake = SupplementRequest.stage == "intake"  # asked by the receiving agency; else by the resolving one
    for by, stage in ((RECEIVING, intake), (RESOLVING, ~intake)):
        for value, reason, number in session.execute(
                q.events(SupplementRequest.dossier_id, SupplementRequest.at, kind.label("reason"), where=[stage],
                         by=by)):
            k = q.group(value)
            if reason is None:
                counts.add(k, "supplement_first", number)
            else:
                counts.add(k, "supplement_second", number)
                counts.add(k, "supplement_second_not_met" if reason == "applicant_not_compliant"
                           else "supplement_second_other", number)
    for value, number in session.execute(q.events(Extension.dossier_id, Extension.decided_at,
                                                  where=[Extension.state == "confirmed"])):
        counts.add(q.group(value), "extensions", number)
    # a letter whose signature was withdrawn with the dossier was never issued: no apology, nor violation (D32)
    for value, violation, number in session.execute(q.events(Letter.dossier_id, Letter.issued_at,
                                                             Letter.violation.label("violation"),
                                                             where=[Letter.kind == "apology", ~withdrawn_letter()],
                                                             agency=_at_fault())):
        counts.add(q.group(value), "apologies", number)
        if violation:
            counts.add(q.group(value), "violations", number)
    for value, method, number in session.execute(q.events(Payment.dossier_id, Payment.paid_at,
                                                          Payment.method.label("method"),
                                                          where=[Payment.status.in_(PAID)], by=RECEIVING)):
        counts.add(q.group(value), "payments", number)
        if method == "online":
            counts.add(q.group(value), "paid_online", number)
    for value, number, score in session.execute(q.events(SatisfactionRating.dossier_id, SatisfactionRating.at,
                                                         total=SatisfactionRating.score)):
        counts.add(q.group(value), "rating_count", number)
        counts.add(q.group(value), "_score", score or 0)
    report.second_reasons = [
        {"dossier": code, "at": at, "kind": reason.get("kind"), "explanation": reason.get("explanation"),
         "unmet_items": reason.get("unmet_items") or []}
        for code, at, reason in session.execute(
            select(Dossier.code, SupplementRequest.at, SupplementRequest.second_reason)
            .join(Dossier, Dossier.id == SupplementRequest.dossier_id)
            .where(SupplementRequest.second_reason.is_not(None), kind.is_not(None),
                   q.within(SupplementRequest.at), or_(and_(intake, *q.filters(RECEIVING)),
                                                       and_(~intake, *q.filters(RESOLVING))))
            .order_by(SupplementRequest.at.desc()).limit(100))]


def _at_fault():
    """The agency at fault for an apology letter (D11b, D20, D29): the one that issued it, whose head signed it and
    in whose register it is numbered (its signing request's ``agency_id``, engine.paperwork.letters.issue): the
    receiving one-stop for a second supplement request at intake, the processing agency for its own steps. An
    EXISTS-like lookup over the dossier's few requests (ix_signing_request_dossier_id); NULL (a letter without
    its request) falls back to the resolving agency."""
    return (select(SigningRequest.agency_id)
            .where(SigningRequest.dossier_id == Letter.dossier_id, SigningRequest.kind == "apology",
                   SigningRequest.payload["letter"].as_integer() == Letter.id)
            .limit(1).scalar_subquery())


def labels(session: Session, scope: Scope, keys) -> list[tuple]:
    """(group key, public key, label) in display order; chosen agencies and every month appear even when empty."""
    if scope.group_by == "month":
        months = [m for m, _lo, _hi in scope.months()]
        return [(m, m, f"{m[5:]}/{m[:4]}") for m in sorted(set(months) | {k for k in keys if k})]
    model = Agency if scope.group_by == "agency" else Procedure
    wanted = set(keys) | (set(scope.agencies or ()) if scope.group_by == "agency" else set())
    wanted.discard(None)
    if not wanted:
        return []
    rows = session.execute(select(model.id, model.code, model.name).where(model.id.in_(sorted(wanted))))
    return sorted(((i, code, name) for i, code, name in rows), key=lambda r: r[1])


def statistics(session: Session, settings: Settings, scope: Scope, now: datetime) -> Report:
    """The counters of ``scope``, one row per agency, procedure or month and a total."""
    if scope.group_by not in GROUP_BY:
        raise ValueError(f"group_by must be one of {GROUP_BY}")
    q, counts = PeriodQuery(session, scope), _Counts()
    report = Report(scope, now)
    _received(session, q, counts)
    _resolved(session, q, counts)
    _resolution_hours(session, settings, q, counts)
    _pending(session, q, counts, now)
    _events(session, q, counts, report)
    handovers.count(session, q, counts, now)
    total: dict = defaultdict(float)
    for raw in counts.by_key.values():
        for name, amount in raw.items():
            total[name] += amount
    if scope.group_by == "month":  # a stock, not a flow: the period end's (the last month's), never the sum
        ends = q.ends(now)
        last = counts.by_key.get(ends[-1][0], {}) if ends else {}
        for name in STOCKS:
            total[name] = last.get(name, 0)
    for group, key, label in labels(session, scope, counts.by_key):
        report.rows.append({"key": key, "label": label, **_Counts.finish(counts.by_key.get(group, {}))})
    report.total = _Counts.finish(total)
    return report


__all__ = ["AVERAGES", "COUNTERS", "GROUP_BY", "Report", "Scope", "statistics"]
