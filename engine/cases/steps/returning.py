"""The one-stop's ``return`` of the result; a late result goes with the head's apology letter (D19)."""
from __future__ import annotations

from engine.cases import notices
from engine.law.statuses import RESOLVED, RETURNED

from . import guards
from .declare import Action, Facts, StepKind


def return_result(f: Facts) -> None:
    f.dossier.returned_at = f.now
    notices.notify(f.session, f.ctx.settings, "returned", now=f.now, dossier=f.dossier)


KIND = StepKind("return", (
    Action("return_result", frozenset({"receiving_officer"}), frozenset({RESOLVED}),
           moves=(("return_result", RETURNED),), guards=(guards.apology_before_late_return,),
           handler=return_result),
))
