"""Signing requests (D35): a decision records who must sign which document; the document is rendered after the
commit; its signer signs it with their own key and consent; only then does the dossier move on (D22).

The leader's approval (or the head's refusal, D21) records a request and takes the result's number from the
agency's register in the same transaction (engine.paperwork.numbers): the decision and its duty to sign exist
together or not at all, and a rolled-back decision gives its number back with it (the register row is written
in that transaction), so the register has no gap from a failure. A number leaves the register unused only when
the dossier ends before its result is issued (withdrawn or stopped): the request is then marked ``withdrawn``
with its number, which is how a withdrawn number is shown in the register (NĐ 30/2020: numbers follow the
order of issue and are never given twice).

Rendering (``render_one``) and signing (``sign``) run outside any write transaction: a short transaction claims
the request, the PDF work runs with no lock held, a short transaction stores the outcome. A failure on the way
leaves the request where it was (pending, or awaiting its signer) with its message, and the dossier unchanged.
"""
from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext, suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import bindparam, or_, select, text
from sqlalchemy.orm import Session, lazyload

from engine.cases.dossiers import CITIZEN_DOCUMENT_KINDS, Context, ensure_not_suspended, work_agency
from engine.core import memory, templating
from engine.core.clock import iso_vn
from engine.core.errors import Conflict, NotFound
from engine.core.settings import Settings
from engine.data import audit
from engine.data.agency_model import Agency
from engine.data.model import Document, Dossier, User
from engine.data.signing_model import OPEN_REQUEST, OPEN_STATES, SigningRequest, withdraw_personal
from engine.cases import issuing, signer_duty, signing_attempts
from engine.cases.signing_methods import method_of, set_method  # noqa: F401 - known from here by edges and tests
from engine.cases.signing_attempts import (LOCK_AFTER_FAILURES, LOCK_MINUTES, PIN_ERRORS,  # noqa: F401 - known
                                           TooManyPinAttempts, locked_until)  # from here by edges and tests
from engine.paperwork import documents, drafting, issuance, numbers, registrations, resultdata, results, signers

RESULT_SERIES = "KQ"  # the symbol of the results' numbers unless the procedure declares its own (result.symbol)
CLAIM_EXPIRES = timedelta(minutes=5)  # a drain that died while rendering: its claim is taken over after this
PENDING_MESSAGE = "Chờ xác nhận trên thiết bị ký số"
Transaction = Callable[[], AbstractContextManager[Session]]  # the edge's unit of work: commits at exit
# A dossier's requests asked for by a command that holds the dossier: its row (with the procedure version, whose
# forms and catalogue entry are decoded again on every joined row) is not read again; the signer is read if used.
_OF_LOADED_DOSSIER = (lazyload(SigningRequest.dossier), lazyload(SigningRequest.signer))
_WAITING = (select(SigningRequest).where(SigningRequest.dossier_id == bindparam("dossier_id"),
                                         SigningRequest.kind == "result_draft", SigningRequest.state.in_(OPEN_STATES))
            .limit(1).options(*_OF_LOADED_DOSSIER))  # built once: every officer's command asks it


# -- recorded with the decision ------------------------------------------------------------------------------
def request_result(session: Session, dossier: Dossier, signer: User, signer_role: str, outcome: str,
                   opinion: str, now: datetime) -> SigningRequest:
    """The result (or the refusal notice) to be signed personally by ``signer``, with its number in the agency's
    register of results ("12/GCN-UBND"; a refusal notice "13/TB-UBND", engine.paperwork.resultdata) and, for an
    approval whose procedure registers something, its registration number (engine.paperwork.registrations)."""
    declared = (dossier.procedure_version.info.get("result") or {}).get("symbol") or RESULT_SERIES
    if outcome != "refused":
        registrations.assign(session, dossier)
    issuer = work_agency(dossier, "approval")  # numbered in the register of the agency that decides (D21, D29)
    issuer_symbol = session.get(Agency, issuer).symbol or ""  # its abbreviation: "12/GCN-STC" (NĐ 30/2020)
    number = numbers.allocate(session, issuer, "result", resultdata.symbol(declared, outcome == "refused",
                                                                         issuer_symbol), now)
    req = SigningRequest(dossier_id=dossier.id, kind="result_draft", purpose="personal", signer_id=signer.id,
                         agency_id=issuer, role=signer_role, method=method_of(session, signer),
                         outcome=outcome, opinion=opinion or "", state="pending", number=number.text,
                         register_year=number.year, register_seq=number.seq, created_at=now, attempts=0)
    session.add(req)
    session.info["signing_requests"] = True  # the edge wakes the drain after the commit
    return req


