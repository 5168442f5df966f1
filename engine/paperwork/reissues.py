"""Re-issued results (cấp lại, đính chính): a corrected result under a new number, linked to the one it replaces.

The replaced document stays in the dossier and its record, marked by its successor (``replaced_by_id``); the
new one names it (``replaces_id``) and prints which document it replaces, when and why. Like the first issue
(D22) it carries the competent person's personal signature and the organisation's seal, and is verified before
it is stored. The personal signature is made with the head of agency's key on the server, as the approval does
today; when signing requests exist it becomes one (the signer's consent, D35).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from engine.core.errors import Invalid
from engine.core.settings import Settings
from engine.data.model import Document, Dossier, User
from engine.paperwork import numbers, results

KIND = "result"
SIGNER_ROLE = "head_of_agency"


def reissue(session: Session, settings: Settings, dossier: Dossier, old: Document, signer: User, reason: str,
            now: datetime, number: str | None = None) -> Document:
    """Render, sign, seal, verify and store the corrected result; ``number``: the clerk's, else the next of
    the agency's register of results ("<n>/<symbol>")."""
    register = None
    if not number:
        symbol = ((dossier.procedure_version.info.get("result") or {}).get("symbol") or "KQ")
        register = numbers.allocate(session, dossier.agency_id, KIND, symbol, now)
        number = register.text
    replaces = {"number": old.number, "issued_on": old.created_at, "reason": reason}
    draft = results.render_draft(settings, dossier, SIGNER_ROLE, dossier.outcome or "approved", "", now, number,
                                 signer_name=signer.full_name, replaces=replaces)
    signed = results.sign(settings, draft, signer, now, f"Cấp lại (đính chính) kết quả số {old.number or ''}".strip())
    sealed = results.seal(settings, signed, dossier, now, number)
    checks = results.verify(settings, sealed, now)
    if not checks or not all(c.valid for c in checks):
        problem = "; ".join(c.message for c in checks if not c.valid) or "không có chữ ký"
        raise Invalid(f"Kết quả cấp lại chưa có chữ ký số hợp lệ ({problem}); chưa được ban hành",
                      code="result_not_signed", rule="D22")
    new = results.store_signed(session, settings, dossier, KIND, f"ket-qua-{dossier.code}-cap-lai.pdf", sealed,
                               now, number=number, checks=checks)
    if register is not None:
        numbers.enter(new, register)
    session.flush()
    new.replaces_id, old.replaced_by_id = old.id, new.id
    return new
