"""Which hash secret signs and checks an agency's payments (D26): each merchant its own.

An agency's VNPay account (vnp_TmnCode) and the national payment platform (MaDoiTac) each have their own secret;
the settings map a merchant code to it (``payment_secrets``, falling back to ``payment_hash_secret``). Secrets stay
in the configuration, never in the database: the ``payment_gateway`` row names the merchant only.

A notification is checked with the secret of the merchant of the order's agency, found from the order's reference
before the signature is known (used only to choose the key; nothing it says is trusted until the signature holds),
and the merchant the notification names, when it names one, must be that merchant.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from engine.cases import gateways
from engine.data.model import Dossier
from engine.data.payment_model import Payment, PaymentGateway, PaymentOrder

# logged with the bad-signature verdict when a notice names another merchant than the order's agency's
OTHER_MERCHANT = "Invalid signature: the merchant is not the order's agency's"


def signing_secret(settings, config: PaymentGateway) -> str:
    """The secret that signs a pay URL of the agency whose gateway row is ``config``."""
    return settings.payment_secret_of(config.merchant)


def order_merchant(session: Session, order: PaymentOrder | None) -> str | None:
    """The merchant that took ``order``: the one recorded with it (an agency that changed merchant since still
    gets the notifications of the orders its former merchant took: the citizen paid there); for an order made
    before orders recorded their merchant, the one its agency's gateway row names for the order's gateway. None
    when the order is unknown or its merchant is not known (the province's default secret checks it, as before
    merchants had secrets of their own)."""
    if order is None:
        return None
    if order.merchant:
        return order.merchant
    payment = session.get(Payment, order.payment_id)
    dossier = session.get(Dossier, payment.dossier_id) if payment is not None else None
    config = session.get(PaymentGateway, dossier.agency_id) if dossier is not None else None
    if config is None or config.gateway != order.gateway or not config.merchant:
        return None
    return config.merchant


def notice_key(session: Session, settings, gateway_id: str, params: dict[str, str]) -> tuple[str, bool]:
    """The secret to check a gateway's notice (IPN or return) with, and whether the merchant it names (if it names
    one) is the merchant of its order. An unknown order: the default secret (the answer stays "not found" or "bad
    signature", as it always was)."""
    gateway = gateways.GATEWAYS[gateway_id]
    ref = params.get(gateway.REF) or ""
    merchant = order_merchant(session, session.get(PaymentOrder, ref[:64]) if ref else None)
    if merchant is None:
        return settings.payment_secret, True
    named = params.get(gateway.MERCHANT)
    return settings.payment_secret_of(merchant), not named or named == merchant
