"""Withdrawing a re-issue (cấp lại, đính chính) still waiting for its signature (engine.cases.reissue.withdraw):
``POST /api/v1/dossiers/{code}/results/reissue/withdraw`` beside the re-issue of engine/web/api.py, and the
button of the officer's dossier page beside its re-issue form (engine/web/inbox.py). Apart from those two
modules, which are full: a correction asked by mistake must not be final, nor its number stay allocated."""
from __future__ import annotations

from flask import Blueprint, flash, g, jsonify, redirect, request, url_for
from flask_babel import gettext as _

from engine.cases import reissue
from engine.core.errors import Invalid
from . import db, run, transactional
from .apiedge import authenticated, body, context as api_context, show
from .ui import context, install_error_pages, login_required, refusal_text

api_bp = Blueprint("reissue_api", __name__, url_prefix="/api/v1")
bp = Blueprint("reissue_pages", __name__, url_prefix="/can-bo")
install_error_pages(bp)


@api_bp.post("/dossiers/<code>/results/reissue/withdraw")
@authenticated
@transactional
def withdraw_reissue(code: str):
    """The clerk withdraws, or the head who must sign refuses, the re-issue awaiting its signature."""
    return jsonify(show(reissue.withdraw(db(), api_context(), code, body())))


@bp.post("/ho-so/<code>/cap-lai/thu-hoi")
@login_required("clerk", "head_of_agency")
def withdraw(code: str):
    """The page's button: the same withdrawal, the dossier page again with the refusal if the reason is missing."""
    from .inbox import _dossier_page

    reason = request.form.get("reason", "").strip()
    try:
        run(reissue.withdraw, db(), context(), code, {"reason": reason})
    except Invalid as exc:
        return _dossier_page(code, 422, withdraw_error=refusal_text(exc), withdraw_errors=exc.fields,
                             withdraw_reason=reason)
    flash(_("Đã thu hồi yêu cầu cấp lại (đính chính) kết quả của hồ sơ %(code)s; số văn bản đã cấp được thu hồi.",
            code=code), "success")
    return redirect(url_for("inbox.dossier", code=code))


@bp.app_template_global()
def pending_reissue(dossier):
    """The dossier's re-issue awaiting its signature when the signed-in officer may withdraw it, else None (the
    dossier page shows it with the withdrawal button instead of a second re-issue form)."""
    if g.get("user") is None or not g.user.is_officer:
        return None
    req = reissue.pending(db(), dossier)
    return req if req is not None and reissue.may_withdraw(g.user, req) else None


def register(app) -> None:
    app.register_blueprint(api_bp)
    app.register_blueprint(bp)
