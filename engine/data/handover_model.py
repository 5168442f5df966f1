"""Liên thông (D33): a dossier handed by its agency to another agency's procedure, and what came back.

A hand-over step of the sending procedure (engine.cases.steps.handover) creates a sub-dossier of the callee
procedure at the callee agency (``Dossier.parent_id`` names the parent). This row links the two and keeps the
callee agency's share of the processing time, its due instant and when its answer came back, for the parent's
record and its control slip. On the same ``Base`` as engine.data.model; migration 0027 creates it.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.data.db import Base


class Handover(Base):
    __tablename__ = "handover"
    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"), index=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"), unique=True)
    task_id: Mapped[str] = mapped_column(String(36))  # the parent's waiting hand-over task
    task_name: Mapped[str] = mapped_column(String(255))
    procedure_code: Mapped[str] = mapped_column(String(20))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))  # the agency that processes the sub-dossier
    share: Mapped[float] = mapped_column(Float)  # that agency's share of the processing time
    share_unit: Mapped[str] = mapped_column(String(20))
    handed_at: Mapped[datetime]
    due_at: Mapped[datetime]
    returned_at: Mapped[datetime | None]  # the callee's result came back (the parent went on)
    late: Mapped[bool | None]  # judged when it came back
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))  # the answer, on the parent