_SIGNED_RESULT = (select(SigningRequest).where(SigningRequest.dossier_id == bindparam("dossier_id"),
                                               SigningRequest.kind == "result_draft", SigningRequest.state == "signed")
                  .order_by(SigningRequest.id.desc()).limit(1).options(*_OF_LOADED_DOSSIER))  # built once


def signed_result(session: Session, dossier: Dossier) -> SigningRequest | None:
    """The latest signed request for ``dossier``'s result (its number, its signer's certificate), if any."""
    return session.scalar(_SIGNED_RESULT, {"dossier_id": dossier.id})


def result_register(req: SigningRequest | None) -> tuple[str, numbers.Number] | None:
    """The number of the signed result ``req`` (the clerk issues it with this number), if any."""
    if req is None or req.number is None:
        return None
    series = req.number.split("/", 1)[1]
    return req.number, numbers.Number(req.agency_id, "result", req.register_year, req.register_seq, series)


def withdraw_open(session: Session, dossier: Dossier, now: datetime) -> None:
    """The dossier ends without its result: what waits for a signer (the result, a letter, a re-issue) is
    withdrawn with its number; what the agency seals alone (what already happened) is still issued."""
    withdraw_personal(session, dossier.id)


def being_issued(session: Session, dossier: Dossier) -> list[str]:
    """The kinds of the documents decided for ``dossier`` and not made yet (a result being signed counts as the
    result): what the citizen sees as "đang phát hành" instead of a PDF (D22). Only what will be theirs: the
    agencies' own papers (the liên thông hand-over slip, D33) are not coming to them."""
    kinds = session.scalars(select(SigningRequest.kind).where(SigningRequest.dossier_id == dossier.id,
                                                            SigningRequest.state.in_(OPEN_STATES))
                            .order_by(SigningRequest.id))
    finals = (issuing.FINAL_KIND.get(k, "result" if k == "result_draft" else k) for k in kinds)
    return list(dict.fromkeys(k for k in finals if k in CITIZEN_DOCUMENT_KINDS))


def waiting_signature(session: Session, dossier: Dossier) -> SigningRequest | None:
    """The result's decision still waiting for its signer (documents issued by the agency's seal do not wait)."""
    return session.scalar(_WAITING, {"dossier_id": dossier.id})


# -- rendered after the commit ----------------------------------------------------------------------------------
def claim_next(session: Session, now: datetime, purpose: str | None = None) -> int | None:
    """Claim one request to render (FOR UPDATE SKIP LOCKED on PostgreSQL: several drains share the work);
    ``purpose``: only those (``seal``: the documents the agency issues alone, no signer waiting)."""
    query = (select(SigningRequest).where(or_(
                (SigningRequest.state == "pending")
                & (SigningRequest.retry_at.is_(None) | (SigningRequest.retry_at <= now)),
                (SigningRequest.state == "rendering") & (SigningRequest.claimed_at < now - CLAIM_EXPIRES)))
             .order_by(SigningRequest.id).limit(1))
    if purpose is not None:
        query = query.where(SigningRequest.purpose == purpose)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=SigningRequest)
    req = session.scalar(query)
    if req is None:
        return None
    req.state, req.claimed_at, req.attempts = "rendering", now, req.attempts + 1
    return req.id


