"""X.509 keys, PAdES signatures and their verification (cryptography + pyHanko live here only).

Keys are PKCS#12 files encrypted with the configured passphrase; trust anchors are certificate files in a
configured folder, so real roots (VGCA, NEAC) can be dropped in beside the demo root. Time is injected:
certificates, signing times and validation all use the ``now`` they are given.

A PDF from outside (a citizen's upload) is inspected with ``inspect_pdf`` inside engine.core.sandbox's bounded
child process: decoding, object count, time and memory are bounded there, and active content (JavaScript,
launch actions) is found in every object of every revision.
"""
from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from pyhanko.pdf_utils import generic, layout, misc
from pyhanko.pdf_utils import xref as pdf_xref
from pyhanko.pdf_utils.decode_limits import DecodeLimits, DocumentDecodeBudget, StreamDecodeLimits
from pyhanko.pdf_utils.misc import PdfDecodeLimitError
from pyhanko.pdf_utils.content import ImportedPdfPage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers.constants import ESIC_EXTENSION_1
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.stamp import StaticStampStyle

from engine.core import loops, memory
from engine.core.errors import Invalid
from engine.core.vocabulary import vn_time

from . import hexstrings, longterm, nameprep  # noqa: F401 - nameprep: comparing names costs a string preparation once
from . import signing_errors
from .pki import DEMO_BACKDATE, Pki  # noqa: F401 - the PKI's historical home: signatures.Pki

# one read per hex string (signatures' /Contents); a pyHanko without this reader keeps its own way
if callable(getattr(generic, "read_hex_string_from_stream", None)) and \
        not getattr(generic.read_hex_string_from_stream, "fast", False):
    generic.read_hex_string_from_stream = hexstrings.fast_reader(generic.read_hex_string_from_stream,
                                                                 generic.pdf_string, misc.PDF_WHITESPACE)
# pyHanko logs failed checks and key files a wrong PIN cannot open with tracebacks; the engine reports them itself.
logging.getLogger("pyhanko").addHandler(logging.NullHandler())
logging.getLogger("pyhanko_certvalidator").addHandler(logging.NullHandler())
logging.getLogger("pyhanko.sign.signers.pdf_cms").setLevel(logging.CRITICAL)  # a wrong PIN is not a server defect


PROVEN = datetime(9999, 12, 31, tzinfo=timezone.utc)  # a timestamp proves the time of signing: expiry later is moot


@dataclass(frozen=True)
class SignatureCheck:
    """What an officer sees of one signature."""

    field: str
    signer: str
    organisation: str | None
    signed_at: datetime | None
    valid: bool
    status: str  # valid / modified / untrusted / expired / invalid
    message: str
    valid_until: datetime | None = None  # a valid signature of the same bytes stays so until then (PROVEN: ever)

    def as_dict(self) -> dict:
        return {"field": self.field, "signer": self.signer, "organisation": self.organisation,
                "signed_at": self.signed_at.isoformat() if self.signed_at else None, "valid": self.valid,
                "status": self.status, "message": self.message}


class SigningPending(Exception):
    """The signer has not confirmed yet (remote signing): try again later with ``reference``; nothing was
    signed. (Re-exported by engine.paperwork.signers, where callers meet it.)"""

    def __init__(self, message: str, reference: str | None = None):
        super().__init__(message)
        self.message, self.reference = message, reference


class SigningFailed(Invalid):
    """The key could not sign (wrong PIN, token absent, service refused); nothing was signed."""

    def __init__(self, message: str, code: str = "signing_failed"):
        super().__init__(message, code=code, rule="D35")


