"""Signed documents of a dossier: the result (D22), signature records, and the demo PKI for an agency.

The result is drafted when the competent person approves (or refuses), rendered after the commit and signed
by them with their own key (engine.cases.signing_requests, D35), then sealed by the clerk with the
organisation's signature and the document number. A result that does not carry
a valid personal signature cannot be issued.
"""
from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, object_session

from engine.paperwork import documents, longterm, numbers, pdf, resultdata, resultlayouts, signatures
from engine.core import memory, vocabulary
from engine.core.clock import VN_TZ
from engine.core.errors import Invalid
from engine.data.model import Agency, AuditEvent, Document, DocumentSignature, Dossier, User
from engine.data.signing_model import SigningRequest
from engine.core.settings import Settings

SIGNING_ROLES = ("department_leader", "head_of_agency", "centre_director", "receiving_officer")
FIELD_PERSONAL, FIELD_ORGANISATION = "ChuKyCaNhan", "ChuKySoToChuc"


def pki(settings: Settings) -> signatures.Pki:
    return signatures.Pki(settings.pki_dir, settings.passphrase, settings.trust_dir, settings.crl_url)


def ensure_keys(session: Session, settings: Settings, now: datetime, pin: str | None = None,
                renew: bool = False) -> int:
    """Create the demo PKI and any missing key: one seal per agency (server passphrase) and, per signing
    officer, their own key encrypted with ``pin`` (D35: the demo's PIN is the demo password; without ``pin``
    no personal key is made). Letters are signed by their signer too (signing requests): no key is held for
    them on the server. ``renew`` (the demo's reload): a personal key that ``pin`` does not open is made again,
    so that the demo's password stays its PIN when the demo is loaded again with another (the sign-in took the
    new password and the key kept the old). One key is tried first: loaded with the same password, nothing
    else is opened."""
    from engine.data.model import Agency

    keys = pki(settings)
    agencies = list(session.scalars(select(Agency).order_by(Agency.id)))
    keys.init(agencies[0].name if agencies else "TTHC", now)
    made = 0
    for agency in agencies:
        path = keys.org_key(agency.code)
        made += not path.exists()
        keys.issue(path, agency.name, agency.name, now)
    people = [user for user in session.scalars(select(User).where(User.agency_id.is_not(None)).order_by(User.id))
              if user.roles & set(SIGNING_ROLES)] if pin is not None else []
    existing = [keys.user_key(user.username) for user in people if keys.user_key(user.username).exists()]
    stale = renew and bool(existing) and not keys.opens(existing[0], pin)
    for user in people:
        path = keys.user_key(user.username)
        if stale and path.exists() and not keys.opens(path, pin):
            path.unlink()
        made += not path.exists()
        keys.issue(path, user.full_name, user.agency.name, now, pin=pin)
    return made


def record(session: Session, doc: Document, checks: list[signatures.SignatureCheck], now: datetime) -> None:
    for check in checks:
        session.add(DocumentSignature(document_id=doc.id, field=check.field, signer=check.signer,
                                      organisation=check.organisation, signed_at=check.signed_at,
                                      valid=check.valid, status=check.status, message=check.message,
                                      checked_at=now, valid_until=check.valid_until))


def verify(settings: Settings, content: bytes, now: datetime) -> list[signatures.SignatureCheck]:
    """The engine's own document (an upload is checked in its sandbox: engine.paperwork.signatures.inspect_pdf).
    Fetches nothing (engine.paperwork.longterm.validation_context): all CPU, its garbage collected at its end."""
    with memory.young_garbage():
        return signatures.verify_pdf(content, pki(settings).trust_roots(), now)


def place_date(settings: Settings, now: datetime) -> str:
    return vocabulary.vn_date_words(now, settings.place_name)


def stamp(settings: Settings, signer_name: str, now: datetime) -> bytes:
    """The visible appearance of a personal signature: who signed and when."""
    return pdf.render_stamp([f"Ký bởi: {signer_name}", f"Thời gian: {now.astimezone(VN_TZ):%d/%m/%Y %H:%M}"],
                            pdf.SIGNATURE_BOXES["personal"], settings.font_dir, "ĐÃ KÝ SỐ")


def sign_personally(settings: Settings, content: bytes, key, signer_name: str, now: datetime, reason: str) -> bytes:
    """The competent person's signature with the key they opened themselves (engine.paperwork.signers)."""
    return signatures.sign_pdf_with(content, key, FIELD_PERSONAL, reason, settings.place_name, now,
                                    box=pdf.SIGNATURE_BOXES["personal"], stamp_pdf=stamp(settings, signer_name, now),
                                    **longterm.signing_options(settings, pki(settings).trust_roots(), now))


