"""Entities of a province (D29): the agencies' tree, a procedure offered by many agencies, the administrators' audit trail and the
one-time codes that activate an account or reset a password.

On the same ``Base`` as engine.data.model; migration 0018_province creates them.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, event, select, true
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.orm.attributes import set_committed_value

from engine.data.db import Base


AGENCY_LEVELS = ("province", "centre", "department", "commune")
# D29, the levels an agency of each level may stand under: the province is the root of the tree; a commune or ward
# is directly under the province (two-level local government); a department (Sở, ngành) under the province, or a
# department's or a commune's own office under it; a centre (Trung tâm Phục vụ hành chính công) under the
# province, the office it belongs to (a department), a commune or another centre (a branch). A root of another
# level stays possible (a single ward's installation).
PARENT_LEVELS: dict[str, tuple[str, ...]] = {
    "province": (),
    "centre": ("province", "department", "commune", "centre"),
    "department": ("province", "department", "commune"),
    "commune": ("province",),
}
LEVEL_NAMES = {"province": "cơ quan cấp tỉnh", "centre": "trung tâm phục vụ hành chính công",
               "department": "sở, ngành", "commune": "xã, phường"}


def level_fault(level: str, parent_level: str | None) -> str | None:
    """Why an agency of ``level`` cannot stand under one of ``parent_level`` (None: a root, always possible);
    None when it can. Unknown levels are someone else's error (None)."""
    if parent_level is None or level not in PARENT_LEVELS or parent_level not in PARENT_LEVELS:
        return None
    allowed = PARENT_LEVELS[level]
    if not allowed:
        return "Cấp tỉnh là gốc của cây, không có cơ quan cấp trên"
    if parent_level in allowed:
        return None
    under = ", ".join(LEVEL_NAMES[p] for p in allowed)
    text = f"{LEVEL_NAMES[level]} không thể trực thuộc {LEVEL_NAMES[parent_level]} (chỉ trực thuộc: {under})"
    return text[0].upper() + text[1:]


class Agency(Base):
    """A node of the province's tree (D29): province -> centre (and its branches), departments, communes/wards.
    ``path`` is the chain of ids from the root, "/1/4/9/": a subtree is one indexed prefix match
    (engine.data.agencies), never a walk."""

    __tablename__ = "agency"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(35), unique=True)  # electronic id, QĐ 20/2020
    name: Mapped[str] = mapped_column(String(255))
    level: Mapped[str] = mapped_column(String(12), default="commune", server_default="commune")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"), index=True)
    path: Mapped[str] = mapped_column(String(400), default="", server_default="/", index=True)
    address: Mapped[str | None] = mapped_column(String(500))
    office_hours: Mapped[dict[str, Any] | None]  # {"mon": ["07:30-11:30", "13:30-17:00"], ...}
    seal_name: Mapped[str | None] = mapped_column(String(255))  # the seal's identity: the name it bears
    # its abbreviation in the symbols of the documents it issues, NĐ 30/2020 ("STC": "12/GCN-STC"); None: the
    # symbol the procedure declares
    symbol: Mapped[str | None] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True, server_default=true())


@event.listens_for(Agency, "after_insert")
def _root_path(mapper, connection, agency: Agency) -> None:
    """An agency inserted without a path (deploy, tests, an old loader) gets one: under its parent if it names
    one, else as a root. ``engine.data.agencies.place`` moves it later."""
    if agency.path:
        return
    table = Agency.__table__
    parent = (connection.scalar(select(table.c.path).where(table.c.id == agency.parent_id))
              if agency.parent_id is not None else None)
    agency.path = f"{parent or '/'}{agency.id}/"
    connection.execute(table.update().where(table.c.id == agency.id).values(path=agency.path))
    set_committed_value(agency, "path", agency.path)


class ProcedureOffer(Base):
    """One agency offers one procedure (published once, offered by many). The offering agency receives the
    dossier; ``processing_agency_id`` names another agency that processes it (None: the same one). ``settings``
    holds the agency's own facts for it: local fees, office hours."""

    __tablename__ = "procedure_offer"
    __table_args__ = (UniqueConstraint("procedure_id", "agency_id"),
                      Index("ix_procedure_offer_agency", "agency_id", "procedure_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedure.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    processing_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    active: Mapped[bool] = mapped_column(default=True, server_default=true())
    created_at: Mapped[datetime]
    created_by: Mapped[str | None] = mapped_column(String(64))


class AdminEvent(Base):
    """One administrative action (an agency, an officer, an offer, a version, a calendar, an incident, a
    dossier suspended...): who, when, what, on what, within which agency's subtree. Append-only."""

    __tablename__ = "admin_event"
    # The trail's page, newest first (engine.web.admin_ops.audit_trail): of one action, one target, one kind of
    # target, or an administrator's agencies, each a range of an index in id order, never the whole trail sorted.
    __table_args__ = (Index("ix_admin_event_agency_at", "agency_id", "at"),
                      Index("ix_admin_event_target", "target_kind", "target"),
                      Index("ix_admin_event_action_id", "action", "id"),
                      Index("ix_admin_event_target_id", "target", "id"),
                      Index("ix_admin_event_kind_id", "target_kind", "id"),
                      Index("ix_admin_event_agency_id", "agency_id", "id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    actor: Mapped[str | None] = mapped_column(String(64))  # a username; None for the operator's CLI
    action: Mapped[str] = mapped_column(String(40))
    target_kind: Mapped[str] = mapped_column(String(20))  # agency / officer / citizen / offer / version / ...
    target: Mapped[str] = mapped_column(String(100))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


class OneTimeCode(Base):
    """A short-lived code sent to a person's channel (activation, password reset, recovery). Only its hash is
    kept; a wrong guess counts, and too many end it."""

    __tablename__ = "one_time_code"
    __table_args__ = (Index("ix_one_time_code_user_purpose", "user_id", "purpose", "created_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    purpose: Mapped[str] = mapped_column(String(20))  # activation / reset / recovery
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
