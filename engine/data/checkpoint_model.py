"""The signed checkpoints of the audit chains (engine.data.audit_checkpoints), on the same ``Base`` as
engine.data.model (which names them too)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.data.db import Base


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


class AuditCheckpointEntry(Base):
    """A chain's head and count at a checkpoint. No foreign key to the dossier: a deleted dossier must show."""

    __tablename__ = "audit_checkpoint_entry"
    checkpoint_id: Mapped[int] = mapped_column(ForeignKey("audit_checkpoint.id"), primary_key=True)
    dossier_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    head: Mapped[str] = mapped_column(String(64))
    events: Mapped[int]
