"""The electronic receipt of a fee (biên lai thu phí, lệ phí điện tử; D26, NĐ 123/2020/NĐ-CP): a PDF with the
agency's own receipt number, the payer, the amount in figures and in words, the fee, the dossier code, the
method and the date, signed with the agency's seal key (the organisation's signature is what a receipt needs).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from engine.core.settings import Settings
from engine.core.vocabulary import PAYMENT_METHODS, amount_in_words, vn_time
from engine.data.model import Document, Dossier
from engine.paperwork import numbers, pdf, results

KIND, SERIES = "fee_receipt", "BLĐT"  # the agency's register of receipts (Biên lai điện tử)


def figures(amount: int) -> str:
    return f"{amount:,} đồng".replace(",", ".")


def render(settings: Settings, dossier: Dossier, payment, payer: str, number: str, now: datetime) -> bytes:
    procedure = dossier.procedure_version.procedure
    rows = [("Ký hiệu, số biên lai", number), ("Họ tên người nộp", payer),
            ("Số định danh cá nhân", dossier.owner_cccd or ""), ("Tên loại phí, lệ phí", payment.fee),
            ("Số tiền", figures(payment.amount)), ("Số tiền bằng chữ", amount_in_words(payment.amount)),
            ("Mã hồ sơ", dossier.code), ("Thủ tục", f"{procedure.name} (mã {procedure.code})"),
            ("Hình thức thanh toán", PAYMENT_METHODS.get(payment.method or "", payment.method or "")),
            ("Mã giao dịch", payment.transaction_no or payment.order_ref or ""),
            ("Thời điểm thu", vn_time(payment.paid_at or now, "formal"))]
    doc = pdf.PdfDocument(agency=dossier.agency.name, title="Biên lai thu phí, lệ phí", number=number,
                          subtitle="(Biên lai điện tử)", place_date=results.place_date(settings, now),
                          blocks=[("fields", rows)], signers=["Đơn vị thu"], qr=dossier.code,
                          footer="Biên lai điện tử có chữ ký số của đơn vị thu phí, lệ phí")
    return pdf.render(doc, settings.font_dir)


def issue(session: Session, settings: Settings, dossier: Dossier, payment, payer: str, now: datetime) -> Document:
    """Number, render, seal and store the receipt of ``payment``; returns its document."""
    number = numbers.allocate(session, dossier.agency_id, KIND, SERIES, now)
    # the receiving agency collects (its gateway, engine.cases.payments.request_due; its register): its seal
    content = results.seal(settings, render(settings, dossier, payment, payer, number.text, now), dossier.agency,
                           now, number.text)
    name = f"bien-lai-{dossier.code}-{number.seq}.pdf"
    doc = results.store_signed(session, settings, dossier, KIND, name, content, now, number=number.text)
    return numbers.enter(doc, number)
