"""The leader's ``approval``: approve (the result, to be signed by the approver) or refuse (the notice of
refusal to resolve, to be signed by the head of agency whoever holds the step, D21), or send back to assessment.

Deciding records a signing request (engine.cases.signing_requests) with the result's number: the document is
rendered after the commit and signed by its signer with their own key (D35); the clerk issues it only then."""
from __future__ import annotations

from engine.law import apology
from engine.law.statuses import PROCESSING
from engine.cases import dossiers, signing_requests
from engine.paperwork import letters
from engine.process import fields as procedure_fields
from engine.process import forms

from .declare import Action, Facts, StepKind

ROLES = frozenset({"department_leader", "head_of_agency", "centre_director"})
SOURCES = frozenset({PROCESSING})
REFUSAL_SIGNER = apology.refusal_signer_role()  # D21 (or a deputy signing "KT." on the head's behalf)


def _opinion(f: Facts) -> str:
    """The reasons of a refusal, else the form field this procedure declares as the opinion."""
    named = procedure_fields.of(f.dossier.procedure_version.info)
    return "; ".join(f.data.get("reasons") or []) or str(f.data.get(named.opinion) or "")


def approve(f: Facts) -> None:
    f.dossier.outcome = "approved"
    signing_requests.request_result(f.session, f.dossier, f.ctx.user, f.item.role, "approved", _opinion(f), f.now)


def refuse(f: Facts) -> None:
    """D21: a refusal to resolve is signed by the head of agency, whoever held the approval step."""
    f.dossier.outcome = "refused"
    held_by = dossiers.work_agency(f.dossier, "approval")  # the processing agency its offer names, else the receiving
    signer = f.ctx.user if REFUSAL_SIGNER in f.ctx.user.roles else (
        letters.signer_for(f.session, f.dossier, REFUSAL_SIGNER, "ký thông báo từ chối giải quyết", "D21", held_by))
    signing_requests.request_result(f.session, f.dossier, signer, REFUSAL_SIGNER, "refused", _opinion(f), f.now)


KIND = StepKind("approval", (
    Action("approve", ROLES, SOURCES, documents=("result_draft",), handler=approve),
    Action("refuse", ROLES, SOURCES, documents=("result_draft",), handler=refuse,
           schema=forms.ACTION_SCHEMAS["refuse"]),
    Action("send_back", ROLES, SOURCES, leads_to=frozenset({"assessment"})),
))
