"""Re-planning after a calendar change: the open dossiers whose deadlines run over the changed day get them
counted again under the new calendar (D13–D16).

An administrator's override (`tthc calendar set/clear`) changes one day. A deadline ending before that day
cannot move; one ending on it or later is counted again (engine.core.calendar.moved): the result's due
instant and the original one, the intake deadline of a dossier waiting for its check, the work items' due
times and the next timer. The dossiers are read in pages by id, one transaction per page, so that the
command never holds the whole table in memory nor one long transaction.

A year's notice changes several days at once (engine.cases.calendar_notices): it is a chain of calendars, each
differing from the one before on one day (``Step``), and each deadline is moved along the chain; the dates are
computed first (``new_dates``, which writes nothing: the notice's preview) and then written (``write``).
"""
from __future__ import annotations

from datetime import date, datetime, time
from typing import NamedTuple

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, defer, sessionmaker

from engine.cases import offers
from engine.cases.dossiers import plan_timers, step_limits, work_item_due
from engine.core.calendar import WorkingCalendar, moved
from engine.core.clock import VN_TZ
from engine.core.settings import Settings
from engine.data import audit, calendars
from engine.data.model import Agency, Dossier, SupplementRequest, WorkItem
from engine.law import deadlines
from engine.law.statuses import PAYMENT, PROCESSING, RECEIVED, SUBMITTED, SUPPLEMENT
from engine.process import stepkinds

OPEN = (SUBMITTED, RECEIVED, PROCESSING, SUPPLEMENT, PAYMENT)  # a deadline still runs (or is paused)
PAGE = 500


def agency_calendars(session: Session, settings: Settings) -> dict[str, WorkingCalendar]:
    """Every agency's calendar as it is now: taken before a change, to count the old deadlines with."""
    return {code: calendars.calendar_for(session, settings, code) for code in session.scalars(select(Agency.code))}


class Step(NamedTuple):
    """One day changed: the calendar before and after it."""
    day: date
    old: WorkingCalendar
    new: WorkingCalendar


def calendar_code(dossier: Dossier) -> str:
    """The agency whose calendar counts the dossier's deadlines (engine.cases.offers.agency_for, "calendar")."""
    agency_id = offers.agency_for(dossier, "calendar")
    if agency_id == dossier.agency_id:
        return dossier.agency.code  # loaded with the dossier
    return Session.object_session(dossier).get(Agency, agency_id).code


def affected(changed: date):
    """The open dossiers whose deadlines may run over ``changed`` (a condition on Dossier)."""
    midnight = datetime.combine(changed, time(0), VN_TZ)
    return Dossier.status.in_(OPEN) & or_(Dossier.due_at >= midnight, Dossier.original_due_at >= midnight,
                                          (Dossier.status == SUBMITTED) & (Dossier.intake_due_at >= midnight))


def replan(sessions: sessionmaker, settings: Settings, changed: date, before: dict[str, WorkingCalendar],
           now: datetime, page: int = PAGE) -> int:
    """Count again the deadlines of the open dossiers that run over ``changed``; returns how many moved."""
    moved_count, last_id = 0, 0
    while True:
        with sessions.begin() as session:
            rows = list(session.scalars(
                select(Dossier).where(Dossier.id > last_id, affected(changed))
                .order_by(Dossier.id).limit(page).options(defer(Dossier.workflow_state), defer(Dossier.form))))
            if not rows:
                return moved_count
            last_id = rows[-1].id
            for dossier in rows:
                code = calendar_code(dossier)
                old = before.get(code)
                if old is None:
                    continue
                step = Step(changed, old, calendars.calendar_for(session, settings, code))
                if write(session, settings, dossier, [step], now):
                    moved_count += 1


def _answered(session: Session, dossier: Dossier, stage: str) -> datetime | None:
    """When the applicant last completed the dossier at ``stage``: the count (re)started then (D12). At most
    two requests a dossier (D10, D11), counted on the dossier: none asked, none to look for."""
    if not dossier.supplement_requests:
        return None
    return session.scalar(select(func.max(SupplementRequest.answered_at))
                          .where(SupplementRequest.dossier_id == dossier.id, SupplementRequest.stage == stage))


