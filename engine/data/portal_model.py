"""Entities of the web faces: login attempts (lockout), web sessions (revocable sign-in), satisfaction ratings
(D25), public lookups (rate limit), idempotency keys (a creating request sent twice acts once:
engine.cases.idempotency), the owner checks a filer failed (D4: engine.cases.owner_checks) and the files a refused
filing holds (engine.cases.held_uploads).

On the same ``Base`` as engine.data.model; migrations 0004_portal, 0006_lookup_limit, 0009_idempotency_key,
0010_audit_sessions, 0044_owner_check_failure and 0052_held_upload create them.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.data.db import Base


class LoginAttempt(Base):
    """One web login attempt. Failures since the last success, in a window, lock the name for a while."""

    __tablename__ = "login_attempt"
    __table_args__ = (Index("ix_login_attempt_username_at", "username", "at"),
                      Index("ix_login_attempt_remote_addr_at", "remote_addr", "at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
    succeeded: Mapped[bool]
    remote_addr: Mapped[str | None] = mapped_column(String(45))


class WebSession(Base):
    """A signed-in browser. The cookie carries a random id whose hash is the key here: deleting the row (logout,
    password change, suspension) ends the session on the server, whatever copy of the cookie exists."""

    __tablename__ = "web_session"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the id in the cookie
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)


class SatisfactionRating(Base):
    """The citizen's rating of a returned dossier (D25): one per dossier, 1 (very unhappy) to 5."""

    __tablename__ = "satisfaction_rating"
    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    score: Mapped[int]
    comment: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(index=True)  # a period's ratings (engine.reports)


class LookupAttempt(Base):
    """One public lookup (no login), or one citizen registration (``kind``), from a client address; a few per
    window are allowed (rate limit: engine.cases.portal_cases.count_attempt)."""

    __tablename__ = "lookup_attempt"
    __table_args__ = (Index("ix_lookup_attempt_remote_addr_at", "remote_addr", "at"),
                      Index("ix_lookup_attempt_at", "at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    remote_addr: Mapped[str] = mapped_column(String(45))
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(12), default="lookup", server_default="lookup")


class IdempotencyKey(Base):
    """A key a user gave a creating request, what the request was (its fingerprint) and what it answered."""

    __tablename__ = "idempotency_key"
    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_idempotency_key_user_id_key"),
                      Index("ix_idempotency_key_created_at", "created_at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[int | None]
    response: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime]


class OwnerCheckFailure(Base):
    """A filing for another person refused because the owner's name or birth date did not match the checked
    identity of the CCCD named (D3, D4): a few per filer in a window, then no more tries (engine.cases.owner_checks,
    so that the refusals cannot be used to learn a stranger's birth date). Migration 0044."""

    __tablename__ = "owner_check_failure"
    __table_args__ = (Index("ix_owner_check_failure_user_id_at", "user_id", "at"),
                      Index("ix_owner_check_failure_target_at", "target", "at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    target: Mapped[str] = mapped_column(String(64))  # the CCCD asked about, keyed-hashed (not kept in clear)
    at: Mapped[datetime]


class HeldUpload(Base):
    """A file a citizen chose on the filing page, kept when the filing was refused (a field to mend, a repeat to
    confirm), so that the page sent again need not choose it again (engine.cases.held_uploads). Its bytes are in
    the document store by their SHA-256; the row goes once the file is attached, or after a day."""

    __tablename__ = "held_upload"
    __table_args__ = (Index("ix_held_upload_user_at", "user_id", "created_at"),
                      Index("ix_held_upload_at", "created_at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    component: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    created_at: Mapped[datetime]
