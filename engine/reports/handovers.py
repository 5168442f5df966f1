"""D33 counters of an agency's share under liên thông: the requests it received from another agency's procedure
(the sub-dossiers ``hand_over`` opens, ``Dossier.parent_id`` set), counted under the sub-dossier's own agency.

- handovers_received: sub-dossiers received (handed over) in the period;
- handovers_answered: of the sub-dossiers, those answered (resolved) in the period; handovers_answered_late:
  answered after their due instant (the share's, D19 as for any dossier: recorded late or resolved after it);
- handovers_pending: handed over and neither answered nor stopped at the end of the period (of each month with
  group_by=month).

The citizen sees one dossier: these never enter the citizens' counters (received_*, resolved_*, pending_*) nor
the QĐ 766 indicators. Each a GROUP BY over the period's rows on the indexed received_at / resolved_at columns
(and the still open ones), as engine.reports.statistics reads the citizens' dossiers.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from engine.data.model import Dossier
from engine.reports import stocks

OWN = "receiving"  # the sub-dossier's own agency (engine.reports.statistics.RECEIVING)


def count(session: Session, q, counts, now: datetime) -> None:
    """Adds the handovers_* counters of ``q`` (a statistics.PeriodQuery) into ``counts`` (its _Counts)."""
    subs = q.filters(OWN, citizens=False)
    key = q.key(Dossier.received_at, OWN)
    for value, number in session.execute(select(*key, func.count())
                                         .where(q.within(Dossier.received_at), *subs).group_by(*key)):
        counts.add(q.group(value), "handovers_received", number)
    key = q.key(Dossier.resolved_at, OWN)
    late = or_(func.coalesce(Dossier.late, False), func.coalesce(Dossier.resolved_at > Dossier.due_at, False))
    late = func.sum(case((late, 1), else_=0))
    for value, number, answered_late in session.execute(
            select(*key, func.count(), late).where(q.within(Dossier.resolved_at), *subs).group_by(*key)):
        counts.add(q.group(value), "handovers_answered", number)
        counts.add(q.group(value), "handovers_answered_late", answered_late or 0)
    key = [] if q.scope.group_by == "month" else list(q.key(None, OWN))
    for group, counter, number in stocks.at_ends(session, q, now, ("handovers_pending",),  # kept, else counted
                                                 lambda end: stocks.handed_over(session, end, key, subs)):
        counts.add(group, counter, number)
