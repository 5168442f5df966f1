"""JSON API v1: official records of the one-stop (D30, D31) — the control slip of a dossier and the register."""
from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, Response, g, request

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


def _file(content: bytes, media_type: str, name: str) -> Response:
    return Response(content, content_type=media_type, headers={  # never inline: a download, not a page
        "Content-Disposition": f"attachment; filename=\"{name}\"", "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store", "Content-Security-Policy": FILE_POLICY})


@bp.get("/dossiers/<code>/control-slip")
@authenticated
def control_slip(code: str):
    """Officers of the dossier's agencies only (receiving, and processing when another agency processes it);
    anyone else (the citizen too) gets 404, as for a hidden dossier."""
    dossier = dossiers.visible_dossier(db(), g.user, code)
    if not (g.user.is_officer and g.user.agency_id in (dossier.agency_id, dossier.processing_agency_id)):
        raise NotFound("Không tìm thấy hồ sơ", code="dossier_not_found")
    processing = db().get(Agency, offers.agency_for(dossier, "seal"))  # "Cơ quan (bộ phận) giải quyết hồ sơ"
    content = registers.control_slip(db(), tthc()["settings"], dossier, now(), processing)
    return _file(content, "application/pdf", f"phieu-kiem-soat-{dossier.code}.pdf")


def _day(name: str, default: date) -> date:
    raw = request.args.get(name)
    if raw is None:
        return default
    day = parse_day(raw)  # exactly YYYY-MM-DD (an empty value is refused, not read as "absent")
    if day is not None and SANE_YEARS[0] <= day.year <= SANE_YEARS[1]:
        return day
    raise Invalid("Ngày không hợp lệ (YYYY-MM-DD)", fields={name: "Ngày không hợp lệ (YYYY-MM-DD)"})


@bp.get("/register")
@authenticated
def register():
    """The register of the caller's agency; ``from``/``to`` default to the current month up to today."""
    user = g.user
    if not user.is_officer or user.agency_id is None:
        raise Forbidden("Chỉ cán bộ của cơ quan được xem sổ theo dõi hồ sơ")
    today = now().astimezone(VN_TZ).date()
    end = _day("to", today)
    start = _day("from", end.replace(day=1))
    if start > end:
        raise Invalid("Ngày bắt đầu phải trước hoặc bằng ngày kết thúc", fields={"from": "Sau ngày kết thúc"})
    if end - start > timedelta(days=MAX_PERIOD_DAYS):
        raise Invalid(f"Mỗi lần xuất tối đa {MAX_PERIOD_DAYS} ngày", fields={"to": "Khoảng thời gian quá dài"})
    kind = request.args.get("format", "pdf")
    name = f"so-theo-doi-ho-so-{start:%Y%m%d}-{end:%Y%m%d}"
    if kind == "pdf":
        content = registers.register_pdf(db(), tthc()["settings"], user.agency_id, start, end, now())
        return _file(content, "application/pdf", name + ".pdf")
    if kind == "xlsx":
        return _file(registers.register_xlsx(db(), user.agency_id, start, end), XLSX, name + ".xlsx")
    raise Invalid("Định dạng không hợp lệ", fields={"format": "pdf hoặc xlsx"})
