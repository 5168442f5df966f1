"""The shape of a declaration: a step kind and, for each of its actions, who may take it, from which statuses,
to which status, under which legal guards, with which documents, audit events and notifications.

One declaration answers every question about an action: what the inbox page and the API offer, what the
use case checks before anything changes, and what it changes. The handler does only the action's own effects;
the checks and the status moves around it are generic (engine.cases.tasks).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

from engine.law import lateness, supplement


@dataclass
class Facts:
    """What a guard and a handler see: the work item, its dossier, the action's data, the calendar, now."""

    session: Any
    ctx: Any  # engine.cases.dossiers.Context
    item: Any  # engine.data.model.WorkItem
    dossier: Any
    action: str
    data: dict
    cal: Any
    found: dict = field(default_factory=dict)  # what a guard looked up for the handler (the pending extension)
    events: list[tuple[str, int | None]] = field(default_factory=list)  # audit events after the action's own
    late_now: bool = field(init=False)  # D19, judged before the action moves the status (engine.law.lateness)

    def __post_init__(self) -> None:
        self.late_now = lateness.is_late(self.dossier, self.ctx.now)

    @property
    def now(self) -> datetime:
        return self.ctx.now

    @property
    def info(self) -> dict:
        return self.dossier.procedure_version.info

    @property
    def stage(self) -> str:
        """D12: a supplement asked at the intake check or during processing."""
        return supplement.stage_of(self.item.step)



Guard = Callable[[Facts], None]  # raises Invalid/Conflict with the rule id, changes nothing
Handler = Callable[[Facts], None]  # the action's own effects (documents, rows, deadlines)
# (work item, now, calendar) -> whether a guard's time-only and count-only rules still let the action be
# taken: judged for the offer from the rows already loaded, never the data (the guard judges it at completion)
Foresight = Callable[[Any, datetime, Any], bool]


@dataclass(frozen=True)
class Action:
    """One (step kind, action): declared once, read by the offer, the checks and the effects."""

    name: str
    roles: frozenset[str]  # the work item's role (its lane) must be one of these
    sources: frozenset[int]  # the dossier's status when the action is taken
    moves: tuple[tuple[str, int], ...] = ()  # (audit event, status) in order; the first event is the action
    guards: tuple[Guard, ...] = ()  # legal predicates (engine/law), each raises with its rule id
    documents: tuple[str, ...] = ()  # Document kinds the action may produce
    audit: tuple[str, ...] = ()  # further audit events the action may record (letter_issued, extended)
    notifies: tuple[str, ...] = ()  # who is told ("citizen" or a role); letters notify the citizen
    handler: Handler | None = None
    schema: dict | None = None  # the data's JSON schema; None: the task's own form
    ends: frozenset[int] = frozenset()  # where the facts choose the status (the citizen's supplement: stage)
    leads_to: frozenset[str] = frozenset()  # the step kinds (or "end") the BPMN must carry it to; empty: any

    @property
    def targets(self) -> tuple[int, ...]:
        return tuple(status for _, status in self.moves)


@dataclass(frozen=True)
class StepKind:
    name: str
    actions: tuple[Action, ...]
    drawn: bool = True  # a BPMN user task; False: opened by the engine (no BPMN task to complete)
    face: str = "officer"  # "citizen" steps are completed through the citizen's own requests

    def action(self, name: str) -> Action | None:
        return next((a for a in self.actions if a.name == name), None)
