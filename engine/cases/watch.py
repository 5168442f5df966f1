"""The leaders' watch: open dossiers of the agency that are overdue or due within one working day, most urgent
first, a page at a time (issue 15). A dossier waiting for intake is watched by its receiving agency; once
received, by the agency that processes it (engine.cases.offers.agency_for, "watch": the processing agency its
offer names, else the receiving agency).

The due instant of each stage is stored (``intake_due_at`` while the dossier waits for intake, ``due_at`` after),
so both the filter and the order are ranges of the indexes dossier (agency_id, status, intake_due_at) and
(agency_id, status, due_at): a page reads its rows and no other, whatever the number of open dossiers. The work
items, apology letters and procedures of a page are read in one query each, never one per dossier.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, literal, select, tuple_, union_all
from sqlalchemy.orm import Session, lazyload, selectinload

from engine.cases import inbox, offers
from engine.cases.portal_cases import LEADER_ROLES, working_time_left
from engine.core.errors import Forbidden
from engine.core.settings import Settings
from engine.data import calendars
from engine.data.model import Dossier, Letter, User, WorkItem
from engine.law import apology, deadlines
from engine.law.statuses import PROCESSING, RECEIVED, SUBMITTED

PAGE = 50
# (status, the column of its due instant): the intake's, then the result's. One status a query: with its
# equality the index gives the rows in due order (an IN of two statuses would sort them all).
STAGES = ((SUBMITTED, Dossier.intake_due_at), (RECEIVED, Dossier.due_at), (PROCESSING, Dossier.due_at))


@dataclass
class Watch:
    rows: list[dict]         # "left": the working time left (negative once overdue), a page words it
    counts: dict[str, int]
    next: str | None
    versions: list = field(default_factory=list)  # held for the rows' dossiers (inbox.versions_of)
    day_length: timedelta = timedelta(hours=8)  # of the calendar the rows were counted on


def page(session: Session, user: User, now: datetime, settings: Settings, after: inbox.Cursor | None = None,
         limit: int = PAGE) -> Watch:
    """A page of the watch, its tallies (overdue, at risk) and the cursor of the next page."""
    if not (user.roles & LEADER_ROLES) or user.agency_id is None:
        raise Forbidden("Chỉ lãnh đạo xem được danh sách hồ sơ quá hạn, sắp đến hạn")
    cal = calendars.calendar_for(session, settings, user.agency.code)
    limit_at = inbox.at_risk_limit(cal, now)
    tallies, pages = [], []
    for status, column in STAGES:
        # the intake is the receiving agency's; then the processing agency's, if another (offers.agency_for)
        for whose in ((Dossier.agency_id == user.agency_id,) if status == SUBMITTED
                      else offers.watched_by(user.agency_id)):
            where = [whose, Dossier.status == status, column <= limit_at]
            tallies.append(select(func.count().filter(column <= now).label("overdue"), func.count().label("total"))
                           .where(*where))
            query = select(column.label("due"), Dossier.id.label("id")).where(*where)
            if after is not None:
                query = query.where(tuple_(column, Dossier.id) > tuple_(literal(after.at, column.type),
                                                                        literal(after.id)))
            pages.append(select(query.order_by(column, Dossier.id).limit(limit + 1).subquery()))
    # each range read by its own index, all in one round trip: the tallies, then the page's keys
    counts = {"overdue": 0, "at_risk": 0}
    for overdue, total in session.execute(union_all(*tallies)):
        counts["overdue"] += overdue
        counts["at_risk"] += total - overdue
    keys = [tuple(k) for k in session.execute(union_all(*pages))]
    keys.sort(key=lambda k: (k[0], k[1]))
    more, keys = len(keys) > limit, keys[:limit]
    ids = [k[1] for k in keys] or [-1]
    loaded = {d.id: d for d in session.scalars(select(Dossier).where(Dossier.id.in_(ids))
                                               .options(lazyload(Dossier.procedure_version)))}
    versions = inbox.versions_of(session, list(loaded.values()))
    items: dict[int, list[WorkItem]] = {}
    for item in session.scalars(select(WorkItem).where(WorkItem.dossier_id.in_(ids)).order_by(WorkItem.id)
                                .options(selectinload(WorkItem.assignee), lazyload(WorkItem.dossier))):
        items.setdefault(item.dossier_id, []).append(item)
    apologised = {dossier_id for dossier_id, faults in session.execute(
        select(Letter.dossier_id, Letter.faults).where(Letter.dossier_id.in_(ids))) if apology.OVERDUE in (faults or [])}
    rows = []
    for due, dossier_id in keys:
        dossier = loaded[dossier_id]
        intake = dossier.status == SUBMITTED
        left = None if intake else deadlines.time_left(dossier, cal, now)  # the result's, while its clock runs
        if left is None:
            left = working_time_left(cal, now, due)
        rows.append({"dossier": dossier, "stage": "intake" if intake else "processing", "due_at": due,
                     "state": "overdue" if due <= now else "at_risk", "left": left, "items": items.get(dossier_id, []),
                     "apology_needed": not intake and apology.overdue_apology_needed(dossier, now,
                                                                                     dossier_id in apologised)})
    last = keys[-1] if keys else None
    return Watch(rows, counts, inbox.Cursor("v", last[0], last[1]).text() if more and last else None, versions,
                 cal.day_length)
