"""Fees and payments (D26): a declared fee falls due (status 6), is paid online (the gateway's notification is
the truth), at the desk, or exempted; the paid dossier moves on with its e-receipt; a fee is refunded when the
dossier ends unprocessed; the service level counts online payment only with a gateway (D27).

An agency collects fees through the engine when it has a ``payment_gateway`` row (online when the row names a
gateway); without one, fees are collected outside the engine and no dossier waits in status 6.
"""
from __future__ import annotations

import re
import secrets
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine.cases.dossiers import (
    Context, calendar_of, load_process, move, plan_timers, save_process, visible_dossier)
from engine.core import vocabulary
from engine.core.clock import iso_vn
from engine.core.errors import Conflict, Forbidden, Invalid, NotFound
from engine.data import audit, calendars, stock_model
from engine.data.model import Document, Dossier, ProcedureVersion
from engine.data.payment_model import Payment, PaymentEvent, PaymentGateway, PaymentOrder
from engine.law import payment as law
from engine.law.statuses import PAYMENT
from engine.paperwork import receipts
from engine.paperwork.officialforms import applicant_name
from engine.process import fees, forms
from engine.cases import gateways, lienthong, local_fees, notices, payment_keys, replanning  # noqa: F401 (lienthong)
from engine.cases.payment_refunds import (  # noqa: F401 (refunds: their own module, named here as before)
    DESK_ROLE, NOT_OWED, given, owed, refund_needed, refund_paid, settled_otherwise, taken_again)


def _announce(session: Session, settings, dossier: Dossier, event: str, now: datetime, row: Payment,
              document: Document | None = None, **values) -> None:
    """The one place a payment event reaches the citizen: a notice (engine.cases.notices, D28), the receipt
    linked to the ``paid`` one."""
    notices.notify(session, settings, event, now=now, dossier=dossier, document=document,
                   context={"amount": row.amount, "fee_name": row.fee, **values})


def gateway_of(session: Session, agency_id: int) -> PaymentGateway | None:
    return session.get(PaymentGateway, agency_id)


def online_target(session: Session, dossier: Dossier) -> str | None:
    """Where the agency's online payments go (the gateway's page), or None when it takes none online."""
    row = gateway_of(session, dossier.agency_id)
    return row.pay_url if row is not None and row.gateway is not None else None


MERCHANT = re.compile(r"[A-Za-z0-9._-]{1,64}")  # vnp_TmnCode, MaDoiTac


def configure(session: Session, agency_id: int, gateway: str | None, now: datetime, merchant: str = "",
              pay_url: str = "") -> PaymentGateway:
    """The agency collects fees through the engine, online through ``gateway`` (None: at the desk only)."""
    if gateway is not None and gateway not in gateways.GATEWAYS:
        raise Invalid(f"Cổng thanh toán không hợp lệ: {gateway!r}", fields={"gateway": ", ".join(gateways.GATEWAYS)})
    if gateway is not None:  # a gateway without its merchant code or page cannot take a payment: refused, not stored
        errors = {}
        if not MERCHANT.fullmatch(merchant or ""):
            errors["merchant"] = "Mã đơn vị chấp nhận thanh toán: 1–64 chữ cái không dấu, chữ số, '.', '_' hoặc '-'"
        address = urlsplit(pay_url or "")
        if (len(pay_url or "") > 500 or address.scheme not in ("http", "https") or not address.hostname
                or any(ord(ch) <= 32 for ch in pay_url)):
            errors["url"] = "Địa chỉ trang thanh toán: một địa chỉ http:// hoặc https:// đầy đủ (tối đa 500 ký tự)"
        if errors:
            raise Invalid("Cấu hình cổng thanh toán chưa hợp lệ", fields=errors)
    row = gateway_of(session, agency_id) or PaymentGateway(agency_id=agency_id)
    row.gateway, row.merchant, row.pay_url, row.updated_at = gateway, merchant, pay_url, now
    session.add(row)
    return row


