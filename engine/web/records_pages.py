"""The officers' pages of the one-stop's official records (D30, D31): the processing-control slip of a
dossier (PDF) and the dossier register of the officer's agency (PDF or XLSX, from a form of its period).

The rules are the API's (engine/web/records.py): the slip for officers of the dossier's receiving or
processing agency only (anyone else: 404), the register for officers of an agency, over a period from <= to
of at most MAX_PERIOD_DAYS days; a wrong period shows the form again with its message (422)."""
from __future__ import annotations

from flask import Blueprint, g, render_template, request
from flask_babel import gettext as _

from engine.core.errors import Invalid

from . import records
from .ui import install_error_pages, login_required, refusal_text

bp = Blueprint("records_pages", __name__, url_prefix="/can-bo")
install_error_pages(bp)


@bp.app_template_global()
def control_slip_allowed(dossier) -> bool:
    """Whether the signed-in person may download ``dossier``'s control slip (the dossier pages' link)."""
    return records.may_see_slip(g.get("user"), dossier)


@bp.get("/ho-so/<code>/phieu-kiem-soat")
@login_required("officer")
def control_slip(code: str):
    return records.control_slip_file(records.slip_dossier(g.user, code))


def _values(args) -> dict:
    today = records.today()
    values = {"from": today.replace(day=1).isoformat(), "to": today.isoformat(), "format": "pdf"}
    values.update({k: args[k] for k in values if k in args})
    return values


@bp.get("/so-theo-doi")
@login_required("officer")
def register():
    """The form (GET); with ``tai=1`` the register itself, as a download."""
    agency_id = records.register_agency(g.user)
    values = _values(request.args)
    page = {"values": values, "errors": {}, "message": None, "max_days": records.MAX_PERIOD_DAYS,
            "labels": {"from": _("Từ ngày"), "to": _("Đến ngày"), "format": _("Định dạng")}}
    try:
        start, end = records.register_period(request.args)
        kind = records.register_kind(request.args)
        if request.args.get("tai") == "1":
            return records.register_file(agency_id, start, end, kind)
    except Invalid as exc:  # the period, the format, or a PDF too long (said on the form, beside its fields)
        page.update(errors=exc.fields, message=refusal_text(exc))
        return render_template("inbox/register.html", **page), 422
    return render_template("inbox/register.html", **page)
