"""``extension_review``: the department leader confirms or rejects, then the one-stop centre (or the head)
confirms; only the final confirmation changes the appointment: the citizen is told the new date at once, and the
head's letter of apology follows once signed (D17, D18)."""
from __future__ import annotations

from datetime import timedelta

from engine.cases import notices
from engine.law.statuses import PROCESSING
from engine.law import apology, deadlines, extension as rules
from engine.paperwork import issuance, letters
from engine.process import forms

from . import guards
from .declare import Action, Facts, StepKind

ROLES = frozenset({"department_leader", "centre_director", "head_of_agency"})
SOURCES = frozenset({PROCESSING})


def confirm_extension(f: Facts) -> None:
    extension = f.found["extension"]
    if f.item.role == "department_leader" and extension.state == "requested":
        extension.state = "department_confirmed"
        return
    extension.state, extension.decided_at = "confirmed", f.now
    # D18: from the legal due as it is now (a calendar notice since the request may have moved it)
    extension.new_due_at = rules.new_due(f.cal, f.dossier.due_at, f.dossier.original_due_at,
                                         timedelta(minutes=extension.working_minutes))
    deadlines.apply_extension(f.dossier, extension.new_due_at, f.cal, f.now)
    # D17, D28: the appointment changes now, so the citizen is told now, in this transaction; the letter, once
    # its signer has signed it, follows in a notice of its own (extension_letter), which may take days
    notices.notify(f.session, f.ctx.settings, "extension_confirmed", now=f.now, dossier=f.dossier,
                   context={"new_due_at": extension.new_due_at})
    signer_role = apology.signer_role(apology.EXTENSION)
    # D17, D20: the extension is asked because the agency resolving the dossier cannot finish in time: its head
    # signs, even when the receiving one-stop gives the final confirmation (D29)
    signer = letters.signer_for(f.session, f.dossier, signer_role, agency_id=f.dossier.resolving_agency_id)
    letters.issue(f.session, f.ctx.settings, f.dossier, [(apology.EXTENSION, extension.reason)], signer,
                  signer_role, f.now, new_due_at=extension.new_due_at,
                  notify=issuance.notice("extension_letter", {"new_due_at": extension.new_due_at}))
    f.events += [("extended", None), ("letter_issued", None)]


def reject_extension(f: Facts) -> None:
    extension = f.found["extension"]
    extension.state, extension.decided_at = "rejected", f.now


KIND = StepKind("extension_review", (
    Action("confirm_extension", ROLES, SOURCES, guards=(guards.extension_pending, guards.extension_still_in_time),
           documents=("apology",), audit=("extended", "letter_issued"), notifies=("citizen",),
           handler=confirm_extension),
    Action("reject_extension", ROLES, SOURCES, guards=(guards.extension_pending,), handler=reject_extension,
           schema=forms.ACTION_SCHEMAS["reject_extension"]),
))