def service_level(session: Session, version: ProcedureVersion,
                  known: dict[int, PaymentGateway | None] | None = None,
                  agency_id: int | None = None) -> tuple[str, list[str]]:
    """D27 with the agency's means: a procedure with fees is full online only when the agency that receives the
    dossier (``agency_id``, an offering agency, D29; None: the publishing agency) takes them through an online
    gateway, whatever the procedure declares. ``known``: the gateways already read in this request, by agency (a
    catalogue of 500 procedures asks once per agency, not once per procedure: the session's identity map
    remembers a gateway, not that an agency has none)."""
    info = version.info
    level, reasons = info.get("level", "partial_online"), list(info.get("level_reasons", []))
    paid_online = vocabulary.LEVEL_FACTS["onlinePayment"][1]
    # a partial level's reasons may say the fees are paid online too: said only where the agency can take them
    if not info.get("fees") or (level != "full_online" and paid_online not in reasons):
        return level, reasons
    agency_id = version.procedure.agency_id if agency_id is None else agency_id
    if known is None:
        row = gateway_of(session, agency_id)
    else:
        row = known[agency_id] if agency_id in known else known.setdefault(agency_id, gateway_of(session, agency_id))
    online = law.counts_online_payment(True, True, row is not None and row.gateway is not None)
    if online:
        return level, reasons
    return "partial_online", [vocabulary.NO_GATEWAY if r == paid_online else r for r in reasons]


def payments_of(session: Session, dossier_ids: list[int]) -> dict[int, list[Payment]]:
    groups: dict[int, list[Payment]] = {}
    for start in range(0, len(dossier_ids), 500):
        for row in session.scalars(select(Payment).where(Payment.dossier_id.in_(dossier_ids[start:start + 500]))
                                   .order_by(Payment.id)):
            groups.setdefault(row.dossier_id, []).append(row)
    return groups


FORM_EXEMPTION = "Miễn theo tờ khai"  # the fee's own condition met by the form (not an officer's decision)
MONEY_PAID = ("paid", "refunded")  # a fee's money was paid (a refund gives it back apart)


def describe(p: Payment) -> dict:
    """api.md "Payments": one entry of the dossier's ``payments``. The method is how the money was paid: none
    for a fee unpaid (still owed, owed no more, exempted), whatever online attempt was started or failed."""
    return {"id": p.id, "fee": p.fee, "amount": p.amount, "status": p.status,
            "method": p.method if p.status in MONEY_PAID else None,
            "paid_at": iso_vn(p.paid_at), "receipt": p.receipt_document_id, "moment": p.moment,
            "exempt_reason": p.exempt_reason, "refund": _refund(p)}


def _refund(p) -> dict | None:
    """The money owed back for this fee (engine.cases.payment_refunds: the dossier ended after it was paid, or
    the gateway took it again): recorded for the receiving desk to give back; a row read with its refund only."""
    amount = getattr(p, "refund_amount", None)
    if amount is None:
        return None
    return {"amount": amount, "reason": p.refund_reason, "at": iso_vn(p.refund_at),
            "given_at": iso_vn(p.refund_given_at), "given_note": p.refund_given_note}


