"""The signed checkpoints of the audit chains (engine.data.audit_checkpoints), on the same ``Base`` as
engine.data.model (which names them too), and what their signatures cover."""
from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timezone

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.data.db import Base


def _sign(secret: str, text: str) -> str:
    """HMAC-SHA256 with a key derived from the secret key, which a database alone does not hold."""
    key = hmac.new(secret.encode(), b"tthc audit checkpoint", hashlib.sha256).digest()
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


class AuditCheckpoint(Base):
    """A signed checkpoint of every audit chain (engine.audit_checkpoints): how many chains and events it holds,
    the digest of its entries and their signature. ``mac`` is NULL while the entries are being written (a
    checkpoint that never finished counts for nothing)."""

    __tablename__ = "audit_checkpoint"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    dossiers: Mapped[int]
    events: Mapped[int]
    digest: Mapped[str] = mapped_column(String(64))
    prev_mac: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str | None] = mapped_column(String(64))

    def signature(self, secret: str) -> str:
        """Over the row, the digest of its entries included: what ``mac`` holds once the entries are written."""
        return _sign(secret, f"{self.id}|{self.at.isoformat()}|{self.dossiers}|{self.events}|{self.digest}|"
                             f"{self.prev_mac}")


class AuditCheckpointEntry(Base):
    """A chain's head and count at a checkpoint. No foreign key to the dossier: a deleted dossier must show.
    ``mac`` signs the entry alone (with its checkpoint's key, id and time), so that one dossier is verified by
    reading its own entry, not the digest of all; NULL in the entries written before migration 0036."""

    __tablename__ = "audit_checkpoint_entry"
    checkpoint_id: Mapped[int] = mapped_column(ForeignKey("audit_checkpoint.id"), primary_key=True)
    dossier_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    head: Mapped[str] = mapped_column(String(64))
    events: Mapped[int]
    mac: Mapped[str | None] = mapped_column(String(64))

    @staticmethod
    def line(dossier_id: int, head: str, events: int) -> bytes:
        """The entry's line in its checkpoint's digest (signed by the checkpoint's ``mac``)."""
        return f"{dossier_id}:{head}:{events}\n".encode()

    @staticmethod
    def signature(secret: str, checkpoint_id: int, at: datetime, dossier_id: int, head: str, events: int) -> str:
        """Over the checkpoint's id and time too, so that an entry signed for one checkpoint holds for no other."""
        return _sign(secret, f"entry|{checkpoint_id}|{at.astimezone(timezone.utc).isoformat()}|{dossier_id}|{head}|"
                             f"{events}")