Dates = tuple  # (intake_due_at, due_at, original_due_at)


def new_dates(session: Session, dossier: Dossier, steps: list[Step]) -> Dates:
    """The dossier's deadlines counted again along ``steps``; nothing is written."""
    intake, due, original = dossier.intake_due_at, dossier.due_at, dossier.original_due_at
    steps = [step for step in steps if step.old.version != step.new.version]
    if not steps:
        return intake, due, original
    unit = dossier.procedure_version.info["duration"]["unit"]
    intake_anchor = None
    if dossier.status == SUBMITTED and intake is not None:
        intake_anchor = max(dossier.filed_at, _answered(session, dossier, "intake") or dossier.filed_at)
    anchor = dossier.received_at or dossier.filed_at
    anchor = max(anchor, _answered(session, dossier, "processing") or anchor)  # the count restarted there
    for day, old, new in steps:
        if intake_anchor is not None:
            intake = moved(old, new, intake, intake_anchor, day, "working_hour")
        if due is not None:
            due = moved(old, new, due, anchor, day, unit)
        if original is not None:
            original = moved(old, new, original, anchor, day, unit)
    return intake, due, original


def write(session: Session, settings: Settings, dossier: Dossier, steps: list[Step], now: datetime,
          dates: Dates | None = None) -> bool:
    """Move the dossier's deadlines along ``steps`` (``dates``: already computed by ``new_dates``), its work
    items' and its next timer, audited; False when nothing moved."""
    before = (dossier.intake_due_at, dossier.due_at, dossier.original_due_at)
    after = dates if dates is not None else new_dates(session, dossier, steps)
    if after == before:
        # D30: a step's own limit in working days moves with a changed day even where the dossier's deadlines do
        # not (a procedure counted in calendar days keeps its due instant unless it falls on that day)
        if any(step.old.version != step.new.version for step in steps):
            own_limits(session, dossier, steps[-1].new)
        return False
    new = steps[-1].new
    dossier.intake_due_at, dossier.due_at, dossier.original_due_at = after
    dossier.calendar_version = new.version
    if dossier.warned_at is not None and dossier.due_at is not None and deadlines.warning_at(dossier, new) > now:
        dossier.warned_at = None  # the warning came before a day was added: it is due again, later
    plan_timers(session, dossier, settings, new)
    items = update(WorkItem).where(WorkItem.dossier_id == dossier.id)
    session.execute(items.where(WorkItem.step == "intake").values(due_at=dossier.intake_due_at))
    session.execute(items.where(WorkItem.step.not_in(OWN_DEADLINE)).values(due_at=dossier.due_at))
    own_limits(session, dossier, new)
    days = [step.day.isoformat() for step in steps]
    audit.record(session, dossier, now, None, "replanned", dossier.status,
                 data={"day": days[0], **({"days": days} if len(days) > 1 else {}), "calendar_version": new.version,
                       "due_at": dossier.due_at.isoformat() if dossier.due_at else None,
                       "intake_due_at": dossier.intake_due_at.isoformat() if dossier.intake_due_at else None})
    return True


OWN_DEADLINE = ("intake", "supplement", *stepkinds.OPENED_BY_ENGINE)  # the apology keeps its own (D19)


def own_limits(session: Session, dossier: Dossier, cal: WorkingCalendar) -> None:
    """The items of the tasks that declare their own time limit (D30) count it again under ``cal`` from their
    creation, capped by the dossier's moved due time (engine.cases.dossiers.work_item_due); a version without
    such a task costs no query."""
    limits = step_limits(dossier)
    if not limits:
        return
    rows = session.execute(select(WorkItem.id, WorkItem.step, WorkItem.spec_name, WorkItem.created_at)
                           .where(WorkItem.dossier_id == dossier.id, WorkItem.spec_name.in_(limits),
                                  WorkItem.step.not_in(stepkinds.OPENED_BY_ENGINE))).all()
    for row in rows:
        session.execute(update(WorkItem).where(WorkItem.id == row.id).values(
            due_at=work_item_due(dossier, row.step, row.spec_name, row.created_at, limits, cal)))
