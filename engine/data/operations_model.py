"""Entities of operations: the incidents of the timer service (a dossier the sweep could not handle), with their
state and who dealt with them.

On the same ``Base`` as engine.data.model (which re-exports ``Incident``); migration 0023_operations gives the
incident its state.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.data.db import Base

# open: the sweep failed and nobody dealt with it yet; retried: an administrator's retry handled the dossier;
# skipped: an administrator passed over the failing instant (engine.cases.incidents.skip); resolved: a later
# sweep handled the dossier by itself.
INCIDENT_STATES = ("open", "retried", "skipped", "resolved")


class Incident(Base):
    """A dossier the timer service could not handle; recorded, and the sweep goes on. One open incident per
    dossier at most: a failure while one is open counts an attempt and keeps the newest error on it."""

    __tablename__ = "incident"
    # the administrators' list: open ones first, newest first, a page at a time
    __table_args__ = (Index("ix_incident_state_id", "state", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"), index=True)
    at: Mapped[datetime]  # the first failure
    message: Mapped[str] = mapped_column(Text)  # the newest error
    state: Mapped[str] = mapped_column(String(10), default="open", server_default="open")
    attempts: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    last_at: Mapped[datetime | None]  # the newest failure
    handled_by: Mapped[str | None] = mapped_column(String(64))  # the administrator (None: the sweep itself)
    handled_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)  # a skip's reason, a retry's outcome