def seal(settings: Settings, content: bytes, agency: Agency, now: datetime, number: str | None) -> bytes:
    """The organisation's signature (digital seal) of ``agency`` with the document number (visible box on the
    left): the agency the document names (engine.cases.offers.agency_for)."""
    return seal_with(settings, content, agency.code, agency.name, now, number)


def seal_with(settings: Settings, content: bytes, agency_code: str, agency_name: str, now: datetime,
              number: str | None) -> bytes:
    """``seal`` with the agency named, for a caller holding no session (the drain, a signer's request)."""
    key = pki(settings).org_key(agency_code)
    if not key.exists():  # an agency added since `tthc pki init`: say so, never a stack trace (nothing is issued)
        raise signatures.SigningFailed(f"Cơ quan {agency_name} ({agency_code}) chưa có khóa con dấu số (chứng thư "
                                       "của tổ chức); quản trị hệ thống cần cấp khóa (lệnh tthc pki init) rồi "
                                       "phát hành lại", code="seal_key_missing")
    box = pdf.SIGNATURE_BOXES["organisation"]
    lines = [agency_name] + ([f"Số: {number}"] if number else []) + [f"{now.astimezone(VN_TZ):%d/%m/%Y %H:%M}"]
    stamp = pdf.render_stamp(lines, box, settings.font_dir, "ĐÃ KÝ SỐ")
    return signatures.sign_pdf(content, key, settings.passphrase,
                               FIELD_ORGANISATION, f"Văn thư ban hành{': số ' + number if number else ''}",
                               settings.place_name, now, box=box, stamp_pdf=stamp,
                               **longterm.signing_options(settings, pki(settings).trust_roots(), now))


def store_signed(session: Session, settings: Settings, dossier: Dossier, kind: str, name: str, content: bytes,
                 now: datetime, number: str | None = None, component: str | None = None,
                 checks: list[signatures.SignatureCheck] | None = None) -> Document:
    """Store a PDF with its signatures' status (``checks`` when the caller has just verified ``content``)."""
    doc = documents.add(session, settings.data_dir, dossier, kind, name, "application/pdf", content, now)
    doc.number, doc.component = number, component
    record(session, doc, verify(settings, content, now) if checks is None else checks, now)
    return doc


def facts_of(settings: Settings, dossier: Dossier, signer_role: str, outcome: str, opinion: str, now: datetime,
             number: str | None = None, signer_name: str = "", registration: str | None = None,
             replaces: dict | None = None, agency: Agency | None = None) -> resultdata.ResultFacts:
    """The facts a result template is given, from ``dossier`` (engine.paperwork.resultdata), issued in the name
    of ``agency`` (engine.cases.offers.agency_for(dossier, "seal"): processing, else receiving; None: the
    receiving agency)."""
    version = dossier.procedure_version
    session = object_session(dossier)
    proposal = session.scalar(_PROPOSAL, {"dossier_id": dossier.id}) if session is not None else None
    return resultdata.ResultFacts(
        procedure_code=version.procedure.code, procedure_name=version.procedure.name,
        agency_name=(agency or dossier.agency).name, issuer_symbol=(agency or dossier.agency).symbol or "",
        dossier_code=dossier.code, owner_name=dossier.owner_name,
        form=(replaces or {}).get("form", dossier.form) or {},
        schema=version.forms.get(version.info.get("filing_form") or "", {}),
        issued_on=now, outcome=outcome, opinion=opinion, signer_role=signer_role, signer_name=signer_name,
        number=number or "", registration=(dossier.registration_number if registration is None else registration) or "",
        owner_cccd=dossier.owner_cccd or "", owner_birth_date=dossier.owner_birth_date,
        received_at=dossier.received_at, declaration=version.info.get("result") or {},
        place=settings.place_name, public_url=settings.public_url, replaces=replaces,
        assessment=proposal if isinstance(proposal, dict) else {}, requested_by=_requesting_agency(session, dossier))


def _requesting_agency(session: Session | None, dossier: Dossier) -> str:
    """D33: the name of the agency a liên thông share answers (the parent's processing agency, else the one that
    received it); "" for a citizen's own dossier."""
    if dossier.parent_id is None or session is None:
        return ""
    parent = session.get(Dossier, dossier.parent_id)
    agency = session.get(Agency, parent.processing_agency_id or parent.agency_id) if parent is not None else None
    return agency.name if agency is not None else ""


# the data of the specialist's latest proposal (its audit event keeps the form as submitted): built once
_PROPOSAL = (select(AuditEvent.data).where(AuditEvent.dossier_id == bindparam("dossier_id"),
                                           AuditEvent.action.in_(("propose_approval", "propose_refusal")))
             .order_by(AuditEvent.id.desc()).limit(1))


