"""Every step kind's declaration in one table, and what a work item offers: the declared actions whose roles
include the item's, whose sources include the dossier's status, and which the BPMN routes out of the task
(engine.process.stepkinds). The inbox page, the API and the simulator ask ``offered``; the use case refuses
anything else with the same answer."""
from __future__ import annotations

from datetime import datetime
from typing import Callable

from engine.process import stepkinds

from . import apology, approval, assessment, extension_review, handover, intake, returning, signing, supplement
from .declare import Action, StepKind
from .guards import FORESIGHT

KINDS: dict[str, StepKind] = {k.name: k for k in (
    intake.KIND, supplement.KIND, assessment.KIND, extension_review.KIND, approval.KIND, signing.KIND,
    returning.KIND, handover.KIND, apology.KIND)}
assert tuple(KINDS) == stepkinds.ALL, "every step kind a BPMN may name is declared, and only those"
assert {k for k, kind in KINDS.items() if kind.drawn} == set(stepkinds.DRAWN)
assert all(stepkinds.LANE_ROLES[k] == frozenset().union(*(a.roles for a in KINDS[k].actions))
           for k in stepkinds.DRAWN), "the check's lanes of each step kind are the roles of its actions"

# The actions by step kind (api.md's table), for lists and filters.
STEP_ACTIONS: dict[str, tuple[str, ...]] = {k: tuple(dict.fromkeys(a.name for a in kind.actions))
                                            for k, kind in KINDS.items()}
OFFICER_STEPS = tuple(k for k, kind in KINDS.items() if kind.face == "officer")
OFFICER_ACTIONS = tuple(sorted({a for k in OFFICER_STEPS for a in STEP_ACTIONS[k]}))


def allows(action: Action, item, status: int, routed: dict[str, str | None] | None) -> bool:
    if item.role not in action.roles or status not in action.sources:
        return False
    if routed is None:
        return True
    if action.name not in routed and stepkinds.ANY not in routed:
        return False  # no flow carries it: the dossier would stay where it is
    reached = routed.get(action.name, routed.get(stepkinds.ANY))
    return not action.leads_to or reached is None or reached in action.leads_to


def _recorded(item) -> dict:
    for step in item.dossier.procedure_version.info.get("steps", ()):
        if step.get("id") == item.spec_name:
            return step
    return {}


def offered(item, now: datetime | None = None, cal_of: Callable | None = None) -> list[str]:
    """What the work item offers now: the declaration (role, status) ∩ the subset the task declares (its
    ``actions`` property, validated at deploy) ∩ where the BPMN routing carries each action; given the instant
    and ``cal_of`` (dossier → its working calendar), ∩ what the guards' time and count rules still allow then
    (D12's window, D18's time to ask and its once-only: guards.FORESIGHT). The use case asks without a clock:
    the guards themselves refuse, with the rule's own words."""
    kind = KINDS.get(item.step)
    if kind is None or kind.face != "officer":
        return []
    recorded = _recorded(item) if kind.drawn else {}
    subset, routed = recorded.get("actions"), recorded.get("routes")
    actions = [a for a in kind.actions
               if (subset is None or a.name in subset) and allows(a, item, item.dossier.status, routed)]
    if now is not None and cal_of is not None:
        actions = [a for a in actions if _still_allowed(a, item, now, cal_of)]
    return [a.name for a in actions]


def _still_allowed(action: Action, item, now: datetime, cal_of: Callable) -> bool:
    """The time and count rules of the action's guards, on the rows already loaded (no query per item); the
    calendar is asked only for an action that has such a rule."""
    foreseen = [FORESIGHT[g] for g in action.guards if g in FORESIGHT]
    return not foreseen or all(f(item, now, cal_of(item.dossier)) for f in foreseen)


def declared(step: str, action: str) -> Action | None:
    kind = KINDS.get(step)
    return kind.action(action) if kind is not None else None
