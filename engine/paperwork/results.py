"""Signed documents of a dossier: the result (D22), signature records, and the demo PKI for an agency.

The result is drafted and signed personally by the competent person when they approve (or refuse), then
sealed by the clerk with the organisation's signature and the document number. A result that does not carry
a valid personal signature cannot be issued.
"""
from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.paperwork import documents, pdf, signatures
from engine.core.clock import VN_TZ
from engine.core.errors import Invalid
from engine.data.model import ROLES, Document, DocumentSignature, Dossier, User
from engine.core.settings import Settings

SIGNING_ROLES = ("department_leader", "head_of_agency", "centre_director", "receiving_officer")
FIELD_PERSONAL, FIELD_ORGANISATION = "ChuKyCaNhan", "ChuKySoToChuc"


def pki(settings: Settings) -> signatures.Pki:
    return signatures.Pki(settings.pki_dir, settings.passphrase, settings.trust_dir)


def ensure_keys(session: Session, settings: Settings, now: datetime) -> int:
    """Create the demo PKI and any missing key: one per signing officer, one seal per agency."""
    from engine.data.model import Agency

    keys = pki(settings)
    agencies = list(session.scalars(select(Agency).order_by(Agency.id)))
    keys.init(agencies[0].name if agencies else "TTHC", now)
    made = 0
    for agency in agencies:
        path = keys.org_key(agency.code)
        made += not path.exists()
        keys.issue(path, agency.name, agency.name, now)
    for user in session.scalars(select(User).where(User.agency_id.is_not(None))):
        if user.roles & set(SIGNING_ROLES):
            path = keys.user_key(user.username)
            made += not path.exists()
            keys.issue(path, user.full_name, user.agency.name, now)
    return made


def record(session: Session, doc: Document, checks: list[signatures.SignatureCheck], now: datetime) -> None:
    for check in checks:
        session.add(DocumentSignature(document_id=doc.id, field=check.field, signer=check.signer,
                                      organisation=check.organisation, signed_at=check.signed_at,
                                      valid=check.valid, status=check.status, message=check.message,
                                      checked_at=now))


def verify(settings: Settings, content: bytes, now: datetime) -> list[signatures.SignatureCheck]:
    return signatures.verify_pdf(content, pki(settings).trust_roots(), now)


def place_date(settings: Settings, now: datetime) -> str:
    day = now.astimezone(VN_TZ)
    return f"{settings.place_name}, ngày {day:%d} tháng {day:%m} năm {day:%Y}"


def sign(settings: Settings, content: bytes, signer: User, now: datetime, reason: str) -> bytes:
    """The personal signature of ``signer`` (visible box on the right)."""
    box = pdf.SIGNATURE_BOXES["personal"]
    stamp = pdf.render_stamp([f"Ký bởi: {signer.full_name}",
                              f"Thời gian: {now.astimezone(VN_TZ):%d/%m/%Y %H:%M}"], box, settings.font_dir,
                             "ĐÃ KÝ SỐ")
    return signatures.sign_pdf(content, pki(settings).user_key(signer.username), settings.passphrase,
                               FIELD_PERSONAL, reason, settings.place_name, now, box=box, stamp_pdf=stamp)


def seal(settings: Settings, content: bytes, dossier: Dossier, now: datetime, number: str | None) -> bytes:
    """The organisation's signature (digital seal) with the document number (visible box on the left)."""
    agency = dossier.procedure_version.procedure.agency
    box = pdf.SIGNATURE_BOXES["organisation"]
    lines = [agency.name] + ([f"Số: {number}"] if number else []) + [f"{now.astimezone(VN_TZ):%d/%m/%Y %H:%M}"]
    stamp = pdf.render_stamp(lines, box, settings.font_dir, "ĐÃ KÝ SỐ")
    return signatures.sign_pdf(content, pki(settings).org_key(agency.code), settings.passphrase,
                               FIELD_ORGANISATION, f"Văn thư ban hành{': số ' + number if number else ''}",
                               settings.place_name, now, box=box, stamp_pdf=stamp)


def store_signed(session: Session, settings: Settings, dossier: Dossier, kind: str, name: str, content: bytes,
                 now: datetime, number: str | None = None, component: str | None = None,
                 checks: list[signatures.SignatureCheck] | None = None) -> Document:
    """Store a PDF with its signatures' status (``checks`` when the caller has just verified ``content``)."""
    doc = documents.add(session, settings.data_dir, dossier, kind, name, "application/pdf", content, now)
    doc.number, doc.component = number, component
    record(session, doc, verify(settings, content, now) if checks is None else checks, now)
    return doc


