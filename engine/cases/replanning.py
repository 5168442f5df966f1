"""Re-planning after a calendar change: the open dossiers whose deadlines run over the changed day get them
counted again under the new calendar (D13–D16).

An administrator's override (`tthc calendar set/clear`) changes one day. A deadline ending before that day
cannot move; one ending on it or later is counted again (engine.core.calendar.moved): the result's due
instant and the original one, the intake deadline of a dossier waiting for its check, the work items' due
times and the next timer. The dossiers are read in pages by id, one transaction per page, so that the
command never holds the whole table in memory nor one long transaction.
"""
from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, defer, sessionmaker

from engine.cases.dossiers import plan_timers
from engine.core.calendar import WorkingCalendar, moved
from engine.core.clock import VN_TZ
from engine.core.settings import Settings
from engine.data import audit, calendars
from engine.data.model import Agency, Dossier, SupplementRequest, WorkItem
from engine.law import deadlines
from engine.law.statuses import PAYMENT, PROCESSING, RECEIVED, SUBMITTED, SUPPLEMENT

OPEN = (SUBMITTED, RECEIVED, PROCESSING, SUPPLEMENT, PAYMENT)  # a deadline still runs (or is paused)
PAGE = 500


def agency_calendars(session: Session, settings: Settings) -> dict[str, WorkingCalendar]:
    """Every agency's calendar as it is now: taken before a change, to count the old deadlines with."""
    return {code: calendars.calendar_for(session, settings, code) for code in session.scalars(select(Agency.code))}


def replan(sessions: sessionmaker, settings: Settings, changed: date, before: dict[str, WorkingCalendar],
           now: datetime, page: int = PAGE) -> int:
    """Count again the deadlines of the open dossiers that run over ``changed``; returns how many moved."""
    midnight = datetime.combine(changed, time(0), VN_TZ)
    affected = or_(Dossier.due_at >= midnight, Dossier.original_due_at >= midnight,
                   (Dossier.status == SUBMITTED) & (Dossier.intake_due_at >= midnight))
    moved_count, last_id = 0, 0
    while True:
        with sessions.begin() as session:
            rows = list(session.scalars(
                select(Dossier).where(Dossier.id > last_id, Dossier.status.in_(OPEN), affected)
                .order_by(Dossier.id).limit(page).options(defer(Dossier.workflow_state), defer(Dossier.form))))
            if not rows:
                return moved_count
            last_id = rows[-1].id
            for dossier in rows:
                code = dossier.procedure_version.procedure.agency.code
                old = before.get(code)
                if old is None:
                    continue
                if _replan_one(session, settings, dossier, old, calendars.calendar_for(session, settings, code),
                               changed, now):
                    moved_count += 1


def _answered(session: Session, dossier: Dossier, stage: str) -> datetime | None:
    """When the applicant last completed the dossier at ``stage``: the count (re)started then (D12). At most
    two requests a dossier (D10, D11)."""
    return session.scalar(select(func.max(SupplementRequest.answered_at))
                          .where(SupplementRequest.dossier_id == dossier.id, SupplementRequest.stage == stage))


def _replan_one(session: Session, settings: Settings, dossier: Dossier, old: WorkingCalendar,
                new: WorkingCalendar, changed: date, now: datetime) -> bool:
    if old.version == new.version:
        return False
    unit = dossier.procedure_version.info["duration"]["unit"]
    before = (dossier.intake_due_at, dossier.due_at, dossier.original_due_at)
    if dossier.status == SUBMITTED and dossier.intake_due_at is not None:
        anchor = max(dossier.filed_at, _answered(session, dossier, "intake") or dossier.filed_at)
        dossier.intake_due_at = moved(old, new, dossier.intake_due_at, anchor, changed, "working_hour")
    anchor = dossier.received_at or dossier.filed_at
    anchor = max(anchor, _answered(session, dossier, "processing") or anchor)  # the count restarted there
    if dossier.due_at is not None:
        dossier.due_at = moved(old, new, dossier.due_at, anchor, changed, unit)
    if dossier.original_due_at is not None:
        dossier.original_due_at = moved(old, new, dossier.original_due_at, anchor, changed, unit)
    after = (dossier.intake_due_at, dossier.due_at, dossier.original_due_at)
    if after == before:
        return False
    dossier.calendar_version = new.version
    if dossier.warned_at is not None and dossier.due_at is not None and deadlines.warning_at(dossier, new) > now:
        dossier.warned_at = None  # the warning came before a day was added: it is due again, later
    plan_timers(session, dossier, settings, new)
    items = update(WorkItem).where(WorkItem.dossier_id == dossier.id)
    session.execute(items.where(WorkItem.step == "intake").values(due_at=dossier.intake_due_at))
    session.execute(items.where(WorkItem.step.not_in(("intake", "supplement"))).values(due_at=dossier.due_at))
    audit.record(session, dossier, now, None, "replanned", dossier.status,
                 data={"day": changed.isoformat(), "calendar_version": new.version,
                       "due_at": dossier.due_at.isoformat() if dossier.due_at else None,
                       "intake_due_at": dossier.intake_due_at.isoformat() if dossier.intake_due_at else None})
    return True