# -- a fee falls due ------------------------------------------------------------------------------------------
def request_due(session: Session, ctx: Context, dossier: Dossier, moment: str) -> Payment | None:
    """The fees of ``moment``: computed from the form, exempted by it, or owed (the dossier waits in 6)."""
    info = dossier.procedure_version.info
    due = fees.of_moment(info, moment)
    if not due or gateway_of(session, dossier.agency_id) is None:
        return None
    owed, exempted = [], []
    # a local fee at the receiving agency's own amount (D29) in force when the dossier was received (D1)
    charged = {f["key"]: f for f in local_fees.of_dossier(session, dossier)}
    for fee in due:
        try:
            if fees.exempt(fee, dossier.form, ctx.script_time_limit):
                exempted.append(fee)
                continue
            owed.append((fee, fees.amount(charged.get(fee["key"], fee), dossier.form, ctx.script_time_limit)))
        except fees.FeeError as exc:
            raise Invalid(f"Không tính được phí {fee['name']}: {exc}", code="fee_not_computable") from None
    now = ctx.now
    for fee in exempted:
        session.add(Payment(dossier_id=dossier.id, moment=moment, fee_keys=[fee["key"]], fee=fee["name"], amount=0,
                            status="exempted", requested_at=now, exempt_reason=FORM_EXEMPTION))
    owed = [(fee, amount) for fee, amount in owed if amount > 0]
    if not owed:
        return None
    row = Payment(dossier_id=dossier.id, moment=moment, fee_keys=[f["key"] for f, _ in owed],
                  fee="; ".join(f["name"] for f, _ in owed), amount=sum(a for _, a in owed), status="pending",
                  requested_at=now)
    session.add(row)
    before = move(dossier, PAYMENT)
    law.on_payment_requested(dossier, now)
    plan_timers(session, dossier, ctx.settings)
    session.flush()
    audit.record(session, dossier, now, ctx.user, "payment_requested", before,
                 data={"payment": row.id, "amount": row.amount, "moment": moment})
    # where to pay: the fees on the citizen's dossier page when the agency takes them online, else its desk
    online = online_target(session, dossier) is not None
    link = notices.absolute(ctx.settings, notices.dossier_path(dossier, False) + "#payments") if online else None
    _announce(session, ctx.settings, dossier, "payment_requested", now, row, payment_link=link, at_desk=not online)
    return row


def after_action(session: Session, ctx: Context, dossier: Dossier, step: str, action: str) -> None:
    """After an officer's action: fees that fall due now (received, approved), refunds of a refusal."""
    moment = law.DUE_AFTER.get((step, action))
    if moment is not None:
        request_due(session, ctx, dossier, moment)
    elif (step, action) == ("intake", "refuse"):
        refund_paid(session, ctx, dossier, "Hồ sơ không được tiếp nhận")


def _pending(session: Session, dossier: Dossier) -> Payment | None:
    return session.scalar(select(Payment).where(Payment.dossier_id == dossier.id, Payment.status == "pending")
                          .order_by(Payment.id).limit(1))


# -- settled: paid or exempted --------------------------------------------------------------------------------
def _claim(session: Session, row: Payment, *also, **values) -> bool:
    """Write ``values`` (settled, a new order) to the fee ``row`` if it is still pending (and ``also`` holds): one
    conditional UPDATE, so that of two requests at once (the same IPN twice, two orders, the desk and an IPN or a
    new order) one goes on, on SQLite (SELECT ... FOR UPDATE locks nothing) as on PostgreSQL. The row is reread."""
    taken = session.execute(update(Payment).where(Payment.id == row.id, Payment.status == "pending", *also)
                            .values(**values).execution_options(synchronize_session=False))
    session.refresh(row)
    return taken.rowcount == 1


def _settled(session: Session, ctx: Context, dossier: Dossier, row: Payment, event: str,
             at: datetime | None = None) -> None:
    """The fee is settled, now: the receipt (for money; ``at``, when the gateway says the money was paid, is the
    payment's own time, on the receipt, in the day's reconciliation and the reports), the dossier moves on when
    nothing else is owed, its appointment moved by the wait (law.on_paid), and then the citizen is told, with the
    new appointment when it moved (D28). The wait ends when the engine learns of the payment: nobody could work
    on the dossier before (status 6), a delayed notification must not make the intake hour (D7) run out at once,
    and the history stays in the order things happened."""
    now = ctx.now
    data = {"payment": row.id, "amount": row.amount, "method": row.method}
    if at is not None and at != now:
        data["paid_at"] = at.isoformat()
    doc = None
    if row.status == "paid":
        doc = receipts.issue(session, ctx.settings, dossier, row, applicant_name(dossier), now)
        row.receipt_document_id = doc.id
        data["receipt"] = doc.number
    session.flush()
    before, cal, due = dossier.status, None, dossier.due_at
    if dossier.status == PAYMENT and _pending(session, dossier) is None:
        cal = calendar_of(session, dossier, ctx.settings)
        move(dossier, law.waiting_status(row.moment))
        law.on_paid(dossier, cal, row.moment, now, calendars.intake_working_hours(ctx.settings))
        save_process(session, dossier, load_process(dossier, ctx), now, ctx.settings, cal)
    audit.record(session, dossier, now, ctx.user, event, before, data=data)
    if cal is not None:  # D30: an item open while the fee was owed keeps its own limit, moved as the dossier's
        replanning.after_wait(session, dossier, cal)
    _announce(session, ctx.settings, dossier, "paid", now, row, document=doc, exempted=row.status == "exempted",
              exempt_reason=row.exempt_reason, due_moved=dossier.due_at is not None and dossier.due_at != due)


