"""Payments on the web (api.md "Payments", D26): the citizen starts an online payment, the gateway notifies
(IPN), the receiving officer records a desk payment, an exemption, or money owed back as given back; the portal's
pay button and return page, the officer's desk forms.

The IPN is the truth; the return page only shows the citizen the state the IPN left (it never marks paid).
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import Blueprint, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from engine.cases import gateways, payments
from engine.cases.dossiers import Context
from engine.core import vocabulary
from engine.core.errors import EngineError, NotFound
from . import BAD_TEXT, db, now, transactional, tthc
from .headers import PAGE_POLICY
from .api import level_of as api_level_of
from .apiedge import authenticated, body, context, idempotent
from .ui import install_error_pages, login_required, refusal_text, run

api_bp = Blueprint("payments_api", __name__, url_prefix="/api/v1")
bp = Blueprint("payments", __name__)
install_error_pages(bp)


def _system() -> Context:
    return Context(user=None, now=now(), settings=tthc()["settings"])


@bp.app_context_processor
def _words() -> dict:
    return {"PAYMENT_STATE_TEXT": {k: _l(v) for k, v in vocabulary.PAYMENT_STATES.items()},
            "PAYMENT_METHOD_TEXT": {k: _l(v) for k, v in vocabulary.PAYMENT_METHODS.items()},
            "me_roles": g.user.roles if getattr(g, "user", None) is not None else set()}


@bp.app_template_global()
def pay_online_target(code: str) -> str | None:
    """The gateway's page when the dossier's agency takes payments online. The page's form posts to the engine,
    which redirects to the gateway: the page's policy must allow that origin as a form target."""
    target = payments.online_target(db(), _visible(code))
    if target:
        parts = urlsplit(target)
        g.gateway_origin = f"{parts.scheme}://{parts.netloc}"
    return target


@bp.after_app_request
def _allow_gateway(response):
    origin = g.pop("gateway_origin", None)
    if origin and re.fullmatch(r"https?://[A-Za-z0-9.\-\[\]:]+", origin):
        policy = response.headers.get("Content-Security-Policy", PAGE_POLICY)
        response.headers["Content-Security-Policy"] = policy.replace("form-action 'self'",
                                                                     f"form-action 'self' {origin}")
    return response


@bp.app_template_global()
def open_payment_order(code: str):
    """When the citizen opened the order the gateway may still take (the pay button asks before another)."""
    return payments.open_order(db(), _visible(code), now())


@bp.app_template_global()
def level_of(version) -> tuple[str, list[str]]:
    """D27 as the agency can deliver it: the level and its reasons (engine.web.api.level_of)."""
    return api_level_of(version)


# -- JSON API -------------------------------------------------------------------------------------------------
@api_bp.post("/dossiers/<code>/payments")
@authenticated
@transactional
@idempotent
def start(code: str):
    if request.get_data(cache=True):  # api.md: no body; one sent is an object (its members are ignored): the
        body()                         # fee owed is the engine's to know
    row, url = payments.start_online(db(), context(), code,
                                     url_for("payments.returned", code=code, _external=True), request.remote_addr)
    return jsonify(id=row.id, redirect_url=url), 201


@api_bp.route("/payments/<gateway>/ipn", methods=["GET", "POST"])
@transactional
def ipn(gateway: str):
    if gateway not in gateways.GATEWAYS:
        raise NotFound("Không có cổng thanh toán này", code="gateway_not_found")
    params = request.args.to_dict() if request.method == "GET" else (
        _posted_json() if request.is_json else request.form.to_dict())
    if not isinstance(params, dict):
        params = {}
    # what a gateway sends is text: NUL, lone surrogates and nesting are nobody's signed parameters
    params = {str(k): str(v) for k, v in list(params.items())[:100]
              if isinstance(v, (str, int, float)) and not BAD_TEXT.search(str(k)) and not BAD_TEXT.search(str(v))}
    return jsonify(payments.receive_notice(db(), _system(), gateway, params, request.remote_addr))


def _posted_json():
    """The gateway's JSON body, or None when it is no JSON (nested deeper than the decoder goes included)."""
    try:
        return request.get_json(silent=True)
    except RecursionError:
        return None


@api_bp.post("/dossiers/<code>/payments/desk")
@authenticated
@transactional
def desk(code: str):
    row = payments.desk(db(), context(), code, body())
    return jsonify({**payments.describe(row), "receipt_url": f"/api/v1/documents/{row.receipt_document_id}"}), 201


@api_bp.post("/dossiers/<code>/payments/<int:payment_id>/exempt")
@authenticated
@transactional
def exempt(code: str, payment_id: int):
    return jsonify(payments.describe(payments.exempt(db(), context(), code, payment_id, body())))


