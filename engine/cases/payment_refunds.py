"""Refunds of fees (D26): the money a dossier's fee took is given back when the dossier ends unprocessed
(refused at the intake check, withdrawn, stopped), and when the gateway takes it a second time: for a fee
settled otherwise meanwhile (at the desk, another order, exempted) or owed no more (the dossier ended before
the gateway's notification). Every refund is recorded (``payment_refund``), audited on the dossier and told to
the citizen; money taken twice is told to the receiving agency's officers too, who give it back.

Split from engine.cases.payments (which re-exports these names) to keep both modules small.
"""
from __future__ import annotations

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from engine.cases import notices
from engine.cases.dossiers import Context, visible_dossier
from engine.core.errors import Conflict, Forbidden, Invalid, NotFound
from engine.core.vocabulary import vn_time
from engine.data import audit, row_locks
from engine.data.model import AuditEvent, Dossier
from engine.data.payment_model import Payment, PaymentRefund
from engine.law import payment as law
from engine.process import forms

DESK_ROLE = "receiving_officer"  # who takes fees at the desk, and gives back the money owed back

# a fee still owed when its dossier ended unprocessed (refused, withdrawn, stopped) is owed no more (refund_paid)
NOT_OWED = "không còn phải nộp (hồ sơ đã kết thúc mà không giải quyết: từ chối, rút hoặc dừng)"


def settled_otherwise(row: Payment) -> str:
    """How a fee was settled, for a second payment through another order: the words of the refund message."""
    if row.status == "failed":
        return NOT_OWED
    if row.status == "exempted":
        return "đã được miễn"
    if row.order_ref is None:
        return "đã được nộp tại quầy"
    return f"đã được thanh toán bằng đơn hàng {row.order_ref}"


def refund_needed(row: Payment, ref: str) -> str | None:
    """Why money the gateway took for order ``ref`` must be given back, or None when it paid ``row`` (a replay of
    that payment, or the fee still owed): the fee was settled otherwise, or is owed no more (the dossier ended)."""
    if row.status == "pending" or (row.status in ("paid", "refunded") and row.order_ref == ref):
        return None
    if row.status == "failed":
        return f"Khoản phí {NOT_OWED}: cần hoàn trả (paid after the dossier ended)"
    return f"Khoản phí {settled_otherwise(row)}: cần hoàn trả (paid twice)"


def _give_back(session: Session, ctx: Context, dossier: Dossier, row: Payment, amount: int, reason: str,
               **data) -> None:
    """Record ``amount`` given back for the fee ``row``, audit it and tell the citizen. One refund row per fee
    (payment_refund.payment_id is unique, no schema change): a second amount given back for the same fee (money
    taken twice, then the dossier withdrawn) adds to it, its reasons one per line; the trail keeps each."""
    refund = session.scalar(select(PaymentRefund).where(PaymentRefund.payment_id == row.id))
    if refund is None:
        session.add(PaymentRefund(payment_id=row.id, amount=amount, reason=reason, at=ctx.now,
                                  actor_id=ctx.user.id if ctx.user else None))
    elif refund.given_at is not None:  # the first amount was given back: the row now owes the new one only
        when, money = vn_time(refund.given_at, "datetime"), f"{refund.amount:,}".replace(",", ".")
        earlier = f"(Đã hoàn trả {money} đồng lúc {when}: {refund.given_note})"
        refund.amount, refund.reason = amount, f"{refund.reason}\n{earlier}\n{reason}"
        refund.given_at = refund.given_by_id = refund.given_note = None
    else:
        refund.amount, refund.reason = refund.amount + amount, f"{refund.reason}\n{reason}"
    audit.record(session, dossier, ctx.now, ctx.user, "payment_refunded", dossier.status,
                 data={"payment": row.id, "amount": amount, "reason": reason, **data})
    told = {"amount": amount, "fee_name": row.fee, "reason": reason}
    notices.notify(session, ctx.settings, "refunded", now=ctx.now, dossier=dossier, context=told)
    # the receiving desk gives it back (``given``): told whatever the cause (withdrawn, stopped, taken twice)
    notices.notify(session, ctx.settings, "refunded", now=ctx.now, dossier=dossier, roles={DESK_ROLE},
                   context={**told, "for_officers": True})


def refund_paid(session: Session, ctx: Context, dossier: Dossier, reason: str) -> list[Payment]:
    """The dossier ended unprocessed (refused, withdrawn, stopped): its paid fees are refunded and audited;
    what is still owed is owed no more."""
    if not law.refund_due(dossier.status):
        return []
    done = []
    for row in session.scalars(select(Payment).where(Payment.dossier_id == dossier.id,
                                                     Payment.status.in_(("paid", "pending")))):
        if row.status == "pending":
            row.status = "failed"
            continue
        row.status = "refunded"
        _give_back(session, ctx, dossier, row, row.amount, reason)
        done.append(row)
    return done