def render_one(transaction: Transaction, settings: Settings, request_id: int, now: datetime) -> None:
    """Render the claimed request's document and store it, pending its signature (a document the agency seals
    is made whole: engine.cases.issuing); on any error the request goes back to ``pending`` with the error (the
    next drain tries again) and nothing else changes."""
    with transaction() as session:
        req = session.get(SigningRequest, request_id)
        if req is None or req.state != "rendering":
            return
        if req.purpose == "seal":
            sealed = True
        else:
            sealed = False
            try:
                signer_name, agency = req.signer.full_name if req.signer else "", issuing.issuer(session, req)
                with memory.young_garbage():  # CPU and reads: no lock to wait for
                    content = drafting.render(settings, req, signer_name, agency)
            except Exception as exc:  # noqa: BLE001 - a broken template must not stop the drain
                failed = f"{type(exc).__name__}: {exc}"[:2000]
                content = None
    if sealed:
        issuing.seal_one(transaction, settings, request_id, now)
        return
    with transaction() as session:
        req = session.get(SigningRequest, request_id)
        if req is None or req.state != "rendering":
            return
        if content is None:  # tried again by a drain after its wait (issuing.put_back), or when the signer signs
            issuing.put_back(session, req, failed, now)
            return
        doc = documents.add(session, settings.data_dir, req.dossier, issuing.DRAFT_KIND[req.kind],
                            _draft_name(req), "application/pdf", content, now)
        doc.state, doc.number = "pending_signature", req.number
        req.document_id, req.state, req.rendered_at, req.last_error = doc.id, "awaiting_signer", now, None


def _draft_name(req: SigningRequest) -> str:
    return (req.payload or {}).get("name") or f"ket-qua-{req.dossier.code}-du-thao.pdf"


def drain(transaction: Transaction, settings: Settings, now: datetime, limit: int = 50,
          purpose: str | None = None) -> int:
    """Render every pending request (up to ``limit``; of ``purpose`` only if given); returns how many were
    claimed."""
    done = 0
    for _ in range(limit):
        with transaction() as session:
            request_id = claim_next(session, now, purpose)
        if request_id is None:
            break
        render_one(transaction, settings, request_id, now)
        done += 1
    return done


# -- the signer signs -------------------------------------------------------------------------------------------
def visible(session: Session, user: User, request_id: int, held: bool = False) -> SigningRequest:
    """``held``: held first (signing_attempts.hold) and read as committed, so that attempts write it in turn."""
    if held:
        signing_attempts.hold(session, request_id)
    req = session.get(SigningRequest, request_id, populate_existing=held)
    if req is None or req.signer_id != user.id:
        raise NotFound("Không tìm thấy yêu cầu ký số", code="signing_request_not_found")
    return req


def pending_for(session: Session, user: User, limit: int = 200) -> list[SigningRequest]:
    """The caller's requests that wait for them (the inbox's "Chờ ký số"), read off their partial index."""
    return list(session.scalars(select(SigningRequest).where(SigningRequest.signer_id == user.id,
                                                             text("signing_request." + OPEN_REQUEST))
                                .order_by(SigningRequest.id).limit(limit)))


def describe(req: SigningRequest) -> dict:
    return {"id": req.id, "dossier": req.dossier.code, "kind": req.kind, "purpose": req.purpose, "role": req.role,
            "outcome": req.outcome or None, "state": req.state, "method": req.method.get("kind"), "number": req.number,
            "document": req.document_id, "message": req.message or req.last_error,
            "created_at": iso_vn(req.created_at), "signed_at": iso_vn(req.signed_at)}


@dataclass(frozen=True)
class Signed:
    """What ``sign`` answers: 200 with the signed request, or 202 while a confirmation is awaited."""

    status: int
    request: dict


@dataclass(frozen=True)
class _Work:
    """What signing needs, read in one short transaction: the method, the bytes to sign, who and why."""

    method: dict
    content: bytes
    reason: str
    reference: str | None = None  # a remote service's pending confirmation, asked again with it
    description: str = ""  # what the signer's device shows (remote signing)
    seal: tuple[str, str, str | None] | None = None  # the agency's seal follows: (code, name, number)
    redated: datetime | None = None  # made again dated on the day it is signed (D34): recorded once signed


def _open(req: SigningRequest) -> SigningRequest:
    """Still to be signed by its signer, and its dossier not suspended: nothing proceeds on a dossier an
    administrator suspended (engine.cases.operations), and a signed decision moves it on (D22); checked when the
    attempt takes its slot and again before the signature is stored (suspended meanwhile: not stored)."""
    if req.state in ("signed", "withdrawn"):
        raise Conflict("Văn bản này đã được ký hoặc không còn chờ ký", code="signing_request_closed")
    ensure_not_suspended(req.dossier)  # 409 dossier_suspended; signed once the dossier is resumed
    signer_duty.require(req)  # still active, of the agency, in the role it is signed in
    return req


