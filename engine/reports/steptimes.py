"""Where time goes (issue 15 item 3): per procedure and step, how long the step held the dossier and how often
it ran late, from the audit trail's hand-overs (the same events as the control slip, D30).

A step's time is the working time from the hand-over that gave the dossier to the step (the dossier's previous
hand-over event) to the event that completed the step's work item; it is late when completed after its own
limit (``AuditEvent.due_at``, engine.law.lateness.done_late). One query reads the hand-overs of the dossiers
that completed a step in the period (a window function gives each its predecessor); the working time is summed
with the working calendar of the dossier's agency.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from engine.core.settings import Settings
from engine.data.calendars import calendar_for
from engine.data.db import UTCDateTime
from engine.data.model import Agency, AuditEvent, Dossier, Procedure, ProcedureVersion
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


def _filters(scope: Scope, session: Session) -> list:
    found = []
    if scope.agencies is not None:
        found.append(Dossier.agency_id.in_(sorted(scope.agencies)))
    if scope.procedures is not None:
        versions = select(ProcedureVersion.id).join(Procedure, Procedure.id == ProcedureVersion.procedure_id).where(
            Procedure.code.in_(sorted(scope.procedures)))
        found.append(Dossier.procedure_version_id.in_(versions))
    return found


def step_times(session: Session, settings: Settings, scope: Scope, now: datetime) -> list[StepTime]:
    """The steps completed in the period, slowest (average working hours) first."""
    start, end = scope.window
    in_period = and_(AuditEvent.at >= start, AuditEvent.at < end)
    handover = AuditEvent.action.in_(HANDOVERS)
    touched = (select(AuditEvent.dossier_id).join(Dossier, Dossier.id == AuditEvent.dossier_id)
               .where(in_period, handover, AuditEvent.work_item_id.is_not(None), *_filters(scope, session)))
    trail = (select(AuditEvent.dossier_id, AuditEvent.at, AuditEvent.step, AuditEvent.task_name, AuditEvent.due_at,
                    AuditEvent.work_item_id,
                    func.lag(AuditEvent.at, type_=UTCDateTime()).over(partition_by=AuditEvent.dossier_id, order_by=AuditEvent.id)
                    .label("started"))
             .where(handover, AuditEvent.dossier_id.in_(touched), AuditEvent.at < end).subquery())
    # The dossier's agency and procedure version by primary key, per row (a join would let the planner hash the
    # whole dossier table); their codes and names from the small tables, once.
    agency = select(Dossier.agency_id).where(Dossier.id == trail.c.dossier_id).scalar_subquery()
    version = select(Dossier.procedure_version_id).where(Dossier.id == trail.c.dossier_id).scalar_subquery()
    found = session.execute(
        select(agency, version, trail.c.step, trail.c.task_name, trail.c.started, trail.c.at, trail.c.due_at)
        .where(trail.c.at >= start, trail.c.work_item_id.is_not(None), trail.c.started.is_not(None))).all()
    agencies = dict(session.execute(select(Agency.id, Agency.code)).all())
    procedures = {v: (code, name) for v, code, name in session.execute(
        select(ProcedureVersion.id, Procedure.code, Procedure.name)
        .join(Procedure, Procedure.id == ProcedureVersion.procedure_id))}
    rows = ((*procedures[v], agencies[a], step, task, started, done, due)
            for a, v, step, task, started, done, due in found)
    clocks: dict[str, WorkClock] = {}
    sums: dict[tuple, list] = defaultdict(lambda: [0, 0.0, 0.0, 0])  # count, hours, max, late
    names: dict[str, str] = {}
    for code, name, agency, step, task, started, done, due in rows:
        clock = clocks.get(agency)
        if clock is None:
            clock = clocks[agency] = WorkClock(calendar_for(session, settings, agency), scope.start)
        hours = max(clock.between(started, done).total_seconds(), 0.0) / 3600
        acc = sums[(code, step or "", task or "")]
        acc[0] += 1
        acc[1] += hours
        acc[2] = max(acc[2], hours)
        acc[3] += lateness.done_late(due, done)
        names[code] = name
    found = [StepTime(code, names[code], step, task, n, round(total / n, 2), round(longest, 2), late,
                      round(late / n, 4))
             for (code, step, task), (n, total, longest, late) in sums.items()]
    return sorted(found, key=lambda r: (-r.avg_working_hours, r.procedure, r.step))


def most_often_late(rows: list[StepTime], limit: int = 10) -> list[StepTime]:
    """The steps that most often run late (share, then count)."""
    return sorted((r for r in rows if r.late), key=lambda r: (-r.late_share, -r.late))[:limit]
