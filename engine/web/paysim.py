"""A payment gateway simulator for the demo and the tests: a small Flask app on 127.0.0.1 speaking VNPay's
signed protocol (engine.cases.gateways.VnPay). It shows the order, lets the user pay or cancel, sends the
signed IPN to the engine, then sends the browser back to the return URL; it keeps its transactions and lists
them as VNPay's daily transaction file (CSV) for reconciliation.

A development tool: never a way to pay, its secret is the engine's own ``payment_hash_secret``.
"""
from __future__ import annotations

import csv
import io
import itertools
import json
import threading
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode

from flask import Flask, Response, abort, redirect, render_template_string, request
from werkzeug.serving import make_server

from engine.cases.gateways import VnPay
from engine.core.clock import VN_TZ

PAGE = """<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Cổng thanh toán (mô phỏng)</title></head>
<body><main><h1>Cổng thanh toán (mô phỏng VNPay)</h1>
<p>Đơn hàng: <strong id="order">{{ p.vnp_TxnRef }}</strong></p><p>{{ p.vnp_OrderInfo }}</p>
<p>Số tiền: <strong id="amount">{{ "{:,}".format(amount).replace(",", ".") }} đ</strong></p>
<form method="post" action="/paymentv2/confirm">
{% for k, v in p.items() %}<input type="hidden" name="{{ k }}" value="{{ v }}">{% endfor %}
<button type="submit" name="choice" value="pay" id="pay">Thanh toán</button>
<button type="submit" name="choice" value="cancel" id="cancel">Hủy</button></form></main></body></html>"""


@dataclass
class Simulator:
    secret: str
    ipn_url: str
    merchant: str = "TTHCDEMO"
    transactions: list[dict] = field(default_factory=list)
    ipn_answers: list[dict] = field(default_factory=list)
    _numbers: itertools.count = field(default_factory=lambda: itertools.count(14000001))

    def result(self, order: dict, paid: bool, at: datetime) -> dict:
        """The signed parameters VNPay sends back (IPN and return) for ``order``."""
        number = str(next(self._numbers))
        params = {"vnp_TmnCode": order.get("vnp_TmnCode", self.merchant), "vnp_Amount": order["vnp_Amount"],
                  "vnp_BankCode": "NCB", "vnp_BankTranNo": f"VNP{number}", "vnp_CardType": "ATM",
                  "vnp_OrderInfo": order.get("vnp_OrderInfo", ""), "vnp_PayDate": at.strftime("%Y%m%d%H%M%S"),
                  "vnp_ResponseCode": "00" if paid else "24", "vnp_TransactionNo": number,
                  "vnp_TransactionStatus": "00" if paid else "02", "vnp_TxnRef": order["vnp_TxnRef"],
                  "vnp_SecureHashType": "HmacSHA512"}
        params["vnp_SecureHash"] = VnPay.sign(params, self.secret)
        return params

    def notify(self, params: dict) -> dict:
        """Send the IPN (GET, as VNPay does) and keep the engine's answer."""
        with urllib.request.urlopen(f"{self.ipn_url}?{urlencode(params)}", timeout=10) as answer:
            data = json.loads(answer.read().decode())
        self.ipn_answers.append(data)
        return data

    def csv_of(self, day: str) -> str:
        """VNPay's transaction list of one day: one row per transaction."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["vnp_TxnRef", "vnp_TransactionNo", "vnp_Amount", "vnp_PayDate", "vnp_TransactionStatus"])
        for t in self.transactions:
            if t["vnp_PayDate"].startswith(day.replace("-", "")):
                writer.writerow([t[k] for k in ("vnp_TxnRef", "vnp_TransactionNo", "vnp_Amount", "vnp_PayDate",
                                                "vnp_TransactionStatus")])
        return out.getvalue()


def create_app(sim: Simulator) -> Flask:
    app = Flask(__name__)

    @app.get("/paymentv2/vpcpay.html")
    def order():
        params = request.args.to_dict()
        if not VnPay.signed(params, sim.secret) or not params.get("vnp_Amount", "").isdigit():
            abort(400, "chữ ký không hợp lệ")
        return render_template_string(PAGE, p=params, amount=int(params["vnp_Amount"]) // 100)

    @app.post("/paymentv2/confirm")
    def confirm():
        params = {k: v for k, v in request.form.items() if k != "choice"}
        if not VnPay.signed(params, sim.secret):
            abort(400, "chữ ký không hợp lệ")
        result = sim.result(params, request.form.get("choice") == "pay", datetime.now(VN_TZ))
        if result["vnp_ResponseCode"] == "00":
            sim.transactions.append(result)
        sim.notify(result)
        return redirect(f"{params['vnp_ReturnUrl']}?{urlencode(result)}", 303)

    @app.get("/transactions.csv")
    def transactions():
        return Response(sim.csv_of(request.args.get("date", "")), mimetype="text/csv")

    return app


class Running:
    """A simulator served in a thread on 127.0.0.1 (a free port unless one is given)."""

    def __init__(self, sim: Simulator, port: int = 0):
        self.sim = sim
        self.server = make_server("127.0.0.1", port, create_app(sim), threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.pay_url = f"{self.url}/paymentv2/vpcpay.html"
        self.thread = threading.Thread(target=self.server.serve_forever, name="paysim", daemon=True)

    def __enter__(self) -> "Running":
        self.thread.start()
        return self

    def start(self) -> "Running":
        return self.__enter__()

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.thread.join(5)