def _claim(session: Session, ctx: Context, request_id: int) -> int:
    """The attempt's slot, the request held (engine.cases.signing_attempts); 429 while it is locked."""
    req = _open(visible(session, ctx.user, request_id, held=True))
    return signing_attempts.claim(session, req.id, ctx.user.id, ctx.now)


def _prepare(session: Session, settings: Settings, ctx: Context, request_id: int) -> _Work:
    req = _open(visible(session, ctx.user, request_id))
    agency = issuing.issuer(session, req)  # whose name the document bears, whose seal follows (D29, D34)
    # A document carries the day it is signed (D34, Vietnam time): signed on another day than the draft's, it is
    # made again dated at the signature, with its number; the draft as rendered is signed on its own day.
    redated = None if drafting.same_day(drafting.dated_at(req), ctx.now) else ctx.now
    if req.document is not None and redated is None:
        content = documents.read(settings.data_dir, req.document)
    else:  # not rendered yet (the signer is waiting), or dated another day: rendered now, stored only once signed
        try:
            content = drafting.render(settings, req, ctx.user.full_name, agency, redated)
        except templating.TemplateProblem as exc:  # the version's layout: nothing to sign, the request waits
            raise Conflict(f"Không tạo được văn bản để ký từ mẫu kết quả của thủ tục ({exc}); yêu cầu ký vẫn chờ. "
                           "Báo người thiết kế quy trình sửa mẫu kết quả.", code="result_template_broken") from None
    seal = None
    if req.kind == "result_draft":
        reason = "Từ chối giải quyết" if req.outcome == "refused" else "Phê duyệt kết quả"
    else:  # a letter, a re-issued result: the agency's seal follows the signature (D20, D22)
        reason = (req.payload or {}).get("reason") or "Ký văn bản"
        seal = (agency.code, agency.name, req.number)
    return _Work(dict(req.method), content, reason, req.reference,
                 f"{reason} hồ sơ {req.dossier.code}" + (f", văn bản số {req.number}" if req.number else ""), seal,
                 redated)


def sign(transaction: Transaction, settings: Settings, ctx: Context, request_id: int, pin: str | None) -> Signed:
    """The signer signs with their method and PIN (never stored, never logged): the document is signed, verified
    and stored, and only then the request is ``signed`` (the clerk may issue). A wrong PIN, an expired
    certificate or a refused device leaves the request as it was (SigningFailed; the attempt is recorded); a
    confirmation still awaited answers 202 with the request unchanged but its message. The attempt takes its slot
    first (at most LOCK_AFTER_FAILURES PINs tried in a window, however many arrive at once); what is not a
    judged PIN (a fault, a confirmation awaited, the request signed meanwhile) gives its slot back."""
    with transaction() as session:
        slot = _claim(session, ctx, request_id)
    try:
        return _attempt(transaction, settings, ctx, request_id, pin, slot)
    except signers.SigningFailed:  # its slot settled with its code (_record_failure)
        raise
    except BaseException:
        with suppress(Exception), transaction() as session:  # the database failing too: the slot lapses
            signing_attempts.drop(session, slot)
        raise


