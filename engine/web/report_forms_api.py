"""JSON API v1: the periodic report form an agency sends upward (XLSX or PDF), for leaders and administrators
(the same rules as the statistics: one's own agency, administrators any or the whole province)."""
from __future__ import annotations

from flask import Blueprint, g, request

from engine.core.clock import VN_TZ

from . import db, now, report_scope
from .api import authenticated
from .statistics_pages import report_form_file

bp = Blueprint("report_forms", __name__, url_prefix="/api/v1/reports")


@bp.get("/form")
@authenticated
def report_form():
    asked = report_scope.read(db(), g.user, request.args, now().astimezone(VN_TZ).date())
    return report_form_file(asked, request.args.get("format", "xlsx"))
