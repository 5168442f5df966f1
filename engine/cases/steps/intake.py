"""The one-stop's ``intake`` check (D7–D9): receive (Mẫu 01 and the appointment), ask for a supplement
(Mẫu 02), or refuse (Mẫu 03)."""
from __future__ import annotations

from engine.law.statuses import PROCESSING, RECEIVED, REFUSED, SUBMITTED
from engine.law import deadlines
from engine.paperwork import officialforms
from engine.process import forms, stepkinds
from engine.cases import notices

from .declare import Action, Facts, StepKind
from .supplement import requesting

ROLES = frozenset({"receiving_officer"})


def receive(f: Facts) -> None:
    f.dossier.received_at = f.now
    deadlines.on_received(f.dossier, f.cal, f.info, f.now)
    receipt = officialforms.receipt(f.session, f.ctx.settings, f.dossier, f.ctx.user, f.now)
    notices.notify(f.session, f.ctx.settings, "received", now=f.now, dossier=f.dossier, document=receipt)


def refuse(f: Facts) -> None:
    notice = officialforms.refusal(f.session, f.ctx.settings, f.dossier, f.data["reasons"], f.ctx.user, f.now)
    notices.notify(f.session, f.ctx.settings, "refused", now=f.now, dossier=f.dossier, document=notice,
                   context={"reasons": f.data["reasons"]})


KIND = StepKind("intake", (
    Action("receive", ROLES, frozenset({SUBMITTED}), moves=(("receive", RECEIVED), ("forward", PROCESSING)),
           documents=("receipt",), handler=receive),
    requesting(tuple(ROLES), SUBMITTED),
    Action("refuse", ROLES, frozenset({SUBMITTED}), moves=(("refuse", REFUSED),), documents=("refusal",),
           handler=refuse, schema=forms.ACTION_SCHEMAS["refuse"], leads_to=frozenset({stepkinds.END})),
))
