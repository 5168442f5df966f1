"""Re-issued results (cấp lại, đính chính): a corrected result under a new number, linked to the one it replaces.

The replaced document stays in the dossier and its record, marked by its successor (``replaced_by_id``); the
new one names it (``replaces_id``) and prints which document it replaces, when and why. Like the first issue
(D22) it carries the competent person's personal signature and the organisation's seal, and is verified before
it is stored. The personal signature is the head of agency's, made through a signing request (the signer's
consent, D35); the replaced result stays in force until its successor is signed.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from engine.core.errors import Invalid
from engine.core.settings import Settings
from engine.data.agency_model import Agency
from engine.data.model import Document, Dossier, User
from engine.data.signing_model import SigningMethod, SigningRequest
from engine.paperwork import issuance, numbers, resultdata, signers

KIND = "result"
SIGNER_ROLE = "head_of_agency"


def reissue(session: Session, settings: Settings, dossier: Dossier, old: Document, signer: User, reason: str,
            now: datetime, number: str | None = None, issuer: int | None = None,
            notify: dict | None = None) -> SigningRequest:
    """Record the corrected result to be rendered after the commit, signed by ``signer`` with their own device
    and consent (D35, "Chờ ký số"), then sealed, verified and stored, replacing ``old``
    (engine.cases.signing_requests). Its number is the next of the register of results of ``issuer`` (the agency
    in whose name it is written; the receiving agency unless given), taken now ("<n>/<symbol>"): a number is never
    given twice nor skipped (Nghị định 30/2020/NĐ-CP), so the clerk's ``number``, if any, must be that one, else
    nothing is issued and the refusal rolls the register back with the command."""
    issuer = dossier.agency_id if issuer is None else issuer
    declared = (dossier.procedure_version.info.get("result") or {}).get("symbol") or "KQ"
    symbol = resultdata.symbol(declared, False, session.get(Agency, issuer).symbol or "")  # "GCN-STC" (NĐ 30)
    register = numbers.allocate(session, issuer, KIND, symbol, now)
    given = number.strip() if isinstance(number, str) else number
    if given not in (None, "", register.text):
        raise Invalid(f"Số văn bản {given} khác số {register.text} tiếp theo trong sổ đăng ký kết quả của cơ quan; "
                      f"kết quả cấp lại được ban hành với số {register.text} (theo Nghị định 30/2020/NĐ-CP)",
                      code="document_number_mismatch", rule="D22",
                      fields={"number": f"Phải là số {register.text} (hoặc để trống)"})
    method = session.get(SigningMethod, signer.id)
    payload = {"replaces": {"number": old.number, "issued_on": old.created_at, "reason": reason}, "old": old.id,
               "name": f"ket-qua-{dossier.code}-cap-lai.pdf",
               "reason": f"Cấp lại (đính chính) kết quả số {old.number or ''}".strip(),
               **({"notify": notify} if notify is not None else {})}
    return issuance.record(session, dossier, "reissue", now, payload, number=register, signer=signer,
                           role=SIGNER_ROLE, method=method.method if method is not None else signers.DEFAULT_METHOD,
                           outcome=dossier.outcome or "approved")
