"""The citizen's ``supplement`` step, and the officers' ``request_supplement`` that opens it (intake or
assessment): D9–D12, Mẫu 02, and the apology letter of a second request for the agency's own fault (D11b)."""
from __future__ import annotations

from engine.cases import attachments, dossiers
from engine.data.model import SupplementRequest
from engine.law.statuses import PROCESSING, SUBMITTED, SUPPLEMENT
from engine.law import apology, deadlines
from engine.paperwork import issuance, letters, officialforms
from engine.process import forms

from . import guards
from .declare import Action, Facts, StepKind


def request_supplement(f: Facts) -> None:
    dossier, data, now = f.dossier, f.data, f.now
    f.session.add(SupplementRequest(dossier_id=dossier.id, at=now, stage=f.stage, items=data["items"],
                                    second_reason=data.get("second_reason"), requested_by=f.ctx.user.id))
    dossier.supplement_requests += 1
    deadlines.on_supplement_requested(dossier, f.stage, now)
    verdict = f.found["verdict"]
    if verdict.apology:  # D11(b): the agency's fault, apologised for with the request (and lateness, D20)
        faults = apology.supplement_letter_faults(data.get("second_reason"), f.late_now)
        # D11b, D20: signed by the head of the unit at fault, the agency whose officers hold the step that asks
        # (the receiving one-stop at intake, the processing agency an offer names during processing, D29)
        signer = letters.signer_for(f.session, dossier, verdict.signer_role,
                                    agency_id=dossiers.work_agency(dossier, f.item.step, f.item.role))
        letters.issue(f.session, f.ctx.settings, dossier, faults, signer, verdict.signer_role, now,
                      notify=issuance.notice("apology_letter", {"new_due_at": None}))
        f.events.append(("letter_issued", None))
    # Mẫu 02 and the notice name each component as the procedure declares it ("Bản sao giấy tờ chứng minh chỗ ở"),
    # not by its key (giay_to_tru_so); the request keeps the keys (D11 compares them at a second request)
    names = {c["key"]: c["name"] for c in dossier.procedure_version.info.get("components", [])}
    named = [{**item, "component": names.get(item["component"], item["component"])} for item in data["items"]]
    officialforms.supplement_request(f.session, f.ctx.settings, dossier, f.stage, {**data, "items": named},
                                     f.ctx.user, now, notify=issuance.notice("supplement_requested", {"items": named}),
                                     signed=_signed_if_paper(f, dossier))


def _signed_if_paper(f: Facts, dossier) -> frozenset[str]:
    """D9: the components whose files carry valid signatures, when the procedure asks paper originals at all (Mẫu 02
    then says they need none); otherwise nothing is read."""
    if not dossier.procedure_version.info.get("level_facts", {}).get("paperRequired"):
        return frozenset()
    return frozenset(attachments.signed_components(f.session, dossier))


def components_named(f: Facts) -> None:
    """D8, D10: each item names a component of the procedure (engine.cases.attachments.canonical_items); the
    request goes on in the procedure's own spelling, so that D9 (the next guard), the stored request, the audit
    and Mẫu 02 all see the same name. Before the other guards: like the schema, it is about the data."""
    f.data["items"] = attachments.canonical_items(f.dossier, f.data["items"])


def requesting(roles: tuple[str, ...], source: int) -> Action:
    """``request_supplement`` as the intake check or the assessment declares it (same rules, other stage)."""
    return Action("request_supplement", frozenset(roles), frozenset({source}),
                  moves=(("request_supplement", SUPPLEMENT),),
                  guards=(components_named, guards.supplement_allowed, guards.no_paper_for_signed),
                  documents=("supplement_request", "apology"), audit=("letter_issued",), notifies=("citizen",),
                  handler=request_supplement, schema=forms.ACTION_SCHEMAS["request_supplement"],
                  leads_to=frozenset({"supplement"}))


# Completed by the citizen's own request (POST /dossiers/{code}/supplement, engine.cases.filing.supplement):
# back to the intake check (status 1) or to processing (status 4), whichever stage asked.
KIND = StepKind("supplement", (
    Action("supplement", frozenset({"citizen"}), frozenset({SUPPLEMENT}), ends=frozenset({SUBMITTED, PROCESSING})),
), face="citizen")
