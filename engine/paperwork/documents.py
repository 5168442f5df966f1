"""Content-addressed document storage: files named by SHA-256 under the data folder, never overwritten; what is
served for download is checked against that digest first (read_intact, D22)."""
from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from engine.core.errors import Conflict, NotFound
from engine.data.model import Document, Dossier

log = logging.getLogger(__name__)


def path_for(data_dir: Path, sha256: str) -> Path:
    return data_dir / "documents" / sha256[:2] / sha256


def store_bytes(data_dir: Path, content: bytes) -> str:
    """Write ``content`` once (atomically) and return its SHA-256. A file already stored is touched instead (its
    modification time is now): `tthc db prune-files` (engine.cases.store_prune) removes only files older than
    its grace period that no row refers to, and a file reused by a row not yet committed is young again; a file
    removed meanwhile is written again."""
    digest = hashlib.sha256(content).hexdigest()
    target = path_for(data_dir, digest)
    try:
        os.utime(target)
        return digest
    except FileNotFoundError:
        pass
    except OSError:  # a store this process may read but not touch: the file is there
        return digest
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent)
    with os.fdopen(fd, "wb") as fh:
        fh.write(content)
    os.replace(tmp, target)
    return digest


def add(session: Session, data_dir: Path, dossier: Dossier, kind: str, name: str, media_type: str,
        content: bytes, now: datetime) -> Document:
    doc = Document(dossier_id=dossier.id, kind=kind, name=name, media_type=media_type, size=len(content),
                   sha256=store_bytes(data_dir, content), created_at=now)
    session.add(doc)
    session.flush()
    return doc


def read(data_dir: Path, doc: Document) -> bytes:
    """The stored bytes of ``doc`` as they are on disk; a use case that hands them on checks them as its rule
    says (the return, D22: result_not_valid; the store's reuse: document_altered, 422)."""
    path = path_for(data_dir, doc.sha256)
    if not path.exists():
        raise NotFound("Tệp của tài liệu không còn trong kho lưu trữ", code="document_missing")
    return path.read_bytes()


def read_intact(data_dir: Path, doc: Document) -> bytes:
    """The bytes of ``doc`` to serve for download (the portal, the API): only when they are still the ones stored,
    signed or issued (their SHA-256 is the recorded one). D22, nothing invalid is returned: a file changed behind
    the engine's back (the store is never written over) is refused with 409 and logged for the operators."""
    content = read(data_dir, doc)
    if hashlib.sha256(content).hexdigest() != doc.sha256:
        log.error("document %s: the stored file %s no longer matches its SHA-256 (altered in the file store); "
                  "not served", doc.id, doc.sha256)
        raise Conflict("Tệp của tài liệu trong kho lưu trữ đã bị thay đổi so với bản đã lưu nên không thể cung "
                       "cấp; vui lòng báo cơ quan giải quyết để được cấp lại bản đúng", code="document_altered")
    return content
