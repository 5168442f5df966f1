"""The ``handover`` step (liên thông, D33): the dossier waits while another agency's procedure answers a
sub-request. No officer completes it: the engine opens the sub-dossier when the task is reached and completes
the task with ``hand_back`` when the sub-dossier's result is issued (engine.cases.lienthong)."""
from __future__ import annotations

from engine.data.model import OFFICER_ROLES
from engine.law.statuses import PROCESSING

from .declare import Action, StepKind

KIND = StepKind("handover", (
    # drawn in any officer's lane, taken by no one: the engine completes it (offered() skips "engine" steps)
    Action("hand_back", frozenset(OFFICER_ROLES), frozenset({PROCESSING})),
), face="engine")