def _form_rows(dossier: Dossier) -> list[tuple[str, str]]:
    schema = dossier.procedure_version.forms[dossier.procedure_version.info["filing_form"]]
    rows = []

    def walk(data: dict, props: dict, prefix: str = "") -> None:
        for key, value in data.items():
            sub = props.get(key, {})
            label = prefix + sub.get("title", key)
            if isinstance(value, dict):
                walk(value, sub.get("properties", {}), label + " — ")
            else:
                rows.append((label, f"{value:,}".replace(",", ".") if isinstance(value, int) else str(value)))

    walk(dossier.form or {}, schema.get("properties", {}))
    return rows


def draft_result(session: Session, settings: Settings, dossier: Dossier, signer: User, signer_role: str,
                 outcome: str, opinion: str, now: datetime) -> Document:
    """Render the result (or the refusal notice) and sign it personally."""
    refused = outcome == "refused"
    content = sign(settings, render_draft(settings, dossier, signer_role, outcome, opinion, now), signer, now,
                   "Từ chối giải quyết" if refused else "Phê duyệt kết quả")
    return store_signed(session, settings, dossier, "result_draft", f"ket-qua-{dossier.code}-du-thao.pdf",
                        content, now)


def render_draft(settings: Settings, dossier: Dossier, signer_role: str, outcome: str, opinion: str,
                 now: datetime, number: str | None = None) -> bytes:
    """The unsigned PDF of the result (or the refusal notice), ready for the competent person's signature."""
    version = dossier.procedure_version
    refused = outcome == "refused"
    title = ("Thông báo từ chối giải quyết hồ sơ" if refused
             else version.info.get("result_title") or f"Kết quả giải quyết thủ tục: {version.procedure.name}")
    blocks = [("para", f"Căn cứ hồ sơ mã số {dossier.code} của Ông/Bà {dossier.owner_name} đề nghị giải quyết "
                       f"thủ tục {version.procedure.name}."),
              ("fields", [("Chủ hồ sơ", dossier.owner_name), ("Số CCCD", dossier.owner_cccd or "")]
               + _form_rows(dossier))]
    if refused:
        blocks.append(("para", f"{version.procedure.agency.name} thông báo không giải quyết hồ sơ với lý do: "
                               f"{opinion or 'không đủ điều kiện theo quy định'}."))
    else:
        blocks.append(("para", f"{version.procedure.agency.name} chấp thuận đề nghị của Ông/Bà theo nội dung trên."
                       + (f" Ý kiến: {opinion}." if opinion else "")))
    doc = pdf.PdfDocument(agency=version.procedure.agency.name, title=title, place_date=place_date(settings, now),
                          number=number or "(văn thư ghi số khi ban hành)", blocks=blocks,
                          signers=["Văn thư (đóng dấu số)", ROLES[signer_role]], qr=dossier.code,
                          footer=f"Mã hồ sơ {dossier.code} — tra cứu tại Cổng dịch vụ công")
    return pdf.render(doc, settings.font_dir)


def current(session: Session, dossier: Dossier, kind: str) -> Document | None:
    return session.scalar(select(Document).where(Document.dossier_id == dossier.id, Document.kind == kind)
                          .order_by(Document.id.desc()).limit(1))


def signatures_of(session: Session, doc: Document) -> list[DocumentSignature]:
    return list(session.scalars(select(DocumentSignature).where(DocumentSignature.document_id == doc.id)
                                .order_by(DocumentSignature.id)))


def issue_result(session: Session, settings: Settings, dossier: Dossier, number: str, now: datetime) -> Document:
    """D22: refused unless the draft carries a valid personal signature; then sealed and numbered.

    The draft was verified when the leader signed it; here its bytes must still be the ones stored (content
    hash), and the sealed result is verified once, every signature in it at ``now`` (so a personal certificate
    that expired since the approval is caught there)."""
    draft = current(session, dossier, "result_draft")
    if draft is None:
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
    sealed = seal(settings, content, dossier, now, number)
    checks = verify(settings, sealed, now)
    personal = [c for c in checks if c.field == FIELD_PERSONAL]
    if not personal or not all(c.valid for c in personal):
        problem = "; ".join(c.message for c in personal) or "không có chữ ký"
        raise Invalid(f"Kết quả chưa có chữ ký số hợp lệ của người có thẩm quyền ({problem}); không thể ban hành "
                      "(theo Nghị định 45/2020/NĐ-CP)", code="result_not_signed", rule="D22")
    if not all(c.valid for c in checks):
        raise Invalid("Chữ ký số của tổ chức không hợp lệ; kết quả chưa được ban hành (theo Nghị định 45/2020/NĐ-CP)",
                      code="seal_invalid", rule="D22")
    return store_signed(session, settings, dossier, "result", f"ket-qua-{dossier.code}.pdf", sealed, now,
                        number=number, checks=checks)
