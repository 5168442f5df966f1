"""Entities of the reports: the pending dossiers at the end of each Vietnam day, kept (engine.reports.stocks).

On the same ``Base`` as engine.data.model (which imports this module); migration 0042_pending_stock creates them.
The counters kept are engine.reports.statistics' stocks: the citizens' dossiers pending within time or overdue,
under the resolving agency; the sub-dossiers handed over under liên thông, under their own agency.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, delete, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from engine.core.clock import VN_TZ
from engine.data.db import Base


class StockTaken(Base):
    """A day's end whose stock is kept: its rows in ``pending_stock`` are the whole province's (none when nothing
    was pending). Written in the same transaction as those rows, once (the instant is the key)."""

    __tablename__ = "stock_taken"
    at: Mapped[datetime] = mapped_column(primary_key=True)  # a Vietnam midnight: the end of the day before
    taken_at: Mapped[datetime]


class PendingStock(Base):
    """How many dossiers of an agency and procedure version were pending at ``at``, by counter."""

    __tablename__ = "pending_stock"
    __table_args__ = (Index("ix_pending_stock_at", "at", "agency_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(ForeignKey("stock_taken.at"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    procedure_version_id: Mapped[int] = mapped_column(ForeignKey("procedure_version.id"))
    counter: Mapped[str] = mapped_column(String(24))
    number: Mapped[int]


def forget_after(session: Session, instant: datetime, now: datetime) -> None:
    """A fact dated before kept day ends came late: a gateway's notice says when the citizen paid (D26), which may
    be before the last midnight, and the stocks kept since may have counted the dossier as waiting for its fee.
    Those ends are forgotten: the reports count them from the dossiers again until the worker takes them anew
    (engine.reports.stocks). Nothing to do when no Vietnam midnight lies between ``instant`` and ``now``."""
    if instant.astimezone(VN_TZ).date() == now.astimezone(VN_TZ).date():
        return
    serialise(session)  # a stock being taken now, counted without this fact, is written before these deletes
    session.execute(delete(PendingStock).where(PendingStock.at > instant))
    session.execute(delete(StockTaken).where(StockTaken.at > instant))


_LOCK = 0x73746F636B  # "stock": PostgreSQL's advisory lock between taking a stock and forgetting stocks


def serialise(session: Session) -> None:
    """Taking a stock (its count and its rows, engine.reports.stocks.take) and forgetting stocks (a late fact's
    transaction, which wrote that fact first) follow one another, never interleave: else a stock counted before
    the late fact committed, and written after its forgetting, would stay. On PostgreSQL a transaction-scoped
    advisory lock does it, and the later of the two reads what the earlier committed. On SQLite nothing to do
    here: the take writes only if nothing was committed since its count began (engine.reports.stocks.take)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK})