# -- signing -----------------------------------------------------------------------------------------------------
class _TimedSigner(signers.PdfSigner):
    """pyHanko takes the signing time from the system clock; the engine gives its own."""

    def __init__(self, *args, now: datetime, **kwargs):
        super().__init__(*args, **kwargs)
        self._now = now

    def init_signing_session(self, pdf_out, existing_fields_only=False):
        session = super().init_signing_session(pdf_out, existing_fields_only)
        session.system_time = self._now
        return session

    def register_extensions(self, pdf_out, *, md_algorithm: str):
        """Keep a PDF/A-3 file at 1.7: pyHanko declares ISO 32002 (PDF 2.0) for ECDSA keys; PAdES needs ESIC only."""
        if pdf_out.output_version >= (2, 0):
            return super().register_extensions(pdf_out, md_algorithm=md_algorithm)
        if self.signature_meta.subfilter == fields.SigSeedSubFilter.PADES:
            pdf_out.ensure_output_version(version=(1, 7))
            pdf_out.register_extension(ESIC_EXTENSION_1)


_signers: dict[tuple, object] = {}


def _signer(key_file: Path, passphrase: str):
    """Opening a PKCS#12 file costs a key derivation: keep opened signers per file and secret (a digest, not a PIN)."""
    if not key_file.exists():
        raise Invalid("Chưa có chứng thư số để ký (tthc pki init)", code="no_certificate", rule="D22")
    stat = key_file.stat()
    key = (str(key_file), stat.st_mtime_ns, stat.st_size, hashlib.sha256(passphrase.encode()).hexdigest())
    signer = _signers.get(key)
    if signer is None:
        try:
            signer = signers.SimpleSigner.load_pkcs12(str(key_file), passphrase=passphrase.encode())
        except (ValueError, OSError):
            signer = None
        if signer is None:
            raise Invalid("Không mở được khóa ký số (sai mật khẩu khóa?)", code="bad_key")
        _signers[key] = signer
    return signer


def _reserve(signer) -> int:
    """Room for the signature, so pyHanko signs once: certificates, issuer ×2, attributes, RSA-4096; hex; verified."""
    certs = [signer.signing_cert, *signer.cert_registry]
    return 2 * (sum(len(c.dump()) for c in certs) + 2 * len(signer.signing_cert.issuer.dump()) + 1024)


def sign_pdf(pdf: bytes, key_file: Path, passphrase: str, field: str, reason: str, location: str,
             now: datetime, box: tuple[int, int, int, int] | None = None, stamp_pdf: bytes | None = None,
             **long_term) -> bytes:
    """Add one PAdES signature with a PKCS#12 key file (see ``sign_pdf_with``; ``long_term``: its timestamper,
    validation_context and lta)."""
    return sign_pdf_with(pdf, _signer(key_file, passphrase), field, reason, location, now, box, stamp_pdf,
                         **long_term)


@loops.off_loop  # pyHanko's signer runs an event loop of its own
def sign_pdf_with(pdf: bytes, signer, field: str, reason: str, location: str, now: datetime,
                  box: tuple[int, int, int, int] | None = None, stamp_pdf: bytes | None = None,
                  timestamper=None, validation_context=None, lta: bool = False) -> bytes:
    """Add one PAdES signature made by ``signer`` (a pyHanko signer: key file, token or remote service, opened
    by engine.paperwork.signers) as an incremental update: earlier signatures stay valid.

    With ``box``, the signature is visible on the last page; ``stamp_pdf`` (a one-page PDF, rendered by
    engine.paperwork.pdf with an embedded Vietnamese font) is its appearance: signer, time, document number.
    With ``timestamper`` (a pyHanko timestamper), the signature carries a trusted time (RFC 3161). With
    ``validation_context`` (engine.paperwork.longterm.embedding_context: revocation sources reachable), the
    chains and their revocation data are embedded (PAdES B-LT), and with ``lta`` a document timestamp seals
    them (B-LTA), so that the signature stays verifiable after the certificates expire.
    """
    meta = signers.PdfSignatureMetadata(field_name=field, reason=reason, location=location,
                                        subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256",
                                        embed_validation_info=validation_context is not None,
                                        validation_context=validation_context,
                                        use_pades_lta=lta and validation_context is not None)
    out, extra = io.BytesIO(), ({} if timestamper is None else {"timestamper": timestamper})
    if box is not None:
        extra["new_field_spec"] = fields.SigFieldSpec(sig_field_name=field, on_page=-1, box=box)
        if stamp_pdf is not None:
            extra["stamp_style"] = StaticStampStyle(background=_StampPage(stamp_pdf), border_width=0)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    reserved = _reserve(signer) + (16384 if timestamper is not None else 0)
    # A key file, nothing fetched: all CPU (a token, a remote service, a TSA or revocation sources may wait)
    local = isinstance(signer, signers.SimpleSigner) and timestamper is None and validation_context is None
    try:
        with memory.young_garbage() if local else contextlib.nullcontext():
            _TimedSigner(meta, signer, now=now, **extra).sign_pdf(writer, output=out, bytes_reserved=reserved)
    except (SigningError, RuntimeError, OSError) as exc:  # a device (PKCS11Error), the TSA, a network: nothing signed
        raise SigningFailed(signing_errors.reason(exc, isinstance(exc, timestamps.TimestampRequestError))) from exc
    finally:
        close = getattr(signer, "close_after_signing", None)  # a token's session (engine.paperwork.tokens)
        if close is not None:
            close()
    return out.getvalue()


