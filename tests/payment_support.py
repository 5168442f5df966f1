"""Helpers of the payment tests: a gateway for the demo agency, and the IPN a gateway would send."""
from __future__ import annotations

import io

from sqlalchemy import select

from engine.cases import payments
from engine.cases.gateways import VnPay
from engine.core.clock import VN_TZ
from engine.data.model import Agency
from engine.data.payment_model import Payment

DEMO_AGENCY = "000.00.06.H56"


def configure(app, gateway: str | None = "vnpay", pay_url: str = "http://127.0.0.1:9/paymentv2/vpcpay.html") -> None:
    sessions = app.extensions["tthc"]["sessions"]
    with sessions.begin() as session:
        agency = session.scalar(select(Agency).where(Agency.code == DEMO_AGENCY))
        payments.configure(session, agency.id, gateway, app.extensions["tthc"]["clock"].now(), "TTHCDEMO", pay_url)


def payment_row(app, payment_id: int) -> Payment:
    with app.extensions["tthc"]["sessions"]() as session:
        row = session.get(Payment, payment_id)
        session.expunge(row)
        return row


def ipn_params(app, order_ref: str, amount: int, *, paid: bool = True, secret: str | None = None,
               number: str = "14000001") -> dict:
    """The parameters VNPay's IPN carries for ``order_ref``, signed with the engine's secret (or ``secret``)."""
    params = {"vnp_TmnCode": "TTHCDEMO", "vnp_Amount": str(amount * 100), "vnp_BankCode": "NCB",
              "vnp_BankTranNo": f"VNP{number}", "vnp_CardType": "ATM", "vnp_OrderInfo": "THANH TOAN HO SO",
              # the gateway's own time of the payment: now on the app's clock, as a real gateway notifies at once
              "vnp_PayDate": app.extensions["tthc"]["clock"].now().astimezone(VN_TZ).strftime("%Y%m%d%H%M%S"),
              "vnp_ResponseCode": "00" if paid else "24",
              "vnp_TransactionNo": number, "vnp_TransactionStatus": "00" if paid else "02", "vnp_TxnRef": order_ref,
              "vnp_SecureHashType": "HmacSHA512"}
    params["vnp_SecureHash"] = VnPay.sign(params, secret or app.extensions["tthc"]["settings"].payment_secret)
    return params


def fee_with_the_filing(app, api) -> None:
    """The sample as its next version with its fee asked with the filing (at_filing, D26), through a gateway: a
    dossier is in status 6 from its filing until the fee is paid."""
    from conftest import SAMPLE

    configure(app)
    text = SAMPLE.read_text(encoding="utf-8")
    assert ";at_intake;" in text
    r = api.post("/api/v1/procedures", "demo.admin", content_type="multipart/form-data",
                 data={"bpmn": (io.BytesIO(text.replace(";at_intake;", ";at_filing;").encode()), SAMPLE.name)})
    assert r.status_code == 201, r.get_json()
