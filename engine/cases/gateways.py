"""Payment gateways' protocols (D26): make the payment URL, verify the browser's return, verify a notification
(IPN) and answer it in the gateway's own format. No database here: engine.cases.payments decides what a
verified notification does.

* ``vnpay``: VNPay's signed redirect (research notes §9.3): every ``vnp_*`` parameter except the hash, empty
  values dropped, sorted by name, form-URL-encoded (spaces as ``+``) and joined with ``&``; ``vnp_SecureHash`` is
  the hex HMAC-SHA512 of that text under the hash secret; amounts are đồng × 100. IPN answers are
  ``{"RspCode", "Message"}``.
* ``dvcqg``: the national payment platform as a production client shows it (notes §9.2, official spec not
  seen): ``MaXacThuc`` = hex SHA-256 of the INIT fields and the secret joined with ``|``; the confirmation's hash
  over ``LoaiBanTin|MaLoi|MaDoiTac|MaThamChieu|SoTien|MaTienTe|MaGiaoDich|MaNganHang|ThoiGianGD|
  ThongTinGiaoDich|<secret>``; ``MaLoi`` 00 is success. Its answer to a confirmation (not seen) is given as
  ``{"MaLoi", "MoTa"}`` with VNPay's codes.
"""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote_plus, urlencode

from engine.core.clock import VN_TZ

OK, NOT_FOUND, ALREADY, BAD_AMOUNT, BAD_SIGNATURE, OTHER = "00", "01", "02", "04", "97", "99"
MESSAGES = {OK: "Confirm Success", NOT_FOUND: "Order not found", ALREADY: "Order already confirmed",
            BAD_AMOUNT: "Invalid amount", BAD_SIGNATURE: "Invalid signature", OTHER: "Unknown error"}
# How long the gateway keeps an order open (VNPay's vnp_ExpireDate): within it the citizen may still be paying it
ORDER_LIFE = timedelta(minutes=15)


@dataclass(frozen=True)
class Order:
    """What the engine asks a gateway to collect."""

    ref: str
    amount: int  # đồng
    info: str
    return_url: str
    client_ip: str
    created_at: datetime


@dataclass(frozen=True)
class Notice:
    """A gateway's message about an order, once its signature has been checked."""

    signed: bool
    order_ref: str | None
    amount: int | None  # đồng, as the message says
    success: bool
    transaction_no: str | None = None
    paid_at: datetime | None = None  # when the gateway says the citizen paid (Vietnam time), if it says


def _vn_time(text) -> datetime | None:
    """A gateway's ``yyyyMMddHHmmss`` (vnp_PayDate, ThoiGianGD), Vietnam time; None when absent or malformed."""
    if not isinstance(text, str) or len(text) != 14 or not (text.isascii() and text.isdigit()):
        return None
    try:
        return datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=VN_TZ)
    except ValueError:
        return None


def _vn_stamp(t: datetime) -> str:
    return t.astimezone(VN_TZ).strftime("%Y%m%d%H%M%S")


def _int(text) -> int | None:
    return int(text) if isinstance(text, str) and text.isascii() and text.isdigit() and len(text) < 19 else None


def _same_hex(expected: str, got: str) -> bool:
    """``got`` is the hex digest ``expected`` (either case), compared in constant time; as bytes, since
    hmac.compare_digest refuses text that is not ASCII (a signature anyone may send: invalid, not a 500)."""
    return hmac.compare_digest(expected.lower().encode(), got.lower().encode("utf-8", "surrogatepass"))


