"""Entities of citizen accounts beyond the ``User`` row: the requests for a recovery code, counted per client
address so that one address cannot make the engine send codes to every phone it can guess (the per-account
limit of engine.cases.onetime does not see that).

On the same ``Base`` as engine.data.model; migration NNNN_citizens (migrations/versions) creates it.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.data.db import Base


class RecoveryAttempt(Base):
    """One request for a recovery code from a client address (whatever account it named, found or not)."""

    __tablename__ = "recovery_attempt"
    __table_args__ = (Index("ix_recovery_attempt_remote_addr_at", "remote_addr", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    remote_addr: Mapped[str] = mapped_column(String(45))
    at: Mapped[datetime]
