"""The worker's half of documents issued after the commit (engine.paperwork.issuance): a request sealed by the
agency is rendered (or, for the result, read from the signed draft), sealed with the agency's seal key,
verified and stored, and the citizen is told; a request signed by a person ends here too once signed
(``finish``), from engine.cases.signing_requests.

Like the signing of a result, the PDF work runs between two short transactions: the first reads what to make,
the second stores it only if the request is still claimed by this drain. A failure (a broken template, a seal
that does not verify, a draft changed on disk, what the issue sets off) stores nothing and puts the request back
to ``pending`` with its error, to be tried again later (``put_back``), the drain going on with the next request;
a crash leaves the claim to expire (CLAIM_EXPIRES). Rendering reads only the request's payload, so a repeated
attempt makes the same document.

A failure that repeats (an agency without its seal key until `tthc pki init` is run again, a broken template, a
TSA down) is not retried every minute for ever, each time costing a rendering and a line of log with nobody told.
The spec does not say how often; an operator's choice: each failure doubles the wait before the next try (1, 2, 4
... minutes, never more than MAX_WAIT), counted on the drain's ``now``; from the INCIDENT_AFTER-th failure on, one
open incident per request shows it to the administrators (engine.cases.incidents.record_document), whose retry
runs it at once (engine.timers.retry). The signer or clerk keeps seeing the failure's own message on the request.
"""
from __future__ import annotations

import hashlib
import logging
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import update
from sqlalchemy.orm import Session

from engine.cases import incidents, notices, offers
from engine.core import memory
from engine.core.errors import EngineError
from engine.core.settings import Settings
from engine.data.model import Agency, Document, Letter
from engine.data.signing_model import SigningRequest
from engine.paperwork import documents, drafting, issuance, numbers, results, signers

Transaction = Callable[[], AbstractContextManager[Session]]
log = logging.getLogger(__name__)
FINAL_KIND = {"result": "result", "reissue": "result", "apology": "apology"}  # the stored document's kind
DRAFT_KIND = {"result_draft": "result_draft", "apology": "apology_draft", "reissue": "reissue_draft"}
MAX_WAIT = timedelta(hours=1)  # the longest wait between two tries: a mended cause is picked up within the hour
INCIDENT_AFTER = 5  # the failures an operator leaves to the worker before an administrator is shown them


# The documents of intake, in the name of the agency that received the dossier (engine.cases.offers "receipt").
RECEIVING_KINDS = frozenset({"receipt", "supplement_request", "refusal", "fee_receipt"})


def final_kind(req: SigningRequest) -> str:
    return FINAL_KIND.get(req.kind, req.kind)


def issuer(session: Session, req: SigningRequest) -> Agency:
    """The agency in whose name the request's document is written and whose seal it carries (D29, D34): the one
    its payload names (the official forms and letters record whose name they print), else by its kind the
    receiving agency (intake) or the issuing agency (the result, a re-issued result: engine.cases.offers)."""
    named = issuance.from_json(req.payload or {}).get("issuer")
    if isinstance(named, int) and not isinstance(named, bool):
        found = session.get(Agency, named)
        if found is not None:
            return found
    purpose = "receipt" if req.kind in RECEIVING_KINDS else "seal"
    return session.get(Agency, offers.agency_for(req.dossier, purpose))


def _content(session: Session, settings: Settings, req: SigningRequest, agency: Agency) -> bytes:
    if req.kind != "result":
        return drafting.render(settings, req, agency=agency)
    draft = session.get(Document, issuance.from_json(req.payload)["draft"])
    content = documents.read(settings.data_dir, draft)
    if hashlib.sha256(content).hexdigest() != draft.sha256 or draft.state != "signed":
        raise ValueError("dự thảo đã ký bị thay đổi sau khi ký")
    return content


def all_cpu(settings: Settings, method: dict | None = None) -> bool:
    """Signing waits on no other service: the agency's seal or a key file, no TSA, no revocation sources. The
    work is then done with the collector waiting, and its garbage collected when it is done, in the drain's or
    the signer's time, not in a later command's (engine.core.memory.young_garbage)."""
    kind = (method or signers.DEFAULT_METHOD).get("kind")
    return not settings.tsa_url and not settings.crl_url and kind == "pkcs12"


def seal_one(transaction: Transaction, settings: Settings, request_id: int, now: datetime) -> None:
    """Make the claimed request's sealed document (see the module's docstring). Whatever fails on the way, storing
    included (what the issue sets off: a notice, a liên thông hand-back), is rolled back and put back to
    ``pending`` with its error like a failed rendering: the drain goes on with the requests behind it."""
    try:
        _seal(transaction, settings, request_id, now)
    except Exception as exc:  # noqa: BLE001 - one request's failure must not hold the others back
        log.exception("sealing request %s failed; it is tried again later", request_id)  # an operator sees it
        with transaction() as session:
            put_back(session, session.get(SigningRequest, request_id), f"{type(exc).__name__}: {exc}"[:2000], now)


