"""Content-addressed document storage: files named by SHA-256 under the data folder, never overwritten."""
from __future__ import annotations

import hashlib
import os
import tempfile
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from engine.core.errors import NotFound
from engine.data.model import Document, Dossier


def path_for(data_dir: Path, sha256: str) -> Path:
    return data_dir / "documents" / sha256[:2] / sha256


def store_bytes(data_dir: Path, content: bytes) -> str:
    """Write ``content`` once (atomically) and return its SHA-256."""
    digest = hashlib.sha256(content).hexdigest()
    target = path_for(data_dir, digest)
    if not target.exists():
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
    path = path_for(data_dir, doc.sha256)
    if not path.exists():
        raise NotFound("Tệp của tài liệu không còn trong kho lưu trữ", code="document_missing")
    return path.read_bytes()
