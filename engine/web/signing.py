"""The signer's face (D35): "Chờ ký số" in the inbox, and the page where the signer previews the document and
signs it with their own key (the PIN, asked each time, is never stored nor logged). The work is
engine.cases.signing_requests.sign, as POST /api/v1/signing-requests/{id}/sign does."""
from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.cases import signing_requests
from engine.core.errors import EngineError
from engine.core.vocabulary import vn_date_words
from engine.paperwork import drafting, signers

from . import db, now, tthc, unit_of_work
from .ui import context, install_error_pages, login_required, refusal_text

bp = Blueprint("signing", __name__, url_prefix="/can-bo/ky-so")
install_error_pages(bp)


def waiting() -> list:
    """The signer's requests, for the inbox's "Chờ ký số" list."""
    return signing_requests.pending_for(db(), g.user)


PIN_REFUSALS = ("wrong_pin", "pin_required", "pin_locked", "bad_key")  # said next to the PIN field as well


def _page(request_id: int, status: int = 200, message: str | None = None, errors: dict | None = None):
    """The request and the day its document will carry if signed now (D34: the day it is signed, in Vietnam
    time): the preview is the draft as rendered, so a draft of another day is said to be dated again.
    ``errors``: a refusal's text by field (the PIN's, next to it)."""
    req = signing_requests.visible(db(), g.user, request_id)
    drafted, today = drafting.dated_at(req), now()
    dates = {"drafted": vn_date_words(drafted), "signed": vn_date_words(today),
             "redated": not drafting.same_day(drafted, today)}
    return render_template("inbox/sign.html", req=req, dossier=req.dossier, message=message, dates=dates,
                           errors=errors or {}), status


def _refused(request_id: int, exc: EngineError):
    """The page again with the refusal: in the summary, and next to the PIN when the PIN is what was wrong."""
    db().rollback()
    message = refusal_text(exc)
    return _page(request_id, exc.status, message, {"pin": message} if exc.code in PIN_REFUSALS else None)


def _signed_by_me(request_id: int) -> bool:
    db().rollback()
    req = signing_requests.visible(db(), g.user, request_id)
    return req.state == "signed" and req.signer_id == g.user.id


@bp.get("/<int:request_id>")
@login_required("officer")
def page(request_id: int):
    return _page(request_id)


@bp.post("/<int:request_id>")
@login_required("officer")
def sign(request_id: int):
    pin = request.form.get("pin") or None
    try:
        done = signing_requests.sign(unit_of_work, tthc()["settings"], context(), request_id, pin)
    except (signers.SigningFailed, signing_requests.TooManyPinAttempts) as exc:
        return _refused(request_id, exc)
    except EngineError as exc:
        if exc.status == 404:
            raise
        if exc.code == "signing_request_closed" and _signed_by_me(request_id):  # a second post (a double click, a
            # resend): the first one signed it, which is what was asked, not a refusal
            flash(_("Văn bản này đã được ký số; không ký lại."), "info")
            return redirect(url_for("inbox.inbox"))
        return _refused(request_id, exc)
    if done.status == 202:
        flash(_("Chờ xác nhận trên thiết bị ký số."), "info")
        return redirect(url_for("signing.page", request_id=request_id))
    flash(_("Đã ký số văn bản của hồ sơ %(code)s.", code=done.request["dossier"]), "success")
    return redirect(url_for("inbox.inbox"))
