"""JSON API v1: official records of the one-stop (D30, D31) — the control slip of a dossier and the register.

The rules (who may see what, the period) are the functions below, which the officers' pages
(engine/web/records_pages.py) call too."""
from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, Response, g, request
from flask_babel import gettext as _

from engine.cases import dossiers, offers
from engine.paperwork import registers
from engine.core.clock import VN_TZ
from engine.core.errors import Forbidden, Invalid, NotFound
from engine.data.agency_model import Agency
from engine.process.forms import parse_day
from . import SANE_YEARS, db, now, tthc
from .apiedge import authenticated
from .headers import FILE_POLICY

bp = Blueprint("records", __name__, url_prefix="/api/v1")

MAX_PERIOD_DAYS = 366
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("pdf", "xlsx")


def _file(content: bytes, media_type: str, name: str) -> Response:
    return Response(content, content_type=media_type, headers={  # never inline: a download, not a page
        "Content-Disposition": f"attachment; filename=\"{name}\"", "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store", "Content-Security-Policy": FILE_POLICY})


# -- the rules, shared with the officers' pages (engine/web/records_pages.py) -------------------------------
def may_see_slip(user, dossier) -> bool:
    """Officers of the dossier's agencies only (receiving, and processing when another agency processes
    it)."""
    return bool(user is not None and user.is_officer
                and user.agency_id in (dossier.agency_id, dossier.processing_agency_id))


def slip_dossier(user, code: str):
    """The dossier whose control slip ``user`` asks for; anyone else than ``may_see_slip`` (the citizen too)
    gets 404, as for a hidden dossier."""
    dossier = dossiers.visible_dossier(db(), user, code)
    if not may_see_slip(user, dossier):
        raise NotFound(_("Không tìm thấy hồ sơ"), code="dossier_not_found")
    return dossier


def control_slip_file(dossier) -> Response:
    processing = db().get(Agency, offers.agency_for(dossier, "seal"))  # "Cơ quan (bộ phận) giải quyết hồ sơ"
    content = registers.control_slip(db(), tthc()["settings"], dossier, now(), processing)
    return _file(content, "application/pdf", f"phieu-kiem-soat-{dossier.code}.pdf")


def register_agency(user) -> int:
    """The agency whose register ``user`` may export: officers of an agency only."""
    if user is None or not user.is_officer or user.agency_id is None:
        raise Forbidden(_("Chỉ cán bộ của cơ quan được xem sổ theo dõi hồ sơ"))
    return user.agency_id


def _day(args, name: str, default: date) -> date:
    raw = args.get(name)
    if raw is None:
        return default
    day = parse_day(raw)  # exactly YYYY-MM-DD (an empty value is refused, not read as "absent")
    if day is not None and SANE_YEARS[0] <= day.year <= SANE_YEARS[1]:
        return day
    raise Invalid(_("Ngày không hợp lệ (YYYY-MM-DD)"), fields={name: _("Ngày không hợp lệ (YYYY-MM-DD)")})


def today() -> date:
    return now().astimezone(VN_TZ).date()


def register_period(args) -> tuple[date, date]:
    """``from``/``to`` of ``args`` (YYYY-MM-DD), by default the current month up to today: from <= to, at most
    MAX_PERIOD_DAYS days apart."""
    end = _day(args, "to", today())
    start = _day(args, "from", end.replace(day=1))
    if start > end:
        raise Invalid(_("Ngày bắt đầu phải trước hoặc bằng ngày kết thúc"),
                      fields={"from": _("Sau ngày kết thúc")})
    if end - start > timedelta(days=MAX_PERIOD_DAYS):
        raise Invalid(_("Mỗi lần xuất tối đa %(days)s ngày", days=MAX_PERIOD_DAYS),
                      fields={"to": _("Khoảng thời gian quá dài")})
    return start, end


def register_kind(args) -> str:
    kind = args.get("format", "pdf")
    if kind not in FORMATS:
        raise Invalid(_("Định dạng không hợp lệ"), fields={"format": _("pdf hoặc xlsx")})
    return kind


def register_file(agency_id: int, start: date, end: date, kind: str) -> Response:
    name = f"so-theo-doi-ho-so-{start:%Y%m%d}-{end:%Y%m%d}"
    if kind == "pdf":
        content = registers.register_pdf(db(), tthc()["settings"], agency_id, start, end, now())
        return _file(content, "application/pdf", name + ".pdf")
    return _file(registers.register_xlsx(db(), agency_id, start, end, now()), XLSX, name + ".xlsx")


# -- the API -------------------------------------------------------------------------------------------
@bp.get("/dossiers/<code>/control-slip")
@authenticated
def control_slip(code: str):
    """Officers of the dossier's agencies only (``may_see_slip``); anyone else gets 404."""
    return control_slip_file(slip_dossier(g.user, code))


@bp.get("/register")
@authenticated
def register():
    """The register of the caller's agency; ``from``/``to`` default to the current month up to today."""
    agency_id = register_agency(g.user)
    start, end = register_period(request.args)
    return register_file(agency_id, start, end, register_kind(request.args))
