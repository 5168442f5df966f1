"""A remote signing service speaking the Cloud Signature Consortium API v1, for tests and the demo.

A licensed remote signing provider keeps each signer's key in its HSM and signs a hash only after the signer
confirmed on their phone. This service does the same with the demo PKI's keys (credential id = the key file's
name: ``demo.thutruong`` is ``remote/demo.thutruong.p12``, Pki.remote_key), and its page "Xác nhận ký số"
stands for the phone's app. It binds to 127.0.0.1 only (started by ``engine.web.trustservices``).

Protocol (the engine's client is engine.paperwork.remote):

1. ``POST /csc/v1/credentials/authorize`` ``{"credentialID", "numSignatures": 1, "description", "clientData"}``
   where ``clientData`` is a reference chosen by the client (a random id). The first call with a reference
   records an authorization awaiting the signer and answers ``400 {"error": "authorization_pending",
   "error_description"}`` (the code of OAuth's device flow, RFC 8628 3.5).
2. The signer opens ``/csc/xac-nhan`` (or ``/csc/xac-nhan/<reference>``), sees who signs what, and answers
   Đồng ý or Từ chối.
3. The client calls authorize again with the same reference: still awaited → ``authorization_pending``;
   refused → ``400 {"error": "access_denied"}``; expired (``PENDING_MINUTES``) → ``400 {"error":
   "expired_token"}``; agreed → ``200 {"SAD", "expiresIn"}`` (the same SAD until it is used).
4. ``POST /csc/v1/signatures/signHash`` with that SAD signs the hash once (SCAL 1: the SAD authorizes one
   signature by this credential; what is signed was shown to the signer as the description).

``info``, ``credentials/list`` and ``credentials/info`` answer as the specification says (v1.0.4). The same
endpoints answer under ``/csc/v2/`` for clients configured with that version (pyHanko's client sends the same
requests to either).
"""
from __future__ import annotations

import base64
import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils
from flask import Blueprint, abort, jsonify, redirect, render_template_string, request, url_for

PENDING_MINUTES = 10  # an authorization not answered within this time expires
SAD_MINUTES = 5
ECDSA_SHA256 = "1.2.840.10045.4.3.2"
_DIGESTS = {"2.16.840.1.101.3.4.2.1": hashes.SHA256(), "2.16.840.1.101.3.4.2.2": hashes.SHA384(),
            "2.16.840.1.101.3.4.2.3": hashes.SHA512()}


@dataclass
class Authorization:
    reference: str
    credential: str
    holder: str
    description: str
    asked_at: datetime
    answer: str | None = None  # agreed / refused
    sad: str | None = None
    used: bool = False
    seen: list = field(default_factory=list)


class Authorizations:
    """The pending and answered authorizations (in memory: a restarted service forgets them, and the client
    then asks the signer again)."""

    def __init__(self, clock):
        self.clock, self.items, self.lock = clock, {}, threading.Lock()

    def pending(self) -> list[Authorization]:
        with self.lock:
            return [a for a in self.items.values() if a.answer is None and not self.expired(a)]

    def expired(self, item: Authorization) -> bool:
        return self.clock() - item.asked_at > timedelta(minutes=PENDING_MINUTES)


def _error(code: str, description: str, status: int = 400):
    return jsonify({"error": code, "error_description": description}), status