_stamps = threading.local()  # per thread: a reader is not shared between threads


class _StampPage(ImportedPdfPage):
    """A signature's appearance imported from the stamp PDF's bytes (no file); the parsed stamp is kept per
    thread, so a signer's stamp reused for several documents (engine.paperwork.pdf.render_stamp) is read once."""

    def __init__(self, stamp_pdf: bytes):
        super().__init__("", 0)
        self.stamp_pdf = stamp_pdf

    def render(self) -> bytes:
        readers = _stamps.__dict__.setdefault("readers", {})
        reader = readers.get(self.stamp_pdf)
        if reader is None:
            if len(readers) >= 8:
                readers.clear()
            reader = readers[self.stamp_pdf] = PdfFileReader(io.BytesIO(self.stamp_pdf))
        xobj = self._ensure_writer.import_page_as_xobject(reader, page_ix=0)
        name = "/Import" + uuid.uuid4().hex
        self.resources.xobject[name] = xobj
        x1, y1, x2, y2 = xobj.get_object()["/BBox"]
        self.box = layout.BoxConstraints(width=abs(x1 - x2), height=abs(y1 - y2))
        return name.encode("ascii") + b" Do"


def _subject_part(cert, attr: str) -> str | None:
    try:
        return cert.subject.native.get(attr)
    except (AttributeError, ValueError):
        return None