def render_draft(settings: Settings, dossier: Dossier, signer_role: str, outcome: str, opinion: str,
                 now: datetime, number: str | None = None, *, signer_name: str = "",
                 replaces: dict | None = None, agency: Agency | None = None) -> bytes:
    """The unsigned PDF/A of the result (or the refusal notice), ready for the competent person's signature:
    the layout of the dossier's procedure version (engine.paperwork.resultlayouts), ``number`` in the header
    ("Số: 12/GCN-UBND"; blank until the number is allocated), the signer block for ``signer_role`` of the
    agency, ``signer_name`` under it; ``replaces``: the document a re-issue replaces (number, date, reason);
    ``agency``: the issuing agency (see ``facts_of``); ``now``: the instant it is dated at, the day its signer
    signs it (D34, engine.paperwork.drafting.dated_at). A broken template stored in a version is a
    TemplateProblem."""
    return resultlayouts.render(facts_of(settings, dossier, signer_role, outcome, opinion, now, number,
                                         signer_name, replaces=replaces, agency=agency), settings.font_dir)


_CURRENT = (select(Document).where(Document.dossier_id == bindparam("dossier_id"), Document.kind == bindparam("kind"))
            .order_by(Document.id.desc()).limit(1))  # built once (issuing and returning read it)
_SIGNATURES = (select(DocumentSignature).where(DocumentSignature.document_id == bindparam("document_id"))
               .order_by(DocumentSignature.id))


def current(session: Session, dossier: Dossier, kind: str) -> Document | None:
    return session.scalar(_CURRENT, {"dossier_id": dossier.id, "kind": kind})


def signatures_of(session: Session, doc: Document) -> list[DocumentSignature]:
    return list(session.scalars(_SIGNATURES, {"document_id": doc.id}))


def issue_result(session: Session, settings: Settings, dossier: Dossier, number: str, now: datetime,
                 register: numbers.Number | None = None, actor: User | None = None,
                 notify: dict | None = None) -> SigningRequest:
    """D22: refused unless the draft carries a valid personal signature; then sealed and numbered after the
    commit (engine.paperwork.issuance: the clerk's command applies the agency's seal, the worker makes it).

    The draft was verified when the leader signed it; here its bytes must still be the ones stored (content
    hash) and its recorded personal signature valid. The sealed result is verified once more when it is made,
    every signature in it at that time (so a personal certificate that expired since the approval is caught
    there, and nothing is stored), and again at return (engine.cases.steps.returning)."""
    draft = current(session, dossier, "result_draft")
    if draft is None or draft.state != "signed":
        raise Invalid("Chưa có kết quả được người có thẩm quyền ký số; không thể ban hành (theo Nghị định 45/2020/NĐ-CP)",
                      code="result_not_signed", rule="D22")
    content = documents.read(settings.data_dir, draft)
    recorded = signatures_of(session, draft)
    if hashlib.sha256(content).hexdigest() != draft.sha256:
        problem = "tài liệu đã bị thay đổi sau khi ký"
    elif not any(s.valid and s.field == FIELD_PERSONAL for s in recorded):
        problem = "; ".join(s.message for s in recorded) or "không có chữ ký"
    else:
        problem = None
    if problem:
        raise Invalid(f"Kết quả chưa có chữ ký số hợp lệ của người có thẩm quyền ({problem}); không thể ban hành "
                      "(theo Nghị định 45/2020/NĐ-CP)", code="result_not_signed", rule="D22")
    from engine.paperwork import issuance  # it renders through this module

    payload = {"draft": draft.id, "name": f"ket-qua-{dossier.code}.pdf", **({"notify": notify} if notify else {})}
    if register is not None:
        return issuance.record(session, dossier, "result", now, payload, number=register, actor=actor)
    return issuance.record(session, dossier, "result", now, payload, text=number, actor=actor)


def seal_checked(settings: Settings, content: bytes, agency_code: str, agency_name: str, now: datetime,
                 number: str | None) -> tuple[bytes, list[signatures.SignatureCheck]]:
    """Seal ``content`` and verify every signature of the sealed PDF at ``now``; SigningFailed (nothing to
    store) when any is not valid (D22: nothing invalid is issued)."""
    sealed = seal_with(settings, content, agency_code, agency_name, now, number)
    checks = verify(settings, sealed, now)
    bad = [c.message for c in checks if not c.valid]
    if bad or not checks:
        raise signatures.SigningFailed("Văn bản chưa có chữ ký số hợp lệ (" + ("; ".join(bad) or "không có chữ ký")
                                       + "); chưa được ban hành (theo Nghị định 45/2020/NĐ-CP)", code="seal_invalid")
    return sealed, checks