def desk(session: Session, ctx: Context, code: str, payload) -> Payment:
    """The receiving officer records the fee paid in cash or by card at the desk (D26)."""
    dossier = visible_dossier(session, ctx.user, code, with_state=True)
    if DESK_ROLE not in ctx.user.roles or ctx.user.agency_id != dossier.agency_id:
        raise Forbidden("Chỉ cán bộ tiếp nhận của cơ quan giải quyết thu phí tại quầy")
    forms.validate({"type": "object", "required": ["amount", "method"], "additionalProperties": False,
                    "properties": {"amount": {"type": "integer", "minimum": 1, "maximum": fees.MAX_AMOUNT},
                                   "method": {"enum": ["cash", "card"]}}}, payload)
    row = _pending(session, dossier)
    if row is None:
        raise Conflict("Hồ sơ không có khoản phí nào đang chờ thanh toán", code="no_payment_due")
    if payload["amount"] != row.amount:
        raise Invalid(f"Số tiền phải nộp là {receipts.figures(row.amount)}", code="wrong_amount",
                      fields={"amount": f"Phải bằng {row.amount}"})
    # paid here, not through the order the citizen may have started online: that order, paid later at the
    # gateway, is a second payment to refund (receive_notice and the reconciliation flag it)
    if not _claim(session, row, status="paid", method=payload["method"], paid_at=ctx.now, recorded_by=ctx.user.id,
                  gateway=None, order_ref=None):
        raise Conflict("Hồ sơ không có khoản phí nào đang chờ thanh toán", code="no_payment_due")
    _settled(session, ctx, dossier, row, "paid")
    return row


def exempt(session: Session, ctx: Context, code: str, payment_id: int, payload) -> Payment:
    """An officer's decision that the applicant owes nothing (a reason is required, and audited)."""
    dossier = visible_dossier(session, ctx.user, code, with_state=True)
    if DESK_ROLE not in ctx.user.roles or ctx.user.agency_id != dossier.agency_id:
        raise Forbidden("Chỉ cán bộ tiếp nhận của cơ quan giải quyết quyết định miễn phí")
    forms.validate({"type": "object", "required": ["reason"], "additionalProperties": False,
                    "properties": {"reason": {"type": "string", "minLength": 3, "maxLength": 2000}}}, payload)
    row = session.get(Payment, payment_id)
    if row is None or row.dossier_id != dossier.id:
        raise NotFound("Không tìm thấy khoản thanh toán", code="payment_not_found")
    if not _claim(session, row, status="exempted", exempt_reason=payload["reason"], recorded_by=ctx.user.id,
                  order_ref=None):
        raise Conflict("Khoản phí không còn chờ thanh toán", code="payment_not_pending")
    _settled(session, ctx, dossier, row, "payment_exempted")
    return row


# -- online ---------------------------------------------------------------------------------------------------
def open_order(session: Session, dossier: Dossier, now: datetime) -> datetime | None:
    """When the pending fee's latest order was made, if the gateway may still take it (gateways.ORDER_LIFE): the
    citizen may have paid it a moment ago, its notification not come yet. None: no such order."""
    row = _pending(session, dossier)
    order = session.get(PaymentOrder, row.order_ref) if row is not None and row.order_ref else None
    return order.created_at if order is not None and now < order.created_at + gateways.ORDER_LIFE else None