def _attempt(transaction: Transaction, settings: Settings, ctx: Context, request_id: int, pin: str | None,
             slot: int) -> Signed:
    with transaction() as session:
        work = _prepare(session, settings, ctx, request_id)
    key_file = results.pki(settings).user_key(ctx.user.username)
    try:
        with memory.young_garbage() if issuing.all_cpu(settings, work.method) else nullcontext():
            key = signers.open_signer(work.method, pin=pin, default_file=key_file, settings=settings,
                                      reference=work.reference, description=work.description)
            until = _certificate_until(key)
            content = results.sign_personally(settings, work.content, key, ctx.user.full_name, ctx.now,
                                              work.reason)
            checks = results.verify(settings, content, ctx.now)
            personal = [c for c in checks if c.field == results.FIELD_PERSONAL]
            if not personal or not all(c.valid for c in personal):
                raise signers.SigningFailed("Chữ ký vừa tạo không hợp lệ: " + "; ".join(c.message for c in personal)
                                            + "; văn bản chưa được ký", code="signature_invalid")
            if work.seal is not None:
                content, checks = results.seal_checked(settings, content, *work.seal[:2], ctx.now, work.seal[2])
    except signers.SigningPending as waiting:
        with transaction() as session:
            req = visible(session, ctx.user, request_id, held=True)
            req.message, req.reference = waiting.message or PENDING_MESSAGE, waiting.reference
            signing_attempts.drop(session, slot)
            return Signed(202, describe(req))
    except signers.SigningFailed as exc:
        _record_failure(transaction, ctx, request_id, exc, slot)
        raise
    with transaction() as session:
        req = _open(visible(session, ctx.user, request_id, held=True))  # suspended or moved meanwhile: not stored
        doc = req.document
        if doc is None:  # signed before any drain rendered it
            doc = documents.add(session, settings.data_dir, req.dossier, issuing.DRAFT_KIND[req.kind],
                                _draft_name(req), "application/pdf", content, ctx.now)
            req.document_id, req.rendered_at = doc.id, ctx.now
        else:
            doc.sha256, doc.size = documents.store_bytes(settings.data_dir, content), len(content)
        doc.state, doc.created_at, doc.number = "signed", ctx.now, req.number
        if work.redated is not None:  # its date, to make it again the same (engine.paperwork.drafting)
            req.payload = {**(req.payload or {}), drafting.DATED: issuance.to_json(work.redated)}
        results.record(session, doc, checks, ctx.now)
        if req.kind != "result_draft":  # signed and sealed: issued
            doc.kind = issuing.final_kind(req)
            issuing.finish(session, settings, req, doc, ctx.now)
            signing_attempts.settle(session, slot, None)
            audit.record(session, req.dossier, ctx.now, ctx.user, "sign_document", req.dossier.status,
                         data={"request": req.id, "document": doc.id, "kind": doc.kind, "number": req.number})
            return Signed(200, describe(req))
        req.state, req.signed_at, req.message, req.last_error, req.reference = "signed", ctx.now, None, None, None
        # what the clerk's issue checks without verifying the PDF again (the worker verifies the sealed result)
        req.payload = {**(req.payload or {}), "certificate_until": until and until.isoformat(),
                       "timestamped": bool(settings.tsa_url)}
        signing_attempts.settle(session, slot, None)
        dossier = req.dossier
        audit.record(session, dossier, ctx.now, ctx.user, "sign_result", dossier.status,
                     data={"request": req.id, "document": doc.id, "number": req.number})
        return Signed(200, describe(req))


def _certificate_until(key) -> datetime | None:
    cert = getattr(key, "signing_cert", None)
    return cert["tbs_certificate"]["validity"]["not_after"].native if cert is not None else None


def certificate_lapsed(req: SigningRequest | None, now: datetime) -> str | None:
    """D22 judged when the clerk issues the result (``req``: its signed request): the signer's certificate has
    expired since they signed (and no trusted timestamp proves the time of signing), said as the verification says
    it; else None."""
    until = (req.payload or {}).get("certificate_until") if req is not None else None
    if until is None or req.payload.get("timestamped") or now <= datetime.fromisoformat(until):
        return None
    return f"Chứng thư số hết hiệu lực ({datetime.fromisoformat(until):%d/%m/%Y})"


def _record_failure(transaction: Transaction, ctx: Context, request_id: int, exc: signers.SigningFailed,
                    slot: int) -> None:
    """The attempt is recorded (the PIN is not); wrong PINs count towards the request's lock."""
    if exc.code == "bad_key":
        exc.message = "Mã PIN không đúng; văn bản chưa được ký"
    with transaction() as session:
        req = visible(session, ctx.user, request_id, held=True)  # other attempts failing at once: one by one
        req.last_error = exc.message
        if req.reference is not None:  # refused, expired or failed: the next attempt asks the signer anew, with
            req.reference, req.method = None, method_of(session, req.signer)  # the method they use now (D35)
        signing_attempts.settle(session, slot, exc.code)


def signed_draft_of(session: Session, dossier: Dossier) -> Document | None:
    return session.scalar(select(Document).where(Document.dossier_id == dossier.id,
                                                 Document.kind == "result_draft", Document.state == "signed")
                          .order_by(Document.id.desc()).limit(1))
