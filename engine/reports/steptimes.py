"""Where time goes (issue 15 item 3): per procedure and step, how long the step held the dossier and how often
it ran late, from the audit trail's hand-overs (the same events as the control slip, D30).

A step's time is the working time from the hand-over that gave the dossier to the step (the previous
hand-over event of the dossier) to the event that completed it; it is late when completed after its own limit
(``AuditEvent.due_at``, engine.law.lateness).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from engine.core.settings import Settings
from engine.reports.scope import Scope


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


def step_times(session: Session, settings: Settings, scope: Scope, now: datetime) -> list[StepTime]:
    """The steps completed in the period, slowest (average working hours) first."""
    raise NotImplementedError


def most_often_late(rows: list[StepTime], limit: int = 10) -> list[StepTime]:
    """The steps that most often run late (share, then count)."""
    return sorted((r for r in rows if r.late), key=lambda r: (-r.late_share, -r.late))[:limit]
