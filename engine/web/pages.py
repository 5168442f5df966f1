"""The front page, and the HTML error page the app's error handlers use outside the JSON API."""
from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import select

from engine.data.model import Procedure, ProcedureVersion
from . import db
from . import ui

bp = Blueprint("pages", __name__)
ui.install_error_pages(bp)


@bp.get("/")
def home():
    versions = db().scalars(select(ProcedureVersion)
                            .join(Procedure, Procedure.latest_version_id == ProcedureVersion.id)
                            .order_by(Procedure.code))
    return render_template("home.html", versions=list(versions))


def error_page(status: int) -> str:
    """The body of the error page for ``status`` (the caller sets the status)."""
    return ui.error_page(status)[0]
