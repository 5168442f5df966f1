"""JSON API v1: the periodic report form an agency sends upward (XLSX or PDF), with the statistics API's
request and rules (engine/web/reports.py: the period required, one's own agency, the province's
administrator any agency or all of them)."""
from __future__ import annotations

from flask import Blueprint, request

from engine.data.model import Agency
from engine.reports.reportform import PROVINCE

from . import db
from .apiedge import authenticated
from .reports import asked_scope
from .statistics_pages import report_form_file

bp = Blueprint("report_forms", __name__, url_prefix="/api/v1/reports")


@bp.get("/form")
@authenticated
def report_form():
    scope = asked_scope()
    agencies = sorted(scope.agencies or ())
    reporter = db().get(Agency, agencies[0]).name if len(agencies) == 1 else PROVINCE
    return report_form_file(scope, reporter, request.args.get("format", "xlsx"))