def start_online(session: Session, ctx: Context, code: str, return_url: str, client_ip: str,
                 again: bool = True) -> tuple[Payment, str]:
    """The citizen pays the pending fee online: a fresh order reference and the gateway's signed URL. Not
    ``again``: refused while an earlier order is still open (the portal's button asks first; money taken twice is
    given back, but the citizen waits for it)."""
    dossier = visible_dossier(session, ctx.user, code)
    if "citizen" not in ctx.user.roles:
        raise Forbidden("Chỉ công dân thanh toán trực tuyến hồ sơ của mình")
    row = _pending(session, dossier)
    if row is None:
        raise Conflict("Hồ sơ không có khoản phí nào đang chờ thanh toán", code="no_payment_due")
    opened = None if again else open_order(session, dossier, ctx.now)
    if opened is not None:
        until = vocabulary.vn_time(opened + gateways.ORDER_LIFE, "time")
        raise Conflict(f"Bạn đã mở một giao dịch thanh toán lúc {vocabulary.vn_time(opened, 'at')}, còn hiệu lực "
                       f"đến {until}. Nếu đã trả tiền, vui lòng chờ cổng thanh toán báo kết quả; chỉ thanh toán lại "
                       "khi giao dịch đó không trừ tiền", code="payment_order_open")
    config = gateway_of(session, dossier.agency_id)
    if config is None or config.gateway is None:
        raise Conflict("Cơ quan chưa có cổng thanh toán trực tuyến; vui lòng nộp phí tại Bộ phận Một cửa",
                       code="no_gateway")
    # taken only while still pending (_claim): a fee settled meanwhile (desk, exemption, IPN) keeps the order that
    # paid it (refund_needed, the reconciliation), and the citizen is not sent to pay it again
    ref = f"{dossier.code}-{row.id}-{secrets.token_hex(4)}".replace(".", "")
    if not _claim(session, row, order_ref=ref, method="online", gateway=config.gateway):
        raise Conflict("Hồ sơ không có khoản phí nào đang chờ thanh toán", code="no_payment_due")
    session.add(PaymentOrder(ref=row.order_ref, payment_id=row.id, gateway=config.gateway, created_at=ctx.now,
                             merchant=config.merchant or None))
    order = gateways.Order(row.order_ref, row.amount, f"THANH TOAN HO SO {dossier.code}", return_url,
                           client_ip or "127.0.0.1", ctx.now)
    url = gateways.GATEWAYS[config.gateway].pay_url(config.pay_url, config.merchant,
                                                    payment_keys.signing_secret(ctx.settings, config), order)
    return row, url


