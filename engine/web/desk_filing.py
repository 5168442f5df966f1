"""The receiving officer's filing page (D5, api.md "Dossiers": an officer filing for a citizen): a paper dossier
handed in at the one-stop desk or come by post, registered for its owner. Until this page the officer had only
POST /api/v1/dossiers for it; the page calls the same use case (engine.cases.filing.file_dossier with the
officer's context, "owner" and "channel"), so that the rules are the API's: the officer files at their own agency
(D29, engine.cases.offers.receiving), the owner is checked as the API checks it (D3, D4).
"""
from __future__ import annotations

import re
import secrets

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.cases import duplicates, filing, idempotency, offers
from engine.core.errors import Conflict, Forbidden, Invalid
from engine.process import procedures
from . import db, now, schemaform, uploads
from .portal import OWNER_FIELDS, _labels, _return_back
from .ui import context, install_error_pages, login_required, refusal_text, run

bp = Blueprint("desk_filing", __name__, url_prefix="/can-bo/ho-so/nop")
install_error_pages(bp)

TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{16,64}\Z")  # secrets.token_urlsafe(24) and the like
LISTED = 200  # procedures a page lists (a ward offers a few hundred)


def channel_names() -> dict[str, str]:
    """The channel as the officer reads it (D5), in the order of the page's select: the paper first."""
    return {"desk": _("Trực tiếp tại Bộ phận Một cửa"), "post": _("Qua bưu chính"),
            "online": _("Trực tuyến thay cho công dân")}


@bp.get("")
@login_required("receiving_officer")
def procedures_page():
    """The procedures the officer's agency receives (its active offers, D29), each linking to its form; the
    callee part of a liên thông is opened by a hand-over only (D33) and is not listed. None without an agency."""
    after = request.args.get("sau", "").strip()[:64] or None
    agency = g.user.agency if g.user.agency_id is not None and g.user.agency.active else None
    found = offers.offered_by(db(), agency, limit=LISTED + 1, after=after) if agency is not None else []
    more = found[LISTED - 1].info["code"] if len(found) > LISTED else None
    listed = [v for v in found[:LISTED] if not procedures.handover_only(v)]
    return render_template("inbox/desk_procedures.html", versions=listed, agency=agency, after=after, more=more)


@bp.route("/<code>", methods=["GET", "POST"])
@login_required("receiving_officer")
def file(code: str):
    """The procedure's filing form as the citizen's page shows it, with the owner and the channel. Submit-once:
    the page's one-time token with what was typed is claimed like an API Idempotency-Key, so that a double click
    files once and leads to the same dossier, while another owner typed on the same page (the browser's back)
    is another filing. The page fetched again (the browser's back from the dossier) has a new token: the same owner
    and form filed a few minutes ago is asked about first, as on the citizen's page (engine.cases.duplicates)."""
    suspended = None
    try:
        version = procedures.filing_version(db(), code)
    except Conflict as exc:  # suspended: the page is an error page, and a post of it is the page again, kept
        if request.method != "POST":
            raise
        version, suspended = procedures.latest_version(db(), code), exc
    filing.refuse_handover_only(db(), version)  # D33: filed by another agency's hand-over only (an error page)
    schema = version.forms[version.info["filing_form"]]
    back = _return_back("desk" if filing.result_at_desk(version) else "")  # D23: the desk alone, or as filed
    if request.method != "POST":  # GET, and HEAD
        return _page(version, {}, {}, {"channel": "desk"}, back)
    data = schemaform.parse(schema, request.form)
    typed = {f"owner.{k}": request.form.get(f"owner.{k}", "").strip() for k in OWNER_FIELDS}  # refused, never cut
    typed["channel"] = request.form.get("channel", "").strip()[:20]
    payload = {"procedure": code, "form": data, "channel": typed["channel"] or None,
               "owner": {k: typed[f"owner.{k}"] for k in OWNER_FIELDS}, **_return_payload(back, typed["channel"])}
    token = request.form.get("submit_token", "")
    if not TOKEN_RE.match(token):  # a page of before the token, or an edited one: this post's own
        token = secrets.token_urlsafe(24)
    if suspended is not None:  # suspended since the page was shown: nothing filed, what was typed kept
        return _page(version, data, {}, typed, back, 409, refusal_text(suspended), token)
    answer = f"desk-file:{token}.{idempotency.fingerprint(code, typed, data, back)[:16]}"
    chosen, kept = uploads.posted(version.info["components"]), uploads.kept()  # now, and held from a refusal

    def file_with_uploads() -> str:
        claimed = idempotency.claim(db(), g.user, answer, idempotency.fingerprint(request.path), now())
        if claimed.replay is not None:
            return claimed.replay[1]["dossier"]
        if request.form.get("confirm_duplicate") != "1":  # not yet asked: the same as a filing just made?
            duplicates.refuse_repeat(db(), g.user, version.procedure_id, data, typed["owner.cccd"], now())
            duplicates.refuse_open_for_owner(db(), g.user, version.procedure_id, typed["owner.cccd"])
        dossier = filing.file_dossier(db(), context(), payload)
        uploads.attach_chosen(dossier.code, chosen, kept)
        idempotency.remember(db(), claimed, 303, {"dossier": dossier.code})
        return dossier.code

    try:
        filed = run(file_with_uploads)
    except Invalid as exc:
        return _page(version, data, exc.fields, typed, back, 422, refusal_text(exc), token,
                     held=uploads.hold_refused(chosen, kept, exc.fields))
    except Forbidden as exc:  # D29: another agency's procedure; the page again, with what was typed
        return _page(version, data, {}, typed, back, 403, refusal_text(exc), token)
    except duplicates.Repeated as exc:  # asked first; confirm_duplicate=1 on the page files anyway
        errors: dict[str, str] = {}  # a broken file's, said with the question (hold_refused)
        return _page(version, data, errors, typed, back, 409, None, token, exc,
                     held=uploads.hold_refused(chosen, kept, errors))
    flash(_("Đã ghi nhận hồ sơ %(code)s nộp thay cho công dân.", code=filed), "success")
    return redirect(url_for("inbox.dossier", code=filed), 303)


def _return_payload(back: dict, channel: str) -> dict:
    """D23: the use case's fields. None chosen is "as filed" (engine.cases.filing._return_choice): a post dossier
    then goes back by post, to the address typed or else the form's; an address goes only with the post."""
    by_post = back["channel"] == "post" or (not back["channel"] and channel == "post")
    return {"return_channel": back["channel"] or None, "return_address": back["address"] if by_post else None}


def _page(version, data: dict, errors: dict, typed: dict, back: dict, status: int = 200, error=None,
          token: str | None = None, repeated: duplicates.Repeated | None = None, held=()):
    """The form; ``typed``: the owner's fields and the channel as typed (by their posted names); ``back``: the
    return choice (D23); ``token``: the page's one-time token, kept when the post was refused (nothing was filed
    under it); ``repeated``: the dossier this filing would repeat, asked about (409)."""
    schema = version.forms[version.info["filing_form"]]
    offering = [a for _o, a in offers.active_offers(db(), version.procedure_id) if a.active]
    labels = {**_labels(version), "channel": _("Kênh nộp hồ sơ")}
    return render_template("inbox/desk_filing.html", v=version, info=version.info, labels=labels, typed=typed,
                           form_fields=schemaform.build(schema, data, errors), errors=errors, error=error,
                           channels=channel_names(), here=any(a.id == g.user.agency_id for a in offering),
                           back=back, desk_only=filing.result_at_desk(version), repeated=repeated,
                           submit_token=token or secrets.token_urlsafe(24), held=held), status
