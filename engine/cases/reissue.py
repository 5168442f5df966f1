"""The clerk re-issues a result (cấp lại, đính chính): the reason, optionally the corrected filing form, and a
new number of the issuing agency's register; the head of that agency signs it ("Chờ ký số"), then it replaces
the old result, which stays in the dossier marked replaced (engine.paperwork.reissues)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.cases.dossiers import Context, visible_dossier, work_agency
from engine.core.errors import Conflict, Forbidden
from engine.data import audit
from engine.data.model import Document, Dossier
from engine.data.signing_model import OPEN_STATES, SigningRequest
from engine.law.statuses import HAS_RESULT
from engine.paperwork import issuance, letters, reissues
from engine.process import forms

ROLE = "clerk"
SCHEMA = {"type": "object", "required": ["reason"], "additionalProperties": False, "properties": {
    "reason": {"type": "string", "minLength": 3, "maxLength": 2000},
    "number": {"type": "string", "minLength": 1, "maxLength": 60},
    "form": {"type": "object"}}}


def latest_result(session: Session, dossier: Dossier) -> Document | None:
    """The result in force: the last one that nothing replaced."""
    return session.scalar(select(Document).where(Document.dossier_id == dossier.id, Document.kind == reissues.KIND,
                                                 Document.replaced_by_id.is_(None))
                          .order_by(Document.id.desc()).limit(1))


def reissue_result(session: Session, ctx: Context, code: str, payload) -> Dossier:
    """Re-issue the dossier's result in force; the corrected ``form`` (validated against the procedure's filing
    form) replaces the dossier's data before rendering."""
    dossier = visible_dossier(session, ctx.user, code)
    if ROLE not in ctx.user.roles:
        raise Forbidden("Chỉ văn thư được cấp lại (đính chính) kết quả")
    forms.validate(SCHEMA, payload, what="Yêu cầu cấp lại")
    old = latest_result(session, dossier)
    if dossier.status not in HAS_RESULT or old is None or dossier.outcome == "refused":
        raise Conflict("Hồ sơ chưa có kết quả đã ban hành để cấp lại", code="no_result")
    if session.scalar(select(SigningRequest.id).where(SigningRequest.dossier_id == dossier.id,
                                                      SigningRequest.kind == "reissue",
                                                      SigningRequest.state.in_(OPEN_STATES)).limit(1)):
        raise Conflict("Kết quả cấp lại trước đang chờ thủ trưởng cơ quan ký số", code="reissue_pending")
    if "form" in payload:
        version = dossier.procedure_version
        forms.validate(version.forms[version.info["filing_form"]], payload["form"])
        dossier.form = payload["form"]
    # written in the name of the agency that decides, as the first result (D22, D29): its head signs, its register
    # numbers, whatever agency received the dossier
    issuer = work_agency(dossier, "approval")
    signer = letters.signer_for(session, dossier, reissues.SIGNER_ROLE, "ký kết quả cấp lại", "D22",
                                agency_id=issuer)
    new = reissues.reissue(session, ctx.settings, dossier, old, signer, payload["reason"].strip(), ctx.now,
                           payload.get("number"), issuer=issuer,
                           notify=issuance.notice("result_ready", {"outcome": "reissued"}))
    audit.record(session, dossier, ctx.now, ctx.user, "reissue_result", dossier.status,
                 data={"reason": payload["reason"].strip(), "replaces": old.number, "number": new.number,
                       **({"form": sorted(payload["form"])} if "form" in payload else {})})
    return dossier