def receive_notice(session: Session, ctx: Context, gateway_id: str, params: dict, remote_addr: str | None) -> dict:
    """A gateway's notification (IPN), the truth about a payment: signature, order, amount and idempotency are
    checked; every notification is logged with the verdict (at its arrival); only a valid first success marks the
    fee paid, at the time the gateway says the citizen paid (the receipt, the day's reconciliation, the reports)."""
    gateway = gateways.GATEWAYS[gateway_id]
    flat = {str(k): str(v) for k, v in params.items()}
    secret, same_merchant = payment_keys.notice_key(session, ctx.settings, gateway_id, flat)  # its merchant's key
    notice = gateway.read(flat, secret)
    order = session.get(PaymentOrder, notice.order_ref[:64]) if notice.order_ref else None
    row = session.get(Payment, order.payment_id) if order is not None else None
    message, paid_at = None, None
    if not notice.signed or not same_merchant:
        verdict, message = gateways.BAD_SIGNATURE, payment_keys.OTHER_MERCHANT if notice.signed else None
    elif row is None or order.gateway != gateway_id:
        verdict = gateways.NOT_FOUND
    elif notice.amount != row.amount:
        verdict = gateways.BAD_AMOUNT
    elif row.status != "pending":
        verdict = gateways.ALREADY
        if notice.success:  # the fee was settled otherwise as well, or the dossier ended: money to give back
            message = refund_needed(row, order.ref)
    else:
        verdict = gateways.OK
    if verdict == gateways.OK and notice.success:
        # paid when the gateway says (D26: its notification is the truth), within the order's life: not before
        # the order was made, not after the notification came (no time given: when it came)
        paid_at = min(max(notice.paid_at or ctx.now, order.created_at), ctx.now)
        if not _claim(session, row, status="paid", paid_at=paid_at, transaction_no=notice.transaction_no,
                      order_ref=order.ref, gateway=gateway_id, method="online"):
            # another notification settled it meanwhile: a replay of this order, or another order to give back
            verdict, message = gateways.ALREADY, refund_needed(row, order.ref)
        else:
            stock_model.forget_after(session, paid_at, ctx.now)  # kept day ends since counted the fee owed
    session.add(PaymentEvent(gateway=gateway_id, at=ctx.now, order_ref=(notice.order_ref or "")[:64] or None,
                             payment_id=row.id if row is not None else None, params=flat, verdict=verdict,
                             message=message or gateways.MESSAGES[verdict], remote_addr=remote_addr))
    if verdict == gateways.ALREADY and notice.success and message is not None:  # money taken twice, or late:
        taken_again(session, ctx, row, order.ref)  # a refund owed, recorded, audited and told (once per order)
    if verdict == gateways.OK:
        dossier = session.get(Dossier, row.dossier_id)
        if notice.success:
            _settled(session, ctx, dossier, row, "paid", paid_at)
        elif row.order_ref == order.ref:  # the latest order was cancelled or refused: the fee is still owed
            _claim(session, row, Payment.order_ref == order.ref, order_ref=None)  # (settled since: left as paid)
    return gateway.answer(verdict)


def return_state(session: Session, settings, dossier: Dossier, params: dict) -> str:
    """What the return page tells the citizen: ``paid`` when the notification recorded it, ``failed`` when the
    signed return says the gateway did not take the money, ``refund`` when it says the gateway took it for a fee
    settled otherwise meanwhile (at the desk, another order, exempted) or owed no more (refund_needed: the money
    is given back) or when this order's payment was refunded since (the dossier ended), else ``pending``. It
    never marks anything paid. A signed "not taken" is ``settled`` when the fee was paid or exempted otherwise
    meanwhile, ``closed`` when it is owed no more (the dossier ended): neither is to be paid again. It answers
    only for an order of ``dossier`` (one the caller may see): any other reference, known or not, is the same
    "not found" as another's dossier."""
    ref = params.get("vnp_TxnRef") or params.get("MaThamChieu") or ""
    order = session.get(PaymentOrder, ref[:64]) if ref else None
    row = session.get(Payment, order.payment_id) if order is not None else None
    if row is None or row.dossier_id != dossier.id:
        raise NotFound("Không tìm thấy hồ sơ", code="dossier_not_found")
    if row.status == "paid" and row.order_ref == order.ref:
        return "paid"
    if row.status == "refunded" and row.order_ref == order.ref:  # paid by this very order, refunded since
        return "refund"  # (the dossier ended unprocessed, refund_paid): given back, nothing to wait for
    flat = {str(k): str(v) for k, v in params.items()}
    secret, same_merchant = payment_keys.notice_key(session, settings, order.gateway, flat)
    notice = gateways.GATEWAYS[order.gateway].read(flat, secret)
    signed = notice.signed and same_merchant  # by the order's merchant (engine.cases.payment_keys)
    if signed and notice.success and refund_needed(row, order.ref) is not None:
        return "refund"
    if signed and not notice.success:  # this order took nothing: whether to pay again depends on the fee now
        if row.status in ("paid", "exempted"):
            return "settled"  # by another order, at the desk or by an exemption: nothing to pay
        return "failed" if row.status == "pending" else "closed"  # closed: owed no more (the dossier ended)
    return "pending"
