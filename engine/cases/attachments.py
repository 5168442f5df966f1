"""Citizens' files on a dossier: checked uploads, signature verification (D9) and reuse from the store (D24).

An upload is accepted by its content, not its name (PDF, JPEG, PNG by their magic bytes), stored by SHA-256
and, when it is a PDF, its signatures are verified against the configured trust anchors. A component that
carries a valid signature may not be asked for on paper. Results and signed files go into the citizen's
document store and can be attached to a later dossier without uploading them again.
"""
from __future__ import annotations

import hashlib
import logging
import unicodedata

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from engine.data import audit
from engine.core import sandbox
from engine.paperwork import documents, images, results, signatures
from engine.cases.dossiers import (
    VISIBLE_TO_CITIZEN, Context, can_see, citizen_conditions, sees_as_citizen, visible_dossier)
from engine.cases.filing import desk_supplements
from engine.core.errors import Conflict, Forbidden, Invalid, NotFound, TooLarge
from engine.core.vocabulary import folded as _folded
from engine.data.model import Document, DocumentSignature, Dossier, User
from engine.law.statuses import PAYMENT, SUBMITTED, SUPPLEMENT, TERMINAL

MAGIC = {b"%PDF-": "application/pdf", b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}
EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
STORE_KINDS = ("result", "filing")
log = logging.getLogger(__name__)
# pyHanko and Pillow imported once in the forkserver, not per upload
sandbox.preload(["engine.paperwork.signatures", "engine.paperwork.images"])


def sniff(content: bytes) -> str:
    for magic, media_type in MAGIC.items():
        if content.startswith(magic):
            return media_type
    raise Invalid("Chỉ nhận tệp PDF, JPEG hoặc PNG", code="bad_file_type", fields={"file": "Loại tệp không hợp lệ"})


def inspect(ctx: Context, content: bytes) -> list[signatures.SignatureCheck]:
    """A PDF from outside, read in a bounded child process (engine.core.sandbox): refused (422) when it cannot be
    read within the limits, is locked or carries active content; otherwise its signatures (D9)."""
    try:
        found = sandbox.run(signatures.inspect_pdf, content, str(results.pki(ctx.settings).trust_dir), ctx.now)
    except sandbox.Overrun as exc:
        log.warning("uploaded PDF refused by %s (%d bytes, %s): %s", ctx.user.username, len(content), exc.kind,
                    exc.detail)
        found = signatures.PdfInspection([], "pdf_too_complex", signatures.TOO_COMPLEX)
    if found.refused:
        if found.detail:
            log.info("uploaded PDF refused (%s): %s", found.refused, found.detail)
        raise Invalid(found.message, code=found.refused, fields={"file": found.message})
    return found.checks


def inspect_image(ctx: Context, content: bytes) -> None:
    """A JPEG or PNG from outside, decoded in a bounded child process: refused (422) when it does not open whole."""
    try:
        found = sandbox.run(images.problem, content)
    except sandbox.Overrun as exc:
        log.warning("uploaded image refused by %s (%d bytes, %s): %s", ctx.user.username, len(content), exc.kind,
                    exc.detail)
        found = images.TOO_LARGE
    if found:
        raise Invalid(found, code="bad_image", fields={"file": found})


NAME_LENGTH = 120  # characters of a file's name kept, its extension aside
MAX_FILES = 60  # files attached to one dossier, over its filing and supplements (a dossier has a few components)


def _clean_name(name: str, media_type: str) -> str:
    """The file's own name without its folders or unprintable characters, in one spelling (NFC: a name sent
    decomposed, as some systems write file names, is the same name), at most NAME_LENGTH characters, cut before
    a mark rather than between a letter and its mark."""
    base = "".join(ch for ch in (name or "tep").rsplit("/", 1)[-1].rsplit("\\", 1)[-1] if ch.isprintable())
    base = unicodedata.normalize("NFC", base).strip().strip(".")
    if len(base) > NAME_LENGTH:
        cut = NAME_LENGTH
        while cut > 0 and unicodedata.combining(base[cut]):
            cut -= 1
        base = base[:cut]
    base = base or "tep"
    return base if base.lower().endswith(EXTENSIONS[media_type]) else base + EXTENSIONS[media_type]


