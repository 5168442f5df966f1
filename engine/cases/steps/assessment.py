"""The specialist's ``assessment``: propose a decision (the opinion goes to the leader through the process
data), ask for a supplement within 3 working days of the receipt (D12), or request an extension (D17–D18)."""
from __future__ import annotations

from engine.data.model import Extension
from engine.law.statuses import PROCESSING
from engine.process import forms

from . import guards
from .declare import Action, Facts, StepKind
from .supplement import requesting

ROLES = frozenset({"specialist"})
SOURCES = frozenset({PROCESSING})


def request_extension(f: Facts) -> None:
    """The request waits for the department leader, then the centre (D17); nothing moves yet."""
    f.session.add(Extension(dossier_id=f.dossier.id, requested_at=f.now, requested_by=f.ctx.user.id,
                            working_minutes=int(f.found["amount"].total_seconds() // 60), reason=f.data["reason"],
                            state="requested", new_due_at=f.found["new_due_at"]))


KIND = StepKind("assessment", (
    Action("propose_approval", ROLES, SOURCES),
    Action("propose_refusal", ROLES, SOURCES),
    requesting(tuple(ROLES), PROCESSING),
    Action("request_extension", ROLES, SOURCES, guards=(guards.extension_allowed,), handler=request_extension,
           schema=forms.ACTION_SCHEMAS["request_extension"], leads_to=frozenset({"extension_review"})),
))