def taken_again(session: Session, ctx: Context, row: Payment, order_ref: str) -> bool:
    """The gateway took the fee's amount for order ``order_ref`` although the fee was settled otherwise or is
    owed no more (refund_needed): a refund owed, recorded and audited once per order (a replayed notification
    finds the order in the trail and records nothing), and told to the receiving agency's officers, who give
    the money back, and to the citizen. False when it was recorded before.

    Two copies of one notification at once (gateways retry) must not both find the trail without the order: the
    fee's row is held first (an UPDATE that changes nothing, a row lock on PostgreSQL, the write lock on SQLite),
    so the second copy waits for the first's commit, then reads the trail and the dossier as committed, finds the
    refund and answers as for any replay (already confirmed), its notification logged."""
    row_locks.hold(session, Payment.__table__, row.id)
    dossier = session.get(Dossier, row.dossier_id, populate_existing=True)  # as committed by whoever held it
    seen = session.scalars(select(AuditEvent.data).where(AuditEvent.dossier_id == dossier.id,
                                                         AuditEvent.action == "payment_refunded"))
    if any(isinstance(data, dict) and data.get("order") == order_ref for data in seen):
        return False
    reason = (f"Đơn hàng {order_ref} được thanh toán trực tuyến khi khoản phí {settled_otherwise(row)}: "
              "số tiền của đơn hàng này được hoàn trả")
    _give_back(session, ctx, dossier, row, row.amount, reason, order=order_ref)
    return True


# what engine.cases.payments.describe reads of a fee with its refund (engine.cases.summary lists them so)
DESCRIBED = (Payment.id, Payment.fee, Payment.amount, Payment.status, Payment.method, Payment.paid_at,
             Payment.receipt_document_id, Payment.moment, Payment.exempt_reason,
             PaymentRefund.amount.label("refund_amount"), PaymentRefund.reason.label("refund_reason"),
             PaymentRefund.at.label("refund_at"), PaymentRefund.given_at.label("refund_given_at"),
             PaymentRefund.given_note.label("refund_given_note"))

GIVEN = {"type": "object", "required": ["note"], "additionalProperties": False,
         "properties": {"note": {"type": "string", "minLength": 3, "maxLength": 500,
                                 "description": "Cách hoàn trả: tiền mặt tại quầy, chuyển khoản (số giao dịch)..."}}}


def given(session: Session, ctx: Context, code: str, payment_id: int, payload):
    """The receiving desk has given back the money owed for the fee ``payment_id`` (its refund): when, who and
    how (``note``) are recorded, audited and told to the citizen; the fee is returned as ``DESCRIBED``. Once: a
    second time is refused (409), also when two officers record it at the same moment (the update takes a
    refund not given yet only)."""
    dossier = visible_dossier(session, ctx.user, code)
    if DESK_ROLE not in ctx.user.roles or ctx.user.agency_id != dossier.agency_id:
        raise Forbidden("Chỉ cán bộ tiếp nhận của cơ quan tiếp nhận hồ sơ ghi nhận đã hoàn trả")
    forms.validate(GIVEN, payload)
    note = payload["note"].strip()
    if len(note) < 3:
        raise Invalid("Cách hoàn trả: ít nhất 3 ký tự", fields={"note": "ít nhất 3 ký tự"})
    row = session.get(Payment, payment_id)
    refund = session.scalar(select(PaymentRefund).where(PaymentRefund.payment_id == payment_id))
    if row is None or row.dossier_id != dossier.id or refund is None:
        raise NotFound("Khoản phí này không có tiền phải hoàn trả", code="refund_not_found")
    done = session.execute(update(PaymentRefund).where(PaymentRefund.id == refund.id,
                                                       PaymentRefund.given_at.is_(None))
                           .values(given_at=ctx.now, given_by_id=ctx.user.id, given_note=note)
                           .execution_options(synchronize_session=False)).rowcount
    if not done:
        raise Conflict("Khoản tiền này đã được ghi nhận hoàn trả", code="refund_already_given")
    audit.record(session, dossier, ctx.now, ctx.user, "refund_given", dossier.status,
                 data={"payment": row.id, "amount": refund.amount, "note": note})
    notices.notify(session, ctx.settings, "refund_given", now=ctx.now, dossier=dossier,
                   context={"amount": refund.amount, "fee_name": row.fee, "note": note})
    return session.execute(select(*DESCRIBED).join(PaymentRefund, PaymentRefund.payment_id == Payment.id)
                           .where(Payment.id == row.id)).one()


OWED_PAGE = 50


def owed(session: Session, ctx: Context, after: int = 0) -> tuple[list, int | None]:
    """The refunds the receiving officer's agency still owes (not recorded given back), oldest first, a page of
    OWED_PAGE after refund id ``after``, and the id to ask the next page after (None: no more). Read off the
    partial index of refunds not given back (migration 0050): the refunds given back, the history, are never
    read."""
    if DESK_ROLE not in ctx.user.roles or ctx.user.agency_id is None:
        raise Forbidden("Chỉ cán bộ tiếp nhận xem các khoản phải hoàn trả của cơ quan mình")
    rows = session.execute(OWED, {"after": after, "agency": ctx.user.agency_id}).all()
    return rows[:OWED_PAGE], (rows[OWED_PAGE - 1].id if len(rows) > OWED_PAGE else None)


OWED = (select(PaymentRefund.id, PaymentRefund.amount, PaymentRefund.reason, PaymentRefund.at, Payment.fee,
               Dossier.code, Dossier.owner_name)
        .join(Payment, Payment.id == PaymentRefund.payment_id).join(Dossier, Dossier.id == Payment.dossier_id)
        # "+ 0": no index on the agency's dossiers (SQLite would read all of them, its history): the refunds owed
        # (a partial index, a handful) lead, each joined to its fee and dossier by primary key
        .where(PaymentRefund.given_at.is_(None), PaymentRefund.id > bindparam("after"),
               Dossier.agency_id + 0 == bindparam("agency"))
        .order_by(PaymentRefund.id).limit(OWED_PAGE + 1))
