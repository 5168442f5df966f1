"""The demo's trust services on 127.0.0.1: remote signing (CSC API, engine.web.cscservice), an RFC 3161
timestamp authority and the agency CA's revocation list, all over the demo PKI's keys.

A province configures its providers' URLs instead (``tsa_url``, ``crl_url``, a CSC service per signer); the
demo and the tests start these with ``start`` so that the same client code runs against real HTTP.

- ``POST /tsa``: a timestamp request (``application/timestamp-query``) answered with a token signed by the demo
  TSA key (engine.paperwork.pki), at the service's clock;
- ``GET /crl/agency.crl``, ``/crl/root.crl``: the agency CA's and the root's CRL (DER), published anew at each
  fetch.
"""
from __future__ import annotations

import threading
from datetime import datetime, timezone

from flask import Flask, Response, abort, request
from werkzeug.serving import make_server

from .cscservice import csc_blueprint


def create_services_app(pki, now, clock=None) -> Flask:
    """The services over ``pki`` (its TSA key made on the first request); ``clock`` gives their time."""
    clock = clock or (lambda: datetime.now(timezone.utc))
    app, tsa_lock = Flask(__name__), threading.Lock()
    app.register_blueprint(csc_blueprint(pki, clock))

    @app.post("/tsa")
    def timestamp():
        with tsa_lock:  # made once, on first use: the PKI may be made after the services start (its CRLs name them)
            pki.issue_tsa(now)
        reply = pki.timestamp_reply(request.get_data(), clock())
        return Response(reply, mimetype="application/timestamp-reply")

    @app.get("/crl/<issuer>.crl")
    def crl(issuer):
        if issuer not in ("agency", "root"):
            abort(404)
        data = pki.publish_crl(clock(), issuer=issuer)  # one signature: a fresh list at each fetch
        return Response(data, mimetype="application/pkix-crl")

    return app


class RunningServices:
    """The services running on a thread; ``url`` is their base (``url + "/tsa"``, a CSC base ``url``)."""

    def __init__(self, app: Flask, host: str, port: int):
        self.server = make_server(host, port, app, threaded=True)
        self.url = f"http://{host}:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="tthc-trust-services", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)


def start(pki, now, host: str = "127.0.0.1", port: int = 0, clock=None) -> RunningServices:
    """Start the services on ``host``:``port`` (0: a free port) in this process."""
    return RunningServices(create_services_app(pki, now, clock), host, port)
