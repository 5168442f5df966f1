"""Entities of fees and payments (D26): what a dossier owes and paid, every notification a gateway sent,
refunds, and which agency takes payments through which gateway.

On the same ``Base`` as engine.data.model; migration 0011_payments creates them.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from engine.data.db import Base


class PaymentGateway(Base):
    """An agency collects its fees through the engine (status 6, desk payments, receipts), online through
    ``gateway`` when one is set. No row: the agency collects outside the engine. The gateway's hash secret is
    no column: it comes from the settings, the merchant's own (``payment_secrets``) or the province's
    (``payment_hash_secret``), resolved at the edges (engine.cases.payment_keys)."""

    __tablename__ = "payment_gateway"
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), primary_key=True)
    gateway: Mapped[str | None] = mapped_column(String(20))  # vnpay / dvcqg; None: desk only
    merchant: Mapped[str] = mapped_column(String(60), default="")  # vnp_TmnCode / MaDoiTac
    pay_url: Mapped[str] = mapped_column(String(500), default="")
    updated_at: Mapped[datetime]


class Payment(Base):
    """The fees of one moment of a dossier (D26), in đồng: pending until paid (online: the gateway's IPN says so;
    at the desk: the receiving officer records it), failed, refunded, or exempted by the form or an officer."""

    __tablename__ = "payment"
    __table_args__ = (Index("ix_payment_paid_at", "paid_at"),)  # the day's payments, for reconciliation
    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"), index=True)
    moment: Mapped[str] = mapped_column(String(20))
    fee_keys: Mapped[list[Any]]
    fee: Mapped[str] = mapped_column(String(500))  # the fees' names, as the receipt prints them
    amount: Mapped[int]  # đồng
    status: Mapped[str] = mapped_column(String(12))  # pending / paid / failed / refunded / exempted
    method: Mapped[str | None] = mapped_column(String(10))  # online / cash / card
    gateway: Mapped[str | None] = mapped_column(String(20))
    order_ref: Mapped[str | None] = mapped_column(String(64), unique=True)  # the latest order, or the paid one
    transaction_no: Mapped[str | None] = mapped_column(String(64))  # the gateway's own id of the payment
    requested_at: Mapped[datetime]
    paid_at: Mapped[datetime | None]
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    exempt_reason: Mapped[str | None] = mapped_column(Text)
    receipt_document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))


class PaymentOrder(Base):
    """One attempt to pay a fee online: the reference the gateway was given. A citizen may start again (another
    tab, a lost page): every reference stays known, so a notification for an earlier one is never lost."""

    __tablename__ = "payment_order"
    ref: Mapped[str] = mapped_column(String(64), primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payment.id"), index=True)
    gateway: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime]
    # the merchant that took it (its secret checks the notification), kept when the agency changes merchant later;
    # None: an order made before merchants were recorded (engine.cases.payment_keys.order_merchant)
    merchant: Mapped[str | None] = mapped_column(String(60))


class PaymentEvent(Base):
    """Every notification a gateway sent (IPN), valid or not, with the verdict given: the log of the truth."""

    __tablename__ = "payment_event"
    __table_args__ = (Index("ix_payment_event_order_ref", "order_ref"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    gateway: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime]
    order_ref: Mapped[str | None] = mapped_column(String(64))
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payment.id"))
    params: Mapped[dict[str, Any]]
    verdict: Mapped[str] = mapped_column(String(10))  # the gateway's answer code (00, 01, 02, 04, 97, 99)
    message: Mapped[str] = mapped_column(String(255))
    remote_addr: Mapped[str | None] = mapped_column(String(45))


class PaymentRefund(Base):
    """A paid fee to be given back (refused before processing, withdrawn or stopped, or taken twice): what, why,
    when, by whom; then when the receiving desk gave it back, who did, and how (``given_*``, null until then)."""

    __tablename__ = "payment_refund"
    __table_args__ = (Index("ix_payment_refund_owed", "id", sqlite_where=text("given_at IS NULL"),
                            postgresql_where=text("given_at IS NULL")),)
    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payment.id"), unique=True)
    amount: Mapped[int]
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    given_at: Mapped[datetime | None]  # the refunds still owed: ix_payment_refund_owed (where given_at is null)
    given_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    given_note: Mapped[str | None] = mapped_column(Text)
