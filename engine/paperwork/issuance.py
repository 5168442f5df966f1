"""Documents issued after the commit (D22, D35): a command records what to make, the worker makes it.

Rendering, sealing and verifying a PDF costs tens of milliseconds of CPU; inside a command's write transaction
that time holds SQLite's only writer and is paid by every officer waiting behind it. So a command that issues a
document (Mẫu 01–03, the stop notice, an apology or extension letter, the sealed result, a re-issued result)
only records a request (engine.data.signing_model.SigningRequest) in its own transaction, with the document's
number taken from its register there (so the register has no gap and no number is given twice) and every value
the document prints, computed from the dossier as it is at that moment (``payload``). The worker's drain, and
``tthc serve``'s drain right after the commit, render the document from the payload alone
(engine.paperwork.drafting), so a rendering repeated after a crash makes the same document.

Two purposes:

* ``seal``: the organisation's digital seal (D35: "the organisation's seal is applied by the clerk" — it is the
  agency's key, not a person's, applied by the command of the officer who issued the document). The drain
  renders, seals with the agency's seal key, verifies and stores the document in one go.
* ``personal``: a person must sign (the leader's result, the head's apology letter, the head's re-issued
  result): the drain renders the draft, the signer signs it in "Chờ ký số" with their own device and consent
  (engine.cases.signing_requests), and the agency's seal follows their signature where the document carries one.

D22 holds: until the request is done the citizen sees "đang phát hành" and no notice links or attaches an
unsigned PDF; the notice that carries the document is written in the transaction that stores it.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from engine.data.model import Dossier, User
from engine.data.signing_model import SigningRequest
from engine.paperwork import numbers

SEAL_METHOD = {"kind": "seal"}  # the agency's seal key (engine.paperwork.pki, Pki.org_key)
# The documents a citizen is told of by name while they are being issued (the portal, "đang phát hành").
TITLES = {"receipt": "Giấy tiếp nhận hồ sơ và hẹn trả kết quả", "supplement_request": "Phiếu yêu cầu bổ sung hồ sơ",
          "refusal": "Phiếu từ chối tiếp nhận hồ sơ", "stop_notice": "Thông báo dừng giải quyết hồ sơ",
          "apology": "Phiếu xin lỗi và hẹn lại ngày trả kết quả", "result": "Kết quả giải quyết"}


def to_json(value):
    """``value`` as the payload keeps it: datetimes as tagged ISO strings, tuples as lists."""
    if isinstance(value, datetime):
        return {"$at": value.isoformat()}
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    return value


def from_json(value):
    if isinstance(value, dict):
        if set(value) == {"$at"}:
            return datetime.fromisoformat(value["$at"])
        return {k: from_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_json(v) for v in value]
    return value


def notice(event: str, context: dict | None = None) -> dict:
    """The notice to write when the document is stored (engine.cases.notices.notify's event and context)."""
    return {"event": event, "context": to_json(context or {})}


def record(session: Session, dossier: Dossier, kind: str, now: datetime, payload: dict, *,
           number: numbers.Number | None = None, text: str | None = None, actor: User | None = None,
           signer: User | None = None, role: str = "", method: dict | None = None,
           outcome: str = "") -> SigningRequest:
    """The request to make document ``kind`` of ``dossier`` after the commit: sealed by the agency (no
    ``signer``; ``actor`` is the officer whose command issues it) or signed by ``signer`` first."""
    req = SigningRequest(dossier_id=dossier.id, kind=kind, purpose="personal" if signer is not None else "seal",
                         signer_id=signer.id if signer is not None else None,
                         agency_id=number.agency_id if number is not None else dossier.agency_id,  # its register's
                         role=role, method=dict(method or SEAL_METHOD), outcome=outcome, opinion="", state="pending",
                         number=number.text if number is not None else text,
                         register_year=number.year if number is not None else None,
                         register_seq=number.seq if number is not None else None, created_at=now, attempts=0,
                         payload=to_json({**payload, **({"actor": actor.id} if actor is not None else {})}))
    session.add(req)
    session.info["signing_requests"] = True  # the edge wakes the drain after the commit
    return req


def register_of(req: SigningRequest, kind: str) -> numbers.Number | None:
    """The place in the register the command took for the request's document."""
    if req.register_seq is None or req.number is None:
        return None
    return numbers.Number(req.agency_id, kind, req.register_year, req.register_seq, req.number.split("/", 1)[1])
