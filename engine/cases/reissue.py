"""The clerk re-issues a result (cấp lại, đính chính): the reason, optionally the corrected filing form, and a
new number of the issuing agency's register; the head of that agency signs it ("Chờ ký số"), then it replaces
the old result, which stays in the dossier marked replaced (engine.paperwork.reissues).

Until its successor is signed the old result is the one in force, so the dossier keeps the data it states: the
corrected form waits in the request (``replaces.form``: the corrected result is rendered from it) and becomes
the dossier's data when the successor is issued (engine.cases.issuing.finish). A correction asked by mistake is
not final either: the clerk withdraws it, or the head of agency who must sign it refuses it, with a reason; its
number is withdrawn as the engine withdraws every unissued number (engine.cases.signing_requests), and a new
correction can be asked."""
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
WITHDRAWAL = {"type": "object", "required": ["reason"], "additionalProperties": False, "properties": {
    "reason": {"type": "string", "minLength": 3, "maxLength": 2000}}}


def latest_result(session: Session, dossier: Dossier) -> Document | None:
    """The result in force: the last one that nothing replaced."""
    return session.scalar(select(Document).where(Document.dossier_id == dossier.id, Document.kind == reissues.KIND,
                                                 Document.replaced_by_id.is_(None))
                          .order_by(Document.id.desc()).limit(1))


def reissue_result(session: Session, ctx: Context, code: str, payload) -> Dossier:
    """Re-issue the dossier's result in force; the corrected ``form`` (validated against the procedure's filing
    form) is what the new result prints, and the dossier's data once it is signed (see the module's docstring)."""
    dossier = visible_dossier(session, ctx.user, code)
    if ROLE not in ctx.user.roles:
        raise Forbidden("Chỉ văn thư được cấp lại (đính chính) kết quả")
    forms.validate(SCHEMA, payload, what="Yêu cầu cấp lại")
    old = latest_result(session, dossier)
    if dossier.status not in HAS_RESULT or old is None or dossier.outcome == "refused":
        raise Conflict("Hồ sơ chưa có kết quả đã ban hành để cấp lại", code="no_result")
    if pending(session, dossier) is not None:
        raise Conflict("Kết quả cấp lại trước đang chờ thủ trưởng cơ quan ký số", code="reissue_pending")
    if "form" in payload:
        version = dossier.procedure_version
        forms.validate(version.forms[version.info["filing_form"]], payload["form"])
    # written in the name of the agency that decides, as the first result (D22, D29): its head signs, its register
    # numbers, whatever agency received the dossier
    issuer = work_agency(dossier, "approval")
    signer = letters.signer_for(session, dossier, reissues.SIGNER_ROLE, "ký kết quả cấp lại", "D22",
                                agency_id=issuer)
    new = reissues.reissue(session, ctx.settings, dossier, old, signer, payload["reason"].strip(), ctx.now,
                           payload.get("number"), issuer=issuer,
                           notify=issuance.notice("result_ready", {"outcome": "reissued"}))
    if "form" in payload:  # printed by the new result, the dossier's data once it is issued
        corrected = {**new.payload["replaces"], "form": issuance.to_json(payload["form"])}
        new.payload = {**new.payload, "replaces": corrected}
    audit.record(session, dossier, ctx.now, ctx.user, "reissue_result", dossier.status,
                 data={"reason": payload["reason"].strip(), "replaces": old.number, "number": new.number,
                       **({"form": sorted(payload["form"])} if "form" in payload else {})})
    return dossier


def pending(session: Session, dossier: Dossier) -> SigningRequest | None:
    """The dossier's re-issue still waiting for its signature (at most one: ``reissue_result`` refuses a second)."""
    return session.scalar(select(SigningRequest).where(SigningRequest.dossier_id == dossier.id,
                                                       SigningRequest.kind == "reissue",
                                                       SigningRequest.state.in_(OPEN_STATES))
                          .order_by(SigningRequest.id.desc()).limit(1))


def may_withdraw(user, req: SigningRequest) -> bool:
    """The clerk who asks re-issues, or the person who must sign this one (D35: signing needs their consent)."""
    return ROLE in user.roles or (req.signer_id is not None and req.signer_id == user.id)


def withdraw(session: Session, ctx: Context, code: str, payload) -> Dossier:
    """Withdraw the re-issue waiting for its signature, with a reason: the request is ``withdrawn`` with its number
    (never given again, NĐ 30/2020), the result in force and the dossier's data stay as they are, the trail
    records who withdrew it and why, and a new correction can be asked."""
    dossier = visible_dossier(session, ctx.user, code)
    req = pending(session, dossier)
    if req is not None and not may_withdraw(ctx.user, req):
        raise Forbidden("Chỉ văn thư hoặc người phải ký được thu hồi yêu cầu cấp lại kết quả")
    if req is None and ROLE not in ctx.user.roles:
        raise Forbidden("Chỉ văn thư được thu hồi yêu cầu cấp lại (đính chính) kết quả")
    forms.validate(WITHDRAWAL, payload, what="Yêu cầu thu hồi")
    if req is None:
        raise Conflict("Hồ sơ không có kết quả cấp lại nào đang chờ ký số", code="no_reissue_pending")
    reason = payload["reason"].strip()
    signer = ROLE not in ctx.user.roles  # the head who must sign refuses it
    req.state = "withdrawn"
    draft = req.document  # rendered for its signer: never signed now, shown withdrawn (D22; engine.cases.summary)
    if draft is not None and draft.state == "pending_signature":
        draft.state = "withdrawn"
    req.message = ("Người ký từ chối ký" if signer else "Văn thư thu hồi yêu cầu cấp lại") + \
        f": {reason}; số văn bản được thu hồi"
    audit.record(session, dossier, ctx.now, ctx.user, "withdraw_reissue", dossier.status,
                 data={"request": req.id, "number": req.number, "reason": reason,
                       "by": "signer" if signer else "clerk"})
    return dossier