@api_bp.post("/dossiers/<code>/payments/<int:payment_id>/refund-given")
@authenticated
@transactional
def refund_given(code: str, payment_id: int):
    return jsonify(payments.describe(payments.given(db(), context(), code, payment_id, body())))


# -- pages ----------------------------------------------------------------------------------------------------
@bp.post("/ca-nhan/ho-so/<code>/thanh-toan")
@login_required("citizen")
def pay(code: str):
    try:
        _row, url = run(payments.start_online, db(), context(), code,
                        url_for("payments.returned", code=code, _external=True), request.remote_addr,
                        request.form.get("again") == "1")  # an order still open: only when the citizen says so
    except NotFound:
        raise  # a dossier one may not see: the 404 page, not a redirect to it with the message lost
    except EngineError as exc:
        flash(str(refusal_text(exc)), "error")
        return redirect(url_for("portal.dossier", code=code))
    return redirect(url, 303)


@bp.get("/ca-nhan/ho-so/<code>/thanh-toan/ket-qua")
@login_required("citizen")
def returned(code: str):
    """Where the gateway sends the browser back: the state the IPN recorded, in words."""
    dossier = _visible(code)
    if not (request.args.get("vnp_TxnRef") or request.args.get("MaThamChieu")):  # a reload or a bookmark of it
        return redirect(url_for("portal.dossier", code=dossier.code) + "#payments")
    state = payments.return_state(db(), tthc()["settings"], dossier, request.args.to_dict())
    if state == "paid":
        flash(_("Đã nhận thanh toán. Biên lai điện tử có trong mục Phí, lệ phí."), "success")
    elif state == "refund":
        flash(_("Khoản phí này đã được nộp bằng cách khác hoặc không còn phải nộp; số tiền bạn vừa thanh toán qua "
                "cổng sẽ được hoàn trả."), "info")
    elif state == "settled":
        flash(_("Giao dịch này không trừ tiền. Khoản phí đã được nộp hoặc được miễn; bạn không cần thanh toán "
                "lại."), "info")
    elif state == "closed":
        flash(_("Giao dịch này không trừ tiền. Khoản phí không còn phải nộp."), "info")
    elif state == "pending":
        flash(_("Chưa nhận được xác nhận thanh toán từ cổng thanh toán. Vui lòng xem lại sau ít phút."), "info")
    else:
        flash(_("Thanh toán chưa thành công. Bạn có thể thanh toán lại."), "error")
    return redirect(url_for("portal.dossier", code=dossier.code) + "#payments")


def _visible(code: str):
    from engine.cases import dossiers

    return dossiers.visible_dossier(db(), g.user, code)


def _at_desk(code: str, done: str, work, *args) -> object:
    """A receiving officer's form on the dossier's fees: the use case ``work`` run, its refusal or ``done``
    flashed, back to the fees. Another agency's dossier: the 404 page, as on every other route of a dossier."""
    try:
        run(work, db(), context(), code, *args)
    except NotFound:
        raise
    except EngineError as exc:
        flash(str(refusal_text(exc)), "error")
    else:
        flash(done, "success")
    return redirect(url_for("inbox.dossier", code=code) + "#payments")


@bp.post("/can-bo/ho-so/<code>/thu-phi")
@login_required("receiving_officer")
def desk_page(code: str):
    raw = request.form.get("amount", "")  # the page's hidden field: the amount due, in ASCII digits (int() takes
    amount = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 15 else -1  # "１００000", "100000.0" and
    # 5,000 digits (past Python's 4,300 a ValueError) do not pass)
    return _at_desk(code, _("Đã ghi nhận thu phí và cấp biên lai điện tử."), payments.desk,
                    {"amount": amount, "method": request.form.get("method", "")})


@bp.post("/can-bo/ho-so/<code>/mien-phi/<int:payment_id>")
@login_required("receiving_officer")
def exempt_page(code: str, payment_id: int):
    return _at_desk(code, _("Đã ghi nhận miễn phí, lệ phí."), payments.exempt, payment_id,
                    {"reason": request.form.get("reason", "").strip()})


@bp.post("/can-bo/ho-so/<code>/hoan-tra/<int:payment_id>")
@login_required("receiving_officer")
def refund_given_page(code: str, payment_id: int):
    return _at_desk(code, _("Đã ghi nhận hoàn trả cho người nộp."), payments.given, payment_id,
                    {"note": request.form.get("note", "").strip()})


@bp.get("/can-bo/hoan-tra")
@login_required("receiving_officer")
def owed_page():
    """The refunds the officer's agency still owes, oldest first, a page at a time (``sau``: after that refund)."""
    raw = request.args.get("sau", "")
    after = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 12 else 0
    rows, next_after = payments.owed(db(), context(), after)
    return render_template("payments/owed.html", rows=rows, next_after=next_after)