class VnPay:
    id = "vnpay"
    REF, MERCHANT = "vnp_TxnRef", "vnp_TmnCode"  # the order's reference and the merchant, in a return or an IPN

    @staticmethod
    def hash_data(params: dict[str, str]) -> str:
        return "&".join(f"{quote_plus(k)}={quote_plus(v)}" for k, v in sorted(params.items())
                        if k.startswith("vnp_") and k not in ("vnp_SecureHash", "vnp_SecureHashType") and v)

    @classmethod
    def sign(cls, params: dict[str, str], secret: str) -> str:
        return hmac.new(secret.encode(), cls.hash_data(params).encode(), hashlib.sha512).hexdigest()

    @classmethod
    def signed(cls, params: dict[str, str], secret: str) -> bool:
        got = params.get("vnp_SecureHash", "")
        return isinstance(got, str) and _same_hex(cls.sign(params, secret), got)

    @classmethod
    def pay_url(cls, base: str, merchant: str, secret: str, order: Order) -> str:
        params = {"vnp_Version": "2.1.0", "vnp_Command": "pay", "vnp_TmnCode": merchant,
                  "vnp_Amount": str(order.amount * 100), "vnp_CurrCode": "VND", "vnp_TxnRef": order.ref,
                  "vnp_OrderInfo": order.info, "vnp_OrderType": "other", "vnp_Locale": "vn",
                  "vnp_ReturnUrl": order.return_url, "vnp_IpAddr": order.client_ip,
                  "vnp_CreateDate": _vn_stamp(order.created_at),
                  "vnp_ExpireDate": _vn_stamp(order.created_at + ORDER_LIFE)}
        params["vnp_SecureHash"] = cls.sign(params, secret)
        return f"{base}?{urlencode(params)}"

    @classmethod
    def read(cls, params: dict[str, str], secret: str) -> Notice:
        """A return or an IPN: signature, order, amount (đồng) and whether the payment succeeded."""
        if not cls.signed(params, secret):
            return Notice(False, params.get("vnp_TxnRef"), None, False)
        raw = _int(params.get("vnp_Amount"))
        amount = raw // 100 if raw is not None and raw % 100 == 0 else None
        success = params.get("vnp_ResponseCode") == OK and params.get("vnp_TransactionStatus", OK) == OK
        return Notice(True, params.get("vnp_TxnRef"), amount, success, params.get("vnp_TransactionNo"),
                      _vn_time(params.get("vnp_PayDate")))

    @staticmethod
    def answer(code: str) -> dict:
        return {"RspCode": code, "Message": MESSAGES[code]}


class Dvcqg:
    id = "dvcqg"
    REF, MERCHANT = "MaThamChieu", "MaDoiTac"
    INIT = ("LoaiBanTin", "PhienBan", "MaDoiTac", "MaThamChieu", "SoTien", "LoaiHinhThanhToan", "MaKenhThanhToan",
            "MaThietBi", "NgonNgu", "MaTienTe", "MaNganHang", "ThongTinGiaoDich", "ThoiGianGD", "Ip")
    CONFIRM = ("LoaiBanTin", "MaLoi", "MaDoiTac", "MaThamChieu", "SoTien", "MaTienTe", "MaGiaoDich", "MaNganHang",
               "ThoiGianGD", "ThongTinGiaoDich")

    @staticmethod
    def digest(params: dict, fields: tuple[str, ...], secret: str) -> str:
        return hashlib.sha256("|".join([str(params.get(f, "")) for f in fields] + [secret]).encode()).hexdigest()

    @classmethod
    def init_message(cls, merchant: str, secret: str, order: Order) -> dict:
        message = {"LoaiBanTin": "INIT", "PhienBan": "1.0.6", "MaDoiTac": merchant, "MaThamChieu": order.ref,
                   "SoTien": str(order.amount), "LoaiHinhThanhToan": "PAY", "MaKenhThanhToan": "1",
                   "MaThietBi": "1", "NgonNgu": "vi-VN", "MaTienTe": "VND", "MaNganHang": "PAYMENT",
                   "ThongTinGiaoDich": order.info, "ThoiGianGD": _vn_stamp(order.created_at),
                   "Ip": order.client_ip, "UrlTraVe": order.return_url}
        message["MaXacThuc"] = cls.digest(message, cls.INIT, secret)
        return message

    @classmethod
    def pay_url(cls, base: str, merchant: str, secret: str, order: Order) -> str:
        return f"{base}?{urlencode(cls.init_message(merchant, secret, order))}"

    @classmethod
    def read(cls, params: dict, secret: str) -> Notice:
        got = params.get("MaXacThuc", "")
        if not isinstance(got, str) or not _same_hex(cls.digest(params, cls.CONFIRM, secret), got):
            return Notice(False, params.get("MaThamChieu"), None, False)
        return Notice(True, params.get("MaThamChieu"), _int(params.get("SoTien")), params.get("MaLoi") == OK,
                      params.get("MaGiaoDich"), _vn_time(params.get("ThoiGianGD")))

    @staticmethod
    def answer(code: str) -> dict:
        return {"MaLoi": code, "MoTa": MESSAGES[code]}


GATEWAYS = {g.id: g for g in (VnPay, Dvcqg)}
