"""The front page, and the HTML error page the app's error handlers use outside the JSON API."""
from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import func, select
from sqlalchemy.orm import defer

from engine.core import vocabulary
from engine.data.agency_model import Agency
from engine.data.model import Procedure, ProcedureVersion
from engine.process import procedures
from . import db
from . import ui
from .portal import office_levels  # D27, D29: the level at the offices offering it, as the catalogue says it

bp = Blueprint("pages", __name__)
ui.install_error_pages(bp)


HOME_PROCEDURES = 20  # the front page shows the first ones; the catalogue (/thu-tuc) has them all


@bp.get("/")
def home():
    versions = db().scalars(select(ProcedureVersion)
                            .join(Procedure, Procedure.latest_version_id == ProcedureVersion.id)
                            .where(procedures.FILED_DIRECTLY)  # D33: a liên thông's callee part is not offered
                            .options(defer(ProcedureVersion.forms)).order_by(Procedure.code).limit(HOME_PROCEDURES))
    total = db().scalar(select(func.count()).select_from(Procedure)
                        .join(ProcedureVersion, Procedure.latest_version_id == ProcedureVersion.id)
                        .where(procedures.FILED_DIRECTLY))
    versions = list(versions)
    return render_template("home.html", versions=versions, total=total, agencies=_agencies(),
                           levels=vocabulary.AGENCY_LEVELS, offices=office_levels(versions))


def _agencies() -> list[tuple[int, Agency]]:
    """The active agencies of the province as a tree (depth, agency): each under its parent, siblings by name."""
    found = list(db().scalars(select(Agency).where(Agency.active.is_(True))))
    names = {a.id: a.name for a in found}

    def key(agency: Agency) -> list[str]:
        return [names.get(int(part), "") for part in agency.path.strip("/").split("/") if part.isdigit()]

    return [(max(len(key(a)) - 1, 0), a) for a in sorted(found, key=key)]


def error_page(status: int) -> str:
    """The body of the error page for ``status`` (the caller sets the status)."""
    return ui.error_page(status)[0]
