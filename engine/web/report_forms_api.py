"""JSON API v1: the periodic report form an agency sends upward (XLSX or PDF), with the statistics API's
request and rules (engine/web/reports.py: the period required, one's own agency, the province's
administrator any agency or all of them)."""
from __future__ import annotations

from flask import Blueprint, g, request

from engine.data import agencies
from engine.reports.reportform import province

from . import db, report_scope
from .apiedge import authenticated
from .reports import asked_scope
from .statistics_pages import report_form_file

bp = Blueprint("report_forms", __name__, url_prefix="/api/v1/reports")


@bp.get("/form")
@authenticated
def report_form():
    scope = asked_scope()
    # who reports: the agency named (alone or with its units), else the one the user reports for, else the province
    code = request.args.get("agency")
    reporter = (agencies.by_code(db(), code) if code else None) or report_scope.reach(db(), g.user)[0]
    reporter = reporter.name if reporter is not None else province(db())
    return report_form_file(scope, reporter, request.args.get("format", "xlsx"))
