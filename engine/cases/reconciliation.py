"""Daily reconciliation (D26): the gateway's transaction list of one day against the payments the engine
recorded. Mismatches: a transaction the engine does not know, a payment the gateway does not list, an amount
or a status that differ. The list is the gateway's own CSV (VNPay: ``vnp_TxnRef, vnp_Amount`` in đồng × 100,
``vnp_TransactionStatus`` 00 = paid; the national platform: ``MaThamChieu, SoTien, TrangThaiGD`` with 1 success,
3 pending, 4 failed).
"""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.core.clock import VN_TZ
from engine.cases import payments
from engine.core.errors import Invalid
from engine.data.payment_model import Payment, PaymentOrder, PaymentRefund

SHAPES = {  # gateway: (reference, amount, amount divisor, status, status meaning paid, time yyyyMMddHHmmss)
    "vnpay": ("vnp_TxnRef", "vnp_Amount", 100, "vnp_TransactionStatus", "00", "vnp_PayDate"),
    "dvcqg": ("MaThamChieu", "SoTien", 1, "TrangThaiGD", "1", "ThoiGianGD"),
}
SETTLED = ("paid", "refunded")  # money the gateway took (a refund is paid back apart)


def read_rows(text: str, gateway: str) -> list[dict]:
    """The rows of the gateway's file, with the columns its shape needs (or an Invalid naming them)."""
    ref, amount, _div, status, _ok, _at = SHAPES[gateway]
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in (ref, amount, status) if c not in (reader.fieldnames or [])]
    if missing:
        raise Invalid(f"tệp giao dịch thiếu cột: {', '.join(missing)}", code="bad_transaction_file")
    return list(reader)


def reconcile(session: Session, gateway: str, rows: list[dict], day: date) -> list[str]:
    """One line per mismatch between the gateway's ``rows`` and the payments recorded as paid on ``day``."""
    ref_col, amount_col, divisor, status_col, ok, at_col = SHAPES[gateway]
    start = datetime.combine(day, time(0), VN_TZ)
    recorded = {p.order_ref: p for p in session.scalars(
        select(Payment).where(Payment.gateway == gateway, Payment.paid_at >= start,
                              Payment.paid_at < start + timedelta(days=1)))}
    problems, seen = [], set()
    for row in rows:
        ref = (row.get(ref_col) or "").strip()
        seen.add(ref)
        raw = (row.get(amount_col) or "").strip()
        amount = int(raw) // divisor if raw.isascii() and raw.isdigit() else None  # "²" is a digit to isdigit
        paid_there = (row.get(status_col) or "").strip() == ok
        at = (row.get(at_col) or "").strip()
        if at and not at.startswith(day.strftime("%Y%m%d")):
            problems.append(f"{ref}: giao dịch ngày {at[:8]}, không phải ngày đối soát (date differs)")
        order = session.get(PaymentOrder, ref[:64]) if ref else None
        mine = recorded.get(ref) or (session.get(Payment, order.payment_id) if order is not None else None)
        if mine is None:
            problems.append(f"{ref}: có ở cổng thanh toán, không có trong hệ thống (missing)")
            continue
        if amount != mine.amount:
            problems.append(f"{ref}: số tiền khác nhau: cổng {amount}, hệ thống {mine.amount} (amount differs)")
        settled_here = mine.status in SETTLED and mine.order_ref == ref
        if paid_there and not settled_here and _given_back(session, mine):
            continue  # money taken twice, or after the dossier ended, that the desk has given back: nothing owed
        if paid_there and mine.status == "failed":  # paid after its dossier ended unprocessed (withdrawn...)
            problems.append(f"{ref}: khoản phí {payments.NOT_OWED}; đơn này đã được thanh toán, "
                            f"cần hoàn trả (paid after the dossier ended)")
        elif paid_there and not settled_here and mine.status in (*SETTLED, "exempted"):
            problems.append(f"{ref}: khoản phí {payments.settled_otherwise(mine)}; đơn này cũng được "
                            f"thanh toán, cần hoàn trả (paid twice)")
        elif paid_there != settled_here:
            there = "đã thanh toán" if paid_there else "chưa thanh toán"
            problems.append(f"{ref}: trạng thái khác nhau: cổng {there}, "
                            f"hệ thống {mine.status} (status differs)")
    for ref, mine in recorded.items():
        if ref not in seen:
            problems.append(f"{ref}: đã ghi nhận thanh toán {mine.amount} đồng, cổng thanh toán không có (missing)")
    return problems


def _given_back(session: Session, row: Payment) -> bool:
    """The money owed back for this fee has been given back (engine.cases.payment_refunds.given)."""
    return session.scalar(select(PaymentRefund.given_at).where(PaymentRefund.payment_id == row.id)) is not None