def _editable(session: Session, ctx: Context, code: str) -> Dossier:
    dossier = visible_dossier(session, ctx.user, code)
    if "citizen" not in ctx.user.roles and "receiving_officer" not in ctx.user.roles:
        raise Forbidden("Chỉ người nộp hồ sơ hoặc cán bộ tiếp nhận được đính kèm giấy tờ")
    if dossier.status in TERMINAL:
        raise Invalid("Hồ sơ đã kết thúc; không thể đính kèm thêm", code="dossier_closed")
    # D8, D10: files come with the filing, until the one-stop decides on it (a fee asked with the filing waits
    # before that decision: D26), and answer an open supplement request; the citizen's on the portal, the paper
    # handed in for a desk or post dossier recorded by the receiving officer of its receiving agency
    # (engine.cases.filing.desk_supplements), as the supplement is; and, while filing, whoever filed it (D5: an
    # officer registering an online dossier for the citizen attaches the citizen's papers)
    filing = dossier.status == SUBMITTED or (dossier.status == PAYMENT and dossier.received_at is None)
    if not (sees_as_citizen(ctx.user, dossier) or desk_supplements(ctx.user, dossier)
            or (filing and dossier.applicant_id == ctx.user.id)):
        raise Forbidden("Giấy tờ của hồ sơ nộp trực tuyến do công dân tự đính kèm; cán bộ tiếp nhận chỉ đính kèm "
                        "giấy tờ của hồ sơ nộp tại quầy hoặc qua bưu chính của cơ quan mình")
    if not filing and dossier.status != SUPPLEMENT:
        raise Conflict("Chỉ đính kèm giấy tờ khi nộp hồ sơ (trước khi hồ sơ được tiếp nhận) hoặc khi có yêu cầu "
                       "bổ sung đang chờ; hồ sơ này hiện không nhận thêm giấy tờ", code="dossier_not_editable")
    # each file is bounded, their number too: an account is quick to make, and the disk is the province's
    held = session.scalar(select(func.count()).select_from(
        select(Document.id).where(Document.dossier_id == dossier.id, Document.kind == "filing")
        .limit(MAX_FILES).subquery()))
    if held >= MAX_FILES:
        raise Conflict(f"Hồ sơ đã có {MAX_FILES} tệp đính kèm, số tệp tối đa của một hồ sơ; không đính kèm thêm",
                       code="too_many_files")
    return dossier


def _component(dossier: Dossier, component) -> str:
    if not isinstance(component, str):
        raise Invalid("Thành phần hồ sơ phải là một chuỗi", code="unknown_component",
                      fields={"component": "Phải là tên hoặc mã của một thành phần"})
    names = {c["name"] for c in dossier.procedure_version.info.get("components", [])}
    keys = {c["key"]: c["name"] for c in dossier.procedure_version.info.get("components", [])}
    if component in keys:
        return keys[component]
    if component not in names:
        raise Invalid("Thành phần hồ sơ không có trong danh mục của thủ tục", code="unknown_component",
                      fields={"component": "Chọn một thành phần: " + "; ".join(sorted(names))})
    return component


def check_content(ctx: Context, content: bytes) -> tuple[str, list[signatures.SignatureCheck]]:
    """An upload's bytes as ``attach`` checks them, nothing stored: refused when empty (422), too large (413), not a
    PDF, JPEG or PNG, a PDF that cannot be read or carries active content, an image that does not open (422);
    the media type and a PDF's signatures. A refused page checks the files it would hold with it
    (engine.web.uploads.hold_refused): a broken file is said at once, with the form's own errors, never held."""
    if not content:
        raise Invalid("Tệp rỗng", code="empty_file", fields={"file": "Tệp rỗng"})
    if len(content) > ctx.settings.max_request_bytes:
        raise TooLarge("Tệp quá lớn")
    media_type = sniff(content)
    if media_type == "application/pdf":
        return media_type, inspect(ctx, content)
    inspect_image(ctx, content)
    return media_type, []


def attach(session: Session, ctx: Context, code: str, component, filename: str, content: bytes) -> Document:
    dossier = _editable(session, ctx, code)
    name = _component(dossier, component)
    media_type, checks = check_content(ctx, content)  # before anything is stored
    doc = documents.add(session, ctx.settings.data_dir, dossier, "filing", _clean_name(filename, media_type),
                        media_type, content, ctx.now)
    doc.component, doc.uploaded_by_id = name, ctx.user.id  # whose store it enters (store_conditions)
    dossier.has_electronic_component = True  # counted by the reports (QĐ 766 3a)
    results.record(session, doc, checks, ctx.now)
    audit.record(session, dossier, ctx.now, ctx.user, "attach", dossier.status, data={"component": name,
                                                                                       "document": doc.id})
    return doc