@loops.off_loop  # pyHanko's validation runs an event loop of its own
def verify_pdf(pdf: "bytes | PdfFileReader", trust_roots: list, now: datetime) -> list[SignatureCheck]:
    """Check every signature: integrity, chain to a trust anchor, validity period at ``now``. ``pdf``: the
    engine's own file, or the reader of an untrusted one that inspect_pdf opened with its limits.

    A signature with a trusted timestamp whose certificate has expired since is judged at the time the
    timestamp proves, with the revocation data the file carries (engine.paperwork.longterm): a certificate
    that names a revocation source needs that source's answer from then in the file (PAdES B-LT). Document
    timestamps (PAdES B-LTA) seal that data; they are not signers and are not listed."""
    try:
        reader = pdf if isinstance(pdf, PdfFileReader) else PdfFileReader(io.BytesIO(pdf), strict=False)
        embedded = [sig for sig in reader.embedded_signatures if sig.sig_object_type != "/DocTimeStamp"]
    except Exception as exc:  # a damaged file is a finding, not a crash
        return [SignatureCheck("", "", None, None, False, "invalid", f"Không đọc được tệp PDF: {exc}")]
    checks = []
    for sig in embedded:
        cert = sig.signer_cert
        signer = _subject_part(cert, "common_name") or "?"
        org = _subject_part(cert, "organization_name")
        not_after = cert["tbs_certificate"]["validity"]["not_after"].native
        not_before = cert["tbs_certificate"]["validity"]["not_before"].native
        at, proven = now, False  # proven: judged at the time its timestamp proves
        try:
            context = longterm.validation_context(reader, trust_roots, now)
            status = validate_pdf_signature(sig, context)
            stamp = longterm.trusted_time(status)
            if stamp is not None and now > not_after >= stamp:  # expired since the proven time of signing
                then = validate_pdf_signature(sig, longterm.validation_context(reader, trust_roots, stamp, True),
                                              ts_validation_context=context)
                if then.trusted:  # the file carries what that judgement needs (revocation data: PAdES B-LT)
                    at, status, proven = stamp, then, True
        except Exception as exc:
            checks.append(SignatureCheck(sig.field_name, signer, org, None, False, "invalid",
                                         f"Không kiểm tra được chữ ký: {exc}"))
            continue
        if not (status.intact and status.valid):
            state, message = "modified", "Tài liệu đã bị thay đổi sau khi ký hoặc chữ ký sai"
        elif not status.docmdp_ok:  # a later revision changed what was signed (not just a signature or a form)
            state, message = "modified", "Tài liệu đã bị sửa nội dung sau khi ký (bản cập nhật sau chữ ký)"
        elif at < not_before:
            state, message = "not_yet_valid", f"Chứng thư số chưa có hiệu lực (từ {not_before:%d/%m/%Y})"
        elif at > not_after:
            state, message = "expired", f"Chứng thư số hết hiệu lực ({not_after:%d/%m/%Y})"
        elif not status.trusted:
            state, message = "untrusted", "Chứng thư số không thuộc tổ chức cung cấp dịch vụ tin cậy được cấu hình"
        elif proven:
            state, message = "valid", (f"Chữ ký hợp lệ tại thời điểm ký có dấu thời gian "
                                       f"({vn_time(at)}); chứng thư số đã hết hiệu lực sau đó "
                                       f"({not_after:%d/%m/%Y})")
        else:
            state, message = "valid", "Chữ ký hợp lệ"
        checks.append(SignatureCheck(sig.field_name, signer, org, status.signer_reported_dt, state == "valid",
                                     state, message, PROVEN if proven else not_after))
    return checks


# -- inspecting an untrusted PDF (runs in engine.core.sandbox's child process) -------------------------------------
MiB = 1024 * 1024
MAX_OBJECTS = 100_000  # cross-reference entries over all revisions (a 300-page text PDF has a few thousand)
# Decoded bytes: per stream (pyHanko's ratio cap stays: stacked filters are refused), and for the whole file
# (only cross-reference and object streams, signature data and the DSS are decoded here; page content is not).
UNTRUSTED_LIMITS = DecodeLimits(per_stream=StreamDecodeLimits(max_output_size=64 * MiB),
                                document_budget=DocumentDecodeBudget(base_allowance=64 * MiB, max_ratio=20))
# Actions that run code or other programs when the file is opened or touched in a viewer (ISO 32000 12.6.4).
ACTIVE_ACTIONS = {"/JavaScript": "JavaScript", "/Launch": "lệnh khởi chạy chương trình (/Launch)",
                  "/ImportData": "lệnh nạp dữ liệu từ tệp khác (/ImportData)",
                  "/RichMedia": "nội dung đa phương tiện có mã lệnh (/RichMedia)"}


class PdfRefused(Exception):
    """A bound passed while pyHanko reads (raised through its reader, turned into a PdfInspection)."""


@dataclass(frozen=True)
class PdfInspection:
    """What the sandboxed check found: the signatures, or why the file is refused."""

    checks: list[SignatureCheck]
    refused: str | None = None  # pdf_active_content / pdf_too_complex / pdf_unreadable / pdf_encrypted
    message: str = ""  # the citizen's words
    detail: str = ""  # the reader's own (English), for the log only


_entries_read = [0]


def _bound_xref_entries() -> None:
    """Count cross-reference entries as pyHanko reads them and stop past MAX_OBJECTS: a 20 KB stream can
    declare seven million entries, which pyHanko would otherwise turn into Python objects one by one (46 s,
    1.3 GB). Installed only in the sandbox's child (a process per file); without these pyHanko internals, the
    sandbox's time and memory limits still hold."""
    _entries_read[0] = 0
    for name in ("parse_xref_stream", "parse_xref_table"):
        original = getattr(pdf_xref, name, None)
        if original is None or getattr(original, "tthc_bounded", False):
            continue

        def bounded(*args, _original=original, **kwargs):
            for entry in _original(*args, **kwargs):
                _entries_read[0] += 1
                if _entries_read[0] > MAX_OBJECTS:
                    raise PdfRefused("pdf_too_complex")
                yield entry

        bounded.tthc_bounded = True
        setattr(pdf_xref, name, bounded)