def retry_wait(failures: int) -> timedelta:
    """The wait after the ``failures``-th failure in a row: a minute, doubled each time, at most MAX_WAIT."""
    return min(timedelta(minutes=2 ** min(max(failures, 1) - 1, 16)), MAX_WAIT)


def try_now(session: Session) -> int:
    """A cause of failure mended (the seal keys made by `tthc pki init`): every pending sealed document waiting
    out its back-off (``put_back``) is tried at the next beat or drain, not up to an hour later."""
    return session.execute(update(SigningRequest).where(SigningRequest.state == "pending",
                                                         SigningRequest.purpose == "seal",
                                                         SigningRequest.retry_at.is_not(None))
                           .values(retry_at=None, version=SigningRequest.version + 1)
                           .execution_options(synchronize_session=False)).rowcount


def put_back(session: Session, req: SigningRequest | None, failed: str, now: datetime) -> None:
    """The claimed request ``req`` failed: pending again with its error, tried again after ``retry_wait`` of its
    failures (the module's docstring), shown on its incident from the INCIDENT_AFTER-th. Every claim of a request
    still pending failed (or its drain died), so its ``attempts`` count its failures; no drain claims it before
    its ``retry_at``."""
    if req is None or req.state != "rendering":
        return
    req.state, req.last_error = "pending", failed
    req.retry_at = now + retry_wait(req.attempts)
    if req.attempts >= INCIDENT_AFTER:
        title = issuance.TITLES.get(req.kind, "Văn bản")
        number = f" số {req.number}" if req.number else ""
        incidents.record_document(session, req, now, f"{title}{number} chưa phát hành được sau {req.attempts} "
                                  f"lần thử (thử lại sau mỗi lần chờ lâu hơn, tối đa một giờ): {failed}")


def _seal(transaction: Transaction, settings: Settings, request_id: int, now: datetime) -> None:
    failed = sealed = checks = None
    with transaction() as session:
        req = session.get(SigningRequest, request_id)
        if req is None or req.state != "rendering":
            return
        agency = issuer(session, req)
        code, name, number = agency.code, agency.name, req.number
        try:
            with memory.young_garbage():  # CPU and reads: no lock to wait for
                content = _content(session, settings, req, agency)
        except Exception as exc:  # noqa: BLE001 - a broken template must not stop the drain
            failed = f"{type(exc).__name__}: {exc}"[:2000]
    if failed is None:
        try:
            with memory.young_garbage() if all_cpu(settings) else nullcontext():
                sealed, checks = results.seal_checked(settings, content, code, name, now, number)
        except Exception as exc:  # noqa: BLE001 - an invalid seal stores nothing (D22)
            # a refusal the engine words (a TSA down: engine.paperwork.signing_errors) is shown as worded
            failed = (exc.message if isinstance(exc, EngineError) else f"{type(exc).__name__}: {exc}")[:2000]
    with transaction() as session:
        req = session.get(SigningRequest, request_id)
        if req is None or req.state != "rendering":
            return
        if failed is not None:
            put_back(session, req, failed, now)
            return
        payload = issuance.from_json(req.payload or {})
        doc = documents.add(session, settings.data_dir, req.dossier, final_kind(req), payload["name"],
                            "application/pdf", sealed, now)
        results.record(session, doc, checks, now)
        finish(session, settings, req, doc, now)


def finish(session: Session, settings: Settings, req: SigningRequest, doc: Document, now: datetime) -> None:
    """The document is made and valid: it takes its place in its register, the letter or replaced result it
    belongs to points to it (a re-issue's corrected form becomes the dossier's data: engine.cases.reissue), the
    request is done and the citizen is told (D28, with the document linked)."""
    register = issuance.register_of(req, doc.kind)
    if register is not None:
        numbers.enter(doc, register)
    else:
        doc.number = req.number
    doc.state = "signed"
    payload = issuance.from_json(req.payload or {})
    if "letter" in payload:
        session.get(Letter, payload["letter"]).document_id = doc.id
    if "old" in payload:
        old = session.get(Document, payload["old"])
        doc.replaces_id, old.replaced_by_id = old.id, doc.id
        corrected = (payload.get("replaces") or {}).get("form")
        if corrected is not None:  # a correction is the dossier's data once the result stating it is in force
            req.dossier.form = corrected
    req.document_id, req.state, req.signed_at, req.last_error, req.reference = doc.id, "signed", now, None, None
    if payload.get("notify"):
        notices.notify(session, settings, payload["notify"]["event"], now=now, dossier=req.dossier, document=doc,
                       context=payload["notify"]["context"])
    if doc.kind == "result" and req.dossier.parent_id is not None:  # liên thông (D33): the answer goes back
        from engine.cases import lienthong

        lienthong.hand_back(session, settings, req.dossier, doc, now)
