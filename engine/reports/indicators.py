"""QĐ 766/QĐ-TTg indicators (notes/domain-research.md §5.2) as far as the notes give a formula and the engine
holds the data: each with its id, group, name, formula text, inputs and value.

The values come from the D32 counters of the same scope (engine.reports.statistics), plus two counts the
counters do not hold (electronic results, dissatisfied ratings). Not computed, for want of data in the engine:
1a–1d (publication of procedures, synchronisation with the national portal), 4a, 4b, 4e (the catalogue's
service levels over time), 5a–5b (feedback and petitions, PAKN).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from engine.core.settings import Settings
from engine.core.vocabulary import INDICATORS as NAMES
from engine.data.model import Document, Dossier
from engine.data.portal_model import SatisfactionRating
from engine.reports.scope import Scope
from engine.reports.statistics import RESOLVING, PeriodQuery, statistics

DISSATISFIED = 2  # scores 1 and 2 of 5 (D25: 1 very unhappy)


@dataclass
class Indicator:
    id: str                  # "2a", "2b", "3a", ...
    group: int               # 1..5
    name: str                # the Vietnamese name
    formula: str             # the formula as text, naming the inputs
    inputs: dict[str, float | int | None] = field(default_factory=dict)
    value: float | None = None  # percent (0..100) or hours for 2b; None when the denominator is 0
    unit: str = "%"
    certainty: str = "R"     # V: verified formula; R: reconstructed (notes §5.2)


def _percent(part: float, whole: float) -> float | None:
    return round(100 * part / whole, 2) if whole else None


def _electronic_results(session: Session, q: PeriodQuery) -> int:
    """Citizens' dossiers resolved in the period with a result document issued electronically (signed PDF), under
    the resolving agency (as the counters' resolved)."""
    has_result = exists().where(Document.dossier_id == Dossier.id, Document.kind == "result")
    return session.scalar(select(func.count()).select_from(Dossier)
                          .where(q.within(Dossier.resolved_at), has_result, *q.filters(RESOLVING))) or 0


def _dissatisfied(session: Session, q: PeriodQuery) -> int:
    return session.scalar(select(func.count()).select_from(SatisfactionRating)
                          .join(Dossier, Dossier.id == SatisfactionRating.dossier_id)
                          .where(q.within(SatisfactionRating.at), SatisfactionRating.score <= DISSATISFIED,
                                 *q.filters(RESOLVING))) or 0


def _received_by_resolver(session: Session, q: PeriodQuery) -> int:
    """The citizens' dossiers received in the period under the agency that resolves them (D29), as the late share's
    other terms count (resolved late, pending overdue, carried over): the counters' ``received`` is the receiving
    agency's, so a ward that receives for a department would see the department's late dossier as on time."""
    return session.scalar(select(func.count()).select_from(Dossier)
                          .where(q.within(Dossier.received_at), *q.filters(RESOLVING))) or 0


def indicators(session: Session, settings: Settings, scope: Scope, now: datetime) -> list[Indicator]:
    """The indicators of ``scope`` (grouping ignored: one value per indicator)."""
    scope = replace(scope, group_by="agency")
    t = statistics(session, settings, scope, now).total
    eve = scope.start - timedelta(days=1)
    before = statistics(session, settings, replace(scope, start=eve, end=eve), now).total
    carried = before["pending_in_time"] + before["pending_overdue"]
    q = PeriodQuery(session, scope)
    electronic, unhappy = _electronic_results(session, q), _dissatisfied(session, q)
    received_here = _received_by_resolver(session, q)
    in_time = t["resolved_early"] + t["resolved_on_time"]
    late = t["pending_overdue"] + t["resolved_late"]
    total_hours = (t["avg_resolution_working_hours"] or 0) * t["resolved"]
    return [
        Indicator("2a", 2, NAMES["2a"],
                  "(resolved_early + resolved_on_time) / (resolved + pending_overdue) × 100",
                  {"resolved_early": t["resolved_early"], "resolved_on_time": t["resolved_on_time"],
                   "resolved": t["resolved"], "pending_overdue": t["pending_overdue"]},
                  _percent(in_time, t["resolved"] + t["pending_overdue"])),
        Indicator("2a-late", 2, NAMES["2a-late"],
                  "(pending_overdue + resolved_late) / (received + carried_over) × 100, each under the agency that "
                  "resolves the dossier",
                  {"pending_overdue": t["pending_overdue"], "resolved_late": t["resolved_late"],
                   "received": received_here, "carried_over": carried},
                  _percent(late, received_here + carried), certainty="V"),
        Indicator("2b", 2, NAMES["2b"],
                  "Σ working hours from receipt to result, without the waits for the applicant (supplements during "
                  "processing, fees) / resolved",
                  {"resolved": t["resolved"], "working_hours": round(total_hours, 2)},
                  t["avg_resolution_working_hours"], unit="h"),
        Indicator("3a", 3, NAMES["3a"],
                  "digitised / received × 100 (dossiers with at least one electronic component)",
                  {"digitised": t["digitised"], "received": t["received"]}, _percent(t["digitised"], t["received"])),
        Indicator("3b", 3, NAMES["3b"], "electronic_results / resolved × 100",
                  {"electronic_results": electronic, "resolved": t["resolved"]}, _percent(electronic, t["resolved"])),
        Indicator("3c", 3, NAMES["3c"], "reused / received × 100",
                  {"reused": t["reused"], "received": t["received"]}, _percent(t["reused"], t["received"])),
        Indicator("4c", 4, NAMES["4c"], "received_online / received × 100",
                  {"received_online": t["received_online"], "received": t["received"]},
                  _percent(t["received_online"], t["received"])),
        Indicator("4d", 4, NAMES["4d"], "paid_online / payments × 100",
                  {"paid_online": t["paid_online"], "payments": t["payments"]},
                  _percent(t["paid_online"], t["payments"])),
        Indicator("5c", 5, NAMES["5c"],
                  f"(rating_count − dissatisfied) / rating_count × 100 (dissatisfied: score ≤ {DISSATISFIED} of 5)",
                  {"rating_count": t["rating_count"], "dissatisfied": unhappy},
                  _percent(t["rating_count"] - unhappy, t["rating_count"])),
    ]