def store_conditions(user: User) -> list:
    """What the citizen's store holds (D24), as conditions on Document joined to its Dossier, to join with OR
    (each one range of an index on dossier.applicant_id or dossier.owner_cccd):

    - results of the dossiers the citizen OWNS: those of their CCCD once the national e-ID or an officer who
      saw the card checked it (filed by them or by another person for them, D3, D4), and those they filed for
      themselves (owner_cccd is then the CCCD their account gives, checked or not, or NULL when it gives none).
      A dossier they filed for another person is that person's: they still see it (D4), its result is not
      theirs to reuse;
    - never a refusal to resolve (D21): issued as kind "result", it is a notice, not a result (outcome NULL is a
      dossier resolved before the outcome was recorded: a grant);
    - the files of the dossiers the citizen owns, whoever attached them; of a dossier they see without owning it
      (filed for another person, D4), only the files they attached themselves (Document.uploaded_by_id): the
      owner's own papers are the owner's (a file attached before that was recorded, NULL, is the owner's only).
      A copy of a result among them is left out by store (_result_copies)."""
    granted = (Document.kind == "result") & or_(Dossier.outcome.is_(None), Dossier.outcome != "refused")
    filing = Document.kind == "filing"
    owned = [(Dossier.applicant_id == user.id) & Dossier.owner_cccd.is_(None)]
    if user.cccd and user.standardised and user.identity_checked:  # as dossiers.holds_cccd
        owned.append(Dossier.owner_cccd == user.cccd)
    elif user.cccd:
        owned.append((Dossier.applicant_id == user.id) & (Dossier.owner_cccd == user.cccd))
    return ([mine & VISIBLE_TO_CITIZEN & or_(granted, filing) for mine in owned]
            + [theirs & filing & (Document.uploaded_by_id == user.id) for theirs in citizen_conditions(user)])


def _result_copies():
    """Whether the Document is the bytes of a result (by SHA-256), as SQL: a copy of a result attached to a
    dossier (by reuse or uploaded again) is not the citizen's to reuse through the files of the dossiers they
    see. A result enters the store only as one of the citizen's own results in force (store_conditions): a copy
    would outlive its correction (engine.cases.reissue) and carry the owner's result to whoever else sees the
    dossier (D4). Asked of each candidate file, one range of the index on (sha256, kind)."""
    result = aliased(Document)
    return exists(select(result.id).where(result.kind == "result", result.sha256 == Document.sha256))


def _offered(user: User) -> list:
    """What the store offers (store_conditions), as conditions on Document joined to its Dossier, all asked of
    the database: a result in force (one replaced by a corrected one, engine.cases.reissue, is not: only its
    successor), or a file whose every signature is valid (D9) and that is not a copy of a result
    (_result_copies). The signatures: one range of the index on document_signature.document_id."""
    signatures_of_it = select(DocumentSignature.id).where(DocumentSignature.document_id == Document.id)
    signed = exists(signatures_of_it) & ~exists(signatures_of_it.where(DocumentSignature.valid.is_(False)))
    return [or_(*store_conditions(user)), Document.kind.in_(STORE_KINDS), Document.replaced_by_id.is_(None),
            or_(Document.kind == "result", signed & ~_result_copies())]


def store(session: Session, user: User, *, limit: int | None = None, before: int | None = None) -> list[Document]:
    """The citizen's electronic dossier store (_offered), newest first, each file once (the newest document of
    the same bytes). ``limit``: at most that many; ``before``: only those older than this document id (the last
    of the previous page). One query however many the citizen has: the pages show a bounded part of it."""
    if "citizen" not in user.roles:
        raise Forbidden("Kho giấy tờ điện tử dành cho công dân")
    newest = func.row_number().over(partition_by=Document.sha256, order_by=Document.id.desc())
    ranked = (select(Document.id, newest.label("rank")).join(Dossier, Dossier.id == Document.dossier_id)
              .where(*_offered(user)).subquery())
    query = (select(Document).join(ranked, ranked.c.id == Document.id).where(ranked.c.rank == 1)
             .order_by(Document.id.desc()).limit(limit))
    if before is not None:
        query = query.where(Document.id < before)
    return list(session.scalars(query))


def _in_store(session: Session, user: User, document_id: int) -> Document | None:
    """The document of this id when the store offers it (_offered): one query, not the whole store."""
    return session.scalar(select(Document).join(Dossier, Dossier.id == Document.dossier_id)
                          .where(Document.id == document_id, *_offered(user)))


def origins(session: Session, docs: list[Document]) -> dict[int, object]:
    """The dossier each document comes from (its code and outcome) by dossier id: one query per 500 dossiers."""
    ids = sorted({doc.dossier_id for doc in docs})
    found = {}
    for start in range(0, len(ids), 500):
        for row in session.execute(select(Dossier.id, Dossier.code, Dossier.outcome)
                                   .where(Dossier.id.in_(ids[start:start + 500]))):
            found[row.id] = row
    return found


