"""Entities of notifications (D28): the notices people are shown in the portal, the outbox of their email and SMS
deliveries, and each person's choices (channels, language).

A ``Notice`` is written in the same transaction as the event it tells of, one row per person: officers' notices
are expanded to the officers of the role when written (engine.cases.notices), so that each person reads and
marks their own. The notice row is the portal's delivery (shown at once); ``NoticeDelivery`` rows are the
outbox of the other channels, claimed and sent by the dispatcher (engine.cases.dispatch).

On the same ``Base`` as engine.data.model; migration 0011_notices creates them (and moves the rows of the old
``notification`` table into ``notice``).
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, text, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.data.db import Base

CHANNELS = ("email", "sms")
# A delivery's states: pending (due at next_attempt_at), sending (claimed with a token; if the claim is older than
# the lease, the sender died and it is due again), sent, dead (gave up after the last attempt; an administrator
# may retry it).
STATES = ("pending", "sending", "sent", "dead")


class Notice(Base):
    """One message to one person: shown in the portal's notification centre, and the text the other channels
    send. ``title`` and ``body`` are rendered once, in the person's language, when the event happens; a one-time
    code in them is stored sealed and opened for the message alone (engine.cases.codeseal.unsealed)."""

    __tablename__ = "notice"
    __table_args__ = (
        Index("ix_notice_user_id_id", "user_id", "id"),  # the centre's pages, newest first
        # The unread count reads only the unread rows of one person (the bell), never the history.
        Index("ix_notice_unread", "user_id", postgresql_where=text("read_at IS NULL"),
              sqlite_where=text("read_at IS NULL")),
        {"sqlite_autoincrement": True},
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    event: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossier.id"), index=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))
    link: Mapped[str | None] = mapped_column(String(500))  # the page or document it points to (a site path)
    role: Mapped[str | None] = mapped_column(String(30))  # an officer's notice: the role it was sent to
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]

    deliveries: Mapped[list["NoticeDelivery"]] = relationship(cascade="all, delete-orphan", order_by="NoticeDelivery.id")


class NoticeDelivery(Base):
    """The outbox: one row per notice and channel other than the portal. The dispatcher claims due rows
    (``state`` pending and ``next_attempt_at`` passed, or a claim older than the lease), marks them ``sending``
    with a fresh ``claim_token`` and commits before sending, so a crash leaves a row it can find again; the
    send carries an id derived from the row (email Message-ID, SMS request id) so that a repeat is one message
    for the person."""

    __tablename__ = "notice_delivery"
    __table_args__ = (
        # The dispatcher's claim: only rows still to send are in the index (sent rows are history).
        Index("ix_notice_delivery_due", "next_attempt_at",
              postgresql_where=text("state IN ('pending', 'sending')"),
              sqlite_where=text("state IN ('pending', 'sending')")),
        Index("ix_notice_delivery_dead", "id", postgresql_where=text("state = 'dead'"),
              sqlite_where=text("state = 'dead'")),
        {"sqlite_autoincrement": True},
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notice.id"), index=True)
    channel: Mapped[str] = mapped_column(String(10))
    address: Mapped[str] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    claim_token: Mapped[str | None] = mapped_column(String(36))
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)


class NoticeSetting(Base):
    """A person's choices: the language of their notices and whether email and SMS are sent (the portal is
    always). No row: Vietnamese, both channels on where an address is known."""

    __tablename__ = "notice_setting"
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    language: Mapped[str] = mapped_column(String(5), default="vi")
    email_on: Mapped[bool] = mapped_column(default=True, server_default=true())
    sms_on: Mapped[bool] = mapped_column(default=True, server_default=true())
    digest_on: Mapped[date | None]  # an officer's last daily digest (engine.cases.digests): one a day
