"""Where time goes (issue 15 item 3): per procedure and step, how long the step held the dossier and how often
it ran late, from the audit trail's hand-overs (the same events as the control slip, D30).

A step's time is the working time from the hand-over that gave the dossier to the step (the dossier's previous
hand-over event) to the event that completed the step's work item; it is late when completed after its own
limit (``AuditEvent.due_at``, engine.law.lateness.done_late). Both are kept on the event when the step completes
(``AuditEvent.working_minutes`` and ``late``, engine.data.audit.record), so the report is one GROUP BY over the
period's events (index on ``audit_event.at``). Events written before migration 0016 hold NULL: for those only,
one query reads the hand-overs of their dossiers (a window function gives each its predecessor) and the working
time is summed with the working calendar of the step's agency, so old data give the same numbers.

Whose step (D29: the receiving agency may hand the processing to another): each step counts for the agency that
did it, by the agency filter alike (step_agency): intake, the citizen's supplement and the return for the
receiving agency, the processing steps for the processing agency an offer names.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from engine.core.settings import Settings
from engine.data.calendars import calendar_for
from engine.data.db import UTCDateTime
from engine.data.model import Agency, AuditEvent, Dossier, Procedure, ProcedureVersion, User
from engine.law import lateness
from engine.paperwork.registers import HANDOVER_ACTIONS
from engine.reports.scope import Scope
from engine.reports.workclock import WorkClock

HANDOVERS = sorted(HANDOVER_ACTIONS)


@dataclass
class StepTime:
    procedure: str          # procedure code
    procedure_name: str
    step: str               # step kind (engine.cases.steps), e.g. "appraise"
    task_name: str          # the BPMN task's name
    count: int              # completions in the period
    avg_working_hours: float
    max_working_hours: float
    late: int               # completed after the step's own limit
    late_share: float       # late / count, 0..1


# The steps of the receiving agency (engine.cases.dossiers.RECEIVING_STEPS, a layer this package does not import):
# its one-stop checks and receives, awaits the supplement and returns the result (D29).
RECEIVING_STEPS = ("intake", "supplement", "return")


def step_agency(step, actor_id, receiving, processing):
    """The agency that did a step (D29, D32), from the completing event: the receiving agency for its own steps
    and for any step its officer completed (the one-stop's confirmation of an extension, D17); the processing
    agency an offer names for the others, else the receiving one. The work item that named the agency is gone
    once completed; the actor's agency is read by primary key (correlated to the event's row wherever the
    expression sits, also inside a lookup of the event's dossier, _kept)."""
    actor_agency = select(User.agency_id).where(User.id == actor_id).correlate_except(User).scalar_subquery()
    return case((step.in_(RECEIVING_STEPS), receiving), (actor_agency == receiving, receiving),
                else_=func.coalesce(processing, receiving))


def _filters(scope: Scope, session: Session, agency=None) -> list:
    """The scope's agencies (as ``agency``, the step's, counts them) and procedures, on the joined dossier."""
    found = []
    if scope.agencies is not None:
        if agency is None:
            agency = step_agency(AuditEvent.step, AuditEvent.actor_id, Dossier.agency_id, Dossier.processing_agency_id)
        found.append(agency.in_(sorted(scope.agencies)))
    if scope.procedures is not None:
        versions = select(ProcedureVersion.id).join(Procedure, Procedure.id == ProcedureVersion.procedure_id).where(
            Procedure.code.in_(sorted(scope.procedures)))
        found.append(Dossier.procedure_version_id.in_(versions))
    return found


def step_times(session: Session, settings: Settings, scope: Scope, now: datetime) -> list[StepTime]:
    """The steps completed in the period, slowest (average working hours) first."""
    sums: dict[tuple, list] = {}  # count, hours, max, late
    for version, step, task, n, total, longest, late in _kept(session, scope):
        _add(sums, (version, step or "", task or ""), n, total / 60, longest / 60, int(late or 0))
    for version, step, task, hours, late in _recomputed(session, settings, scope):
        _add(sums, (version, step or "", task or ""), 1, hours, hours, int(late))
    procedures = {v: (code, name) for v, code, name in session.execute(
        select(ProcedureVersion.id, Procedure.code, Procedure.name)
        .join(Procedure, Procedure.id == ProcedureVersion.procedure_id))}
    merged: dict[tuple, list] = {}  # versions of one procedure together
    names: dict[str, str] = {}
    for (version, step, task), (n, total, longest, late) in sums.items():
        code, names[code] = procedures[version]
        _add(merged, (code, step, task), n, total, longest, late)
    found = [StepTime(code, names[code], step, task, n, round(total / n, 2), round(longest, 2), late,
                      round(late / n, 4))
             for (code, step, task), (n, total, longest, late) in merged.items()]
    return sorted(found, key=lambda r: (-r.avg_working_hours, r.procedure, r.step))


def _add(sums: dict, key: tuple, n: int, total: float, longest: float, late: int) -> None:
    acc = sums.get(key)
    if acc is None:
        sums[key] = [n, total, longest, late]
    else:
        acc[0] += n
        acc[1] += total
        acc[2] = max(acc[2], longest)
        acc[3] += late


def _in_period(scope: Scope):
    start, end = scope.window
    return and_(AuditEvent.at >= start, AuditEvent.at < end, AuditEvent.action.in_(HANDOVERS),
                AuditEvent.work_item_id.is_not(None))


def _kept(session: Session, scope: Scope) -> list:
    """Per procedure version, step and task: count, sum and max of the kept working minutes, and the late ones.
    Each event's dossier is looked up by primary key, never joined: for the period's few thousand events a join
    lets PostgreSQL read and hash the whole dossier table. The lookup answers the version only when the scope's
    filters (_filters, on that dossier and the event) take it, so the events outside the scope group under NULL
    and are dropped here."""
    version = (select(Dossier.procedure_version_id)
               .where(Dossier.id == AuditEvent.dossier_id, *_filters(scope, session)).scalar_subquery())
    rows = session.execute(
        select(version, AuditEvent.step, AuditEvent.task_name, func.count(), func.sum(AuditEvent.working_minutes),
               func.max(AuditEvent.working_minutes), func.sum(case((AuditEvent.late, 1), else_=0)))
        .where(_in_period(scope), AuditEvent.working_minutes.is_not(None))
        .group_by(version, AuditEvent.step, AuditEvent.task_name)).all()
    return [row for row in rows if row[0] is not None]


def _recomputed(session: Session, settings: Settings, scope: Scope):
    """(version, step, task, working hours, late) of the period's completions written without kept values,
    computed from the trail with the working calendar."""
    start, end = scope.window
    handover = AuditEvent.action.in_(HANDOVERS)
    touched = (select(AuditEvent.dossier_id).join(Dossier, Dossier.id == AuditEvent.dossier_id)
               .where(_in_period(scope), AuditEvent.working_minutes.is_(None), *_filters(scope, session)))
    unkept = select(func.count()).where(_in_period(scope), AuditEvent.working_minutes.is_(None))
    if not session.scalar(unkept):  # the partial index ix_audit_event_unkept: no period's events read
        return  # every completion of the period kept its values
    trail = (select(AuditEvent.dossier_id, AuditEvent.at, AuditEvent.step, AuditEvent.task_name, AuditEvent.due_at,
                    AuditEvent.work_item_id, AuditEvent.working_minutes, AuditEvent.actor_id,
                    func.lag(AuditEvent.at, type_=UTCDateTime()).over(partition_by=AuditEvent.dossier_id, order_by=AuditEvent.id)
                    .label("started"))
             .where(handover, AuditEvent.dossier_id.in_(touched), AuditEvent.at < end).subquery())
    # The step's agency (step_agency: the dossier's by primary key, per row; a join would let the planner hash the
    # whole dossier table) and procedure version; the agencies' codes from the small table, once.
    receiving = select(Dossier.agency_id).where(Dossier.id == trail.c.dossier_id).scalar_subquery()
    processing = select(Dossier.processing_agency_id).where(Dossier.id == trail.c.dossier_id).scalar_subquery()
    agency = step_agency(trail.c.step, trail.c.actor_id, receiving, processing)
    version = select(Dossier.procedure_version_id).where(Dossier.id == trail.c.dossier_id).scalar_subquery()
    found = session.execute(
        select(agency, version, trail.c.step, trail.c.task_name, trail.c.started, trail.c.at, trail.c.due_at)
        .where(trail.c.at >= start, trail.c.work_item_id.is_not(None), trail.c.started.is_not(None),
               trail.c.working_minutes.is_(None),
               *([agency.in_(sorted(scope.agencies))] if scope.agencies is not None else []))).all()
    agencies = dict(session.execute(select(Agency.id, Agency.code)).all())
    clocks: dict[str, WorkClock] = {}
    for a, v, step, task, started, done, due in found:
        code = agencies[a]
        clock = clocks.get(code)
        if clock is None:
            clock = clocks[code] = WorkClock(calendar_for(session, settings, code), scope.start)
        hours = max(clock.between(started, done).total_seconds(), 0.0) / 3600
        yield v, step, task, hours, lateness.done_late(due, done)


def most_often_late(rows: list[StepTime], limit: int = 10) -> list[StepTime]:
    """The steps that most often run late (share, then count)."""
    return sorted((r for r in rows if r.late), key=lambda r: (-r.late_share, -r.late))[:limit]