def csc_blueprint(pki, clock=lambda: datetime.now(timezone.utc)) -> Blueprint:
    """The CSC API and the confirmation pages over the keys of ``pki`` (an engine.paperwork.pki.Pki)."""
    bp = Blueprint("csc", __name__, url_prefix="/csc")
    book = Authorizations(clock)

    def credential(cid):
        path = pki.remote_key(cid) if isinstance(cid, str) and cid and "/" not in cid else None
        if path is None or not path.is_file():
            return None
        return pki.load(path)

    def body() -> dict:
        data = request.get_json(silent=True)
        return data if isinstance(data, dict) else {}

    @bp.post("/<any(v1, v2):version>/info")
    def info(version):  # noqa: ARG001 - v2 paths answer as v1 (what pyHanko's client sends)
        return jsonify({"specs": "1.0.4.0", "name": "TTHC demo remote signing", "logo": "", "region": "VN",
                        "lang": "vi", "description": "Dịch vụ ký số từ xa (demo)", "authType": ["external"],
                        "methods": ["credentials/list", "credentials/info", "credentials/authorize",
                                    "signatures/signHash"]})

    @bp.post("/<any(v1, v2):version>/credentials/list")
    def credentials_list(version):  # noqa: ARG001 - v2 paths answer as v1 (what pyHanko's client sends)
        folder = pki.remote_key("x").parent
        ids = sorted(p.stem for p in folder.glob("*.p12")) if folder.is_dir() else []
        return jsonify({"credentialIDs": ids})

    @bp.post("/<any(v1, v2):version>/credentials/info")
    def credentials_info(version):  # noqa: ARG001 - v2 paths answer as v1 (what pyHanko's client sends)
        found = credential(body().get("credentialID"))
        if found is None:
            return _error("invalid_request", "Invalid parameter credentialID")
        _key, cert, chain = found
        der = [base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode() for c in (cert, *chain)]
        return jsonify({"key": {"status": "enabled", "algo": [ECDSA_SHA256], "len": 256},
                        "cert": {"status": "valid", "certificates": der},
                        "authMode": "oauth2code", "SCAL": "1", "multisign": 1})

    @bp.post("/<any(v1, v2):version>/credentials/authorize")
    def authorize(version):  # noqa: ARG001 - v2 paths answer as v1 (what pyHanko's client sends)
        data = body()
        cid, reference = data.get("credentialID"), data.get("clientData")
        found = credential(cid)
        if found is None:
            return _error("invalid_request", "Invalid parameter credentialID")
        if not isinstance(reference, str) or not 8 <= len(reference) <= 100:
            return _error("invalid_request", "clientData must carry the client's reference (8-100 characters)")
        with book.lock:
            item = book.items.get(reference)
            if item is None or item.credential != cid:
                holder = found[1].subject.rfc4514_string()
                item = book.items[reference] = Authorization(reference, cid, holder,
                                                             str(data.get("description") or "")[:500], clock())
        if item.answer == "refused":
            return _error("access_denied", "Người ký đã từ chối")
        if item.answer is None and book.expired(item):
            return _error("expired_token", "Yêu cầu xác nhận đã hết hạn")
        if item.answer is None:
            return _error("authorization_pending", "Đang chờ người ký xác nhận trên thiết bị của mình")
        if item.used:
            return _error("invalid_request", "Xác nhận này đã được dùng để ký")
        return jsonify({"SAD": item.sad, "expiresIn": SAD_MINUTES * 60})

    @bp.post("/<any(v1, v2):version>/signatures/signHash")
    def sign_hash(version):  # noqa: ARG001 - v2 paths answer as v1 (what pyHanko's client sends)
        data = body()
        with book.lock:
            item = next((a for a in book.items.values() if a.sad and a.sad == data.get("SAD")), None)
            if item is None or item.used or item.credential != data.get("credentialID"):
                return _error("invalid_request", "Invalid SAD")
            if clock() - item.asked_at > timedelta(minutes=PENDING_MINUTES + SAD_MINUTES):
                return _error("invalid_request", "SAD expired")
            hashes_b64 = data.get("hash")
            digest = _DIGESTS.get(data.get("hashAlgo"))
            if not isinstance(hashes_b64, list) or len(hashes_b64) != 1 or digest is None \
                    or data.get("signAlgo") != ECDSA_SHA256:
                return _error("invalid_request", "One hash, SHA-2 and ECDSA are supported")
            item.used = True
        key = credential(item.credential)[0]
        try:
            value = base64.b64decode(hashes_b64[0], validate=True)
            signature = key.sign(value, ec.ECDSA(utils.Prehashed(digest)))
        except (ValueError, TypeError):
            return _error("invalid_request", "Invalid parameter hash")
        return jsonify({"signatures": [base64.b64encode(signature).decode()]})

    @bp.get("/xac-nhan")
    def confirmations():
        return render_template_string(PAGE, items=book.pending(), one=None)

    @bp.route("/xac-nhan/<reference>", methods=["GET", "POST"])
    def confirmation(reference):
        with book.lock:
            item = book.items.get(reference)
            if item is None:
                abort(404)
            if request.method == "POST" and item.answer is None and not book.expired(item):
                agreed = request.form.get("answer") == "dong-y"
                item.answer = "agreed" if agreed else "refused"
                item.sad = secrets.token_urlsafe(24) if agreed else None
        if request.method == "POST":
            return redirect(url_for("csc.confirmation", reference=reference))
        return render_template_string(PAGE, items=[item], one=item)

    return bp


PAGE = """<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>Xác nhận ký số</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: sans-serif; max-width: 32rem; margin: 1rem auto">
<h1>Xác nhận ký số</h1>
{% if not items %}<p>Không có yêu cầu ký nào đang chờ xác nhận.</p>{% endif %}
{% for item in items %}
<section class="yeu-cau" data-reference="{{ item.reference }}" style="border: 1px solid #999; padding: .5rem">
  <p>Người ký: <strong>{{ item.holder }}</strong></p>
  <p>Nội dung: {{ item.description or "(không có mô tả)" }}</p>
  {% if item.answer == "agreed" %}<p class="ket-qua">Đã đồng ý ký.</p>
  {% elif item.answer == "refused" %}<p class="ket-qua">Đã từ chối.</p>
  {% else %}
  <form method="post" action="{{ url_for('csc.confirmation', reference=item.reference) }}">
    <button name="answer" value="dong-y">Đồng ý</button>
    <button name="answer" value="tu-choi">Từ chối</button>
  </form>
  {% endif %}
</section>
{% endfor %}
</body></html>
"""