def _findings(item: generic.DictionaryObject) -> set[str]:
    """What one dictionary carries that a viewer would run (its /S, /Subtype and /Names may be references)."""
    found = set()
    if "/JS" in item:
        found.add(ACTIVE_ACTIONS["/JavaScript"])
    for key in ("/S", "/Subtype"):
        name = item.get(key) if key in item else None
        if isinstance(name, generic.NameObject) and name in ACTIVE_ACTIONS:
            found.add(ACTIVE_ACTIONS[name])
    names = item.get("/Names") if "/Names" in item else None
    if isinstance(names, generic.DictionaryObject) and "/JavaScript" in names:  # document-level scripts
        found.add(ACTIVE_ACTIONS["/JavaScript"])
    if "/XFA" in item:
        found.add("biểu mẫu XFA (có thể chứa mã lệnh)")
    return found


def _active_content(reader: PdfFileReader) -> list[str]:
    """Every action that runs code, in every object of every revision (an earlier revision is what a viewer
    shows when asked for it), nested dictionaries included (/OpenAction, /AA and annotations' /A hold them
    directly or by reference); a loop, not a recursion."""
    found = set()
    for revision in range(reader.xrefs.total_revisions):
        for ref in reader.xrefs.explicit_refs_in_revision(revision):
            try:
                pending = [reader.get_object(ref, revision=revision)]
            except (PdfDecodeLimitError, MemoryError):
                raise
            except Exception:  # noqa: BLE001 - a dangling entry (viewers skip it too)
                continue
            while pending:
                item = pending.pop()
                if isinstance(item, generic.DictionaryObject):  # stream dictionaries too; their data is not read
                    found |= _findings(item)
                    pending.extend(item.raw_get(key) for key in item)
                elif isinstance(item, generic.ArrayObject):
                    pending.extend(item.raw_get(i) for i in range(len(item)))
    return sorted(found)


def inspect_pdf(pdf: bytes, trust_dir: str | None, now: datetime) -> PdfInspection:
    """An untrusted PDF: refused when it cannot be read within the limits, is locked, or carries active
    content; otherwise its signatures checked against the anchors in ``trust_dir``. Meant for
    engine.core.sandbox.run (it changes pyHanko's reader for the rest of the process)."""
    _bound_xref_entries()
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False, decode_limits=UNTRUSTED_LIMITS)
        if reader.encrypted and reader.decrypt("").status.value == 0:
            return PdfInspection([], "pdf_encrypted",
                                 "Tệp PDF được đặt mật khẩu; vui lòng gỡ mật khẩu rồi tải lên lại")
        active = _active_content(reader)
        if active:
            return PdfInspection([], "pdf_active_content",
                                 "Tệp PDF chứa " + ", ".join(active) + "; không được chấp nhận vì lý do an toàn. "
                                 "Vui lòng in (xuất) lại thành tệp PDF thông thường rồi tải lên")
        roots = Pki(Path("."), "", Path(trust_dir)).trust_roots() if trust_dir else []
        return PdfInspection(verify_pdf(reader, roots, now))
    except (PdfRefused, PdfDecodeLimitError, RecursionError):
        return PdfInspection([], "pdf_too_complex", TOO_COMPLEX)
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 - a file pyHanko cannot read cannot be checked for active content
        return PdfInspection([], "pdf_unreadable", "Tệp PDF bị hỏng, không đọc được; vui lòng xuất lại tệp PDF rồi "
                             "tải lên", str(exc)[:200] or type(exc).__name__)


TOO_COMPLEX = ("Tệp PDF quá phức tạp hoặc bị nén bất thường (vượt giới hạn xử lý an toàn); vui lòng xuất lại "
               "tệp PDF thông thường rồi tải lên")
