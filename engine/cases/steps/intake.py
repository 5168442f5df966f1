"""The one-stop's ``intake`` check (D7–D9): receive (Mẫu 01 and the appointment), ask for a supplement
(Mẫu 02), or refuse (Mẫu 03)."""
from __future__ import annotations

from engine.cases import local_fees
from engine.law.statuses import PROCESSING, RECEIVED, REFUSED, SUBMITTED
from engine.law import deadlines
from engine.paperwork import issuance, officialforms
from engine.process import forms, stepkinds

from .declare import Action, Facts, StepKind
from .supplement import requesting

ROLES = frozenset({"receiving_officer"})


def receive(f: Facts) -> None:
    f.dossier.received_at = f.now
    deadlines.on_received(f.dossier, f.cal, f.info, f.now)
    own = local_fees.in_force(f.session, f.dossier)
    if own:  # D1: the office's own amounts of its local fees now stay the dossier's (the receive event keeps them)
        f.data[local_fees.RECORD] = own
    officialforms.receipt(f.session, f.ctx.settings, f.dossier, f.ctx.user, f.now,
                          notify=issuance.notice("received"),  # told once Mẫu 01 is sealed (D22, D28)
                          fees=local_fees.of_dossier(f.session, f.dossier, own))  # as just recorded (D1, D29)


def refuse(f: Facts) -> None:
    officialforms.refusal(f.session, f.ctx.settings, f.dossier, f.data["reasons"], f.ctx.user, f.now,
                          notify=issuance.notice("refused", {"reasons": f.data["reasons"]}))


KIND = StepKind("intake", (
    Action("receive", ROLES, frozenset({SUBMITTED}), moves=(("receive", RECEIVED), ("forward", PROCESSING)),
           documents=("receipt",), handler=receive),
    requesting(tuple(ROLES), SUBMITTED),
    Action("refuse", ROLES, frozenset({SUBMITTED}), moves=(("refuse", REFUSED),), documents=("refusal",),
           handler=refuse, schema=forms.ACTION_SCHEMAS["refuse"], leads_to=frozenset({stepkinds.END})),
))