def reuse(session: Session, ctx: Context, code: str, document_id, component) -> Document:
    """Attach a document from the citizen's store without uploading it again (D24)."""
    dossier = _editable(session, ctx, code)
    name = _component(dossier, component)
    valid_id = isinstance(document_id, int) and not isinstance(document_id, bool) and 0 < document_id < 2**31
    if "citizen" not in ctx.user.roles:
        raise Forbidden("Kho giấy tờ điện tử dành cho công dân")
    source = _in_store(session, ctx.user, document_id) if valid_id else None
    if source is None:
        raise NotFound("Không tìm thấy giấy tờ trong kho của bạn", code="document_not_found")
    if not can_see(ctx.user, session.get(Dossier, source.dossier_id)):
        raise NotFound("Không tìm thấy giấy tờ trong kho của bạn", code="document_not_found")
    content = documents.read(ctx.settings.data_dir, source)
    if hashlib.sha256(content).hexdigest() != source.sha256:  # the bytes stored are no longer those issued
        log.warning("stored document %s does not match its SHA-256; not reused", source.id)
        raise Invalid("Giấy tờ trong kho không còn nguyên vẹn như khi được cấp; vui lòng tải tệp lên",
                      code="document_altered", fields={"reuse": "Giấy tờ đã bị thay đổi sau khi lưu"})
    checks = inspect(ctx, content) if source.media_type == "application/pdf" else []  # kept before this check
    doc = documents.add(session, ctx.settings.data_dir, dossier, "filing", source.name, source.media_type, content,
                        ctx.now)
    doc.component, doc.uploaded_by_id = name, ctx.user.id  # whose store it enters (store_conditions)
    dossier.has_electronic_component = dossier.reuses_stored_document = True  # the reports (QĐ 766 3a, 3c)
    results.record(session, doc, checks, ctx.now)
    audit.record(session, dossier, ctx.now, ctx.user, "attach", dossier.status,
                 data={"component": name, "document": doc.id, "reused": source.id})
    return doc


def signed_components(session: Session, dossier: Dossier) -> set[str]:
    """Components carrying a file whose every signature is valid (D9)."""
    found = set()
    for doc in session.scalars(select(Document).where(Document.dossier_id == dossier.id,
                                                      Document.kind == "filing")):
        sigs = list(session.scalars(select(DocumentSignature).where(DocumentSignature.document_id == doc.id)))
        if doc.component and sigs and all(s.valid for s in sigs):
            found.add(doc.component)
    return found


def _declared(dossier: Dossier) -> dict[str, tuple[str, str]]:
    """Each component the procedure declares, by its name and by its key (folded): (that spelling as the
    procedure declares it, the component's name)."""
    found: dict[str, tuple[str, str]] = {}
    for c in dossier.procedure_version.info.get("components", []):
        found[_folded(c["name"])] = (c["name"], c["name"])
        if c.get("key"):
            found[_folded(c["key"])] = (c["key"], c["name"])
    return found


def canonical_items(dossier: Dossier, items: list[dict]) -> list[dict]:
    """D8, D10: each item of a supplement request names a component of the procedure (its name or its key, as
    an upload does), whatever the case, spacing or Unicode form it is typed in; the items come back in the
    procedure's own spelling (a key stays a key). Refused with ``unknown_component``, naming each bad item."""
    declared = _declared(dossier)
    unknown = [(n, item["component"].strip()) for n, item in enumerate(items)
               if _folded(item["component"]) not in declared]
    if unknown:
        choices = "Chọn một thành phần: " + "; ".join(sorted({name for _, name in declared.values()}))
        raise Invalid("Thành phần hồ sơ không có trong danh mục của thủ tục: "
                      + ", ".join(f"“{typed}”" for _, typed in unknown), code="unknown_component",
                      fields={f"items.{n}.component": choices for n, _ in unknown})
    return [{**item, "component": declared[_folded(item["component"])][0]} for item in items]


def check_paper_requests(session: Session, dossier: Dossier, items: list[dict]) -> None:
    """D9: no paper may be asked for a component that carries a valid digital signature, however the item
    spells it (its name or key, any case, spacing or Unicode form: compared folded, as canonical_items)."""
    signed = {_folded(name): name for name in signed_components(session, dossier)}
    declared = _declared(dossier)
    asked = [declared.get(_folded(i["component"]), (None, i["component"]))[1] for i in items if i.get("paper")]
    refused = {signed[_folded(name)] for name in asked if _folded(name) in signed}
    if refused:
        raise Invalid("Không được yêu cầu bản giấy của thành phần đã có chữ ký số hợp lệ (theo Nghị định 45/2020/NĐ-CP): "
                      + ", ".join(sorted(refused)), code="rule_violation", rule="D9",
                      fields={"items": "Bỏ yêu cầu bản giấy cho: " + ", ".join(sorted(refused))})
