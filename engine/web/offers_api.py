"""The JSON API of offers (api.md "Administration"): which agencies offer a procedure, with their settings, and
the procedures one agency offers (the latter answers ``GET /api/v1/procedures?agency=ID`` in engine/web/api.py)."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from engine.cases import administration, local_fees, offers
from engine.core.errors import Invalid
from engine.data.agencies import by_code
from . import ASCII_NUMBER, db, now, transactional
from .apiedge import authenticated, body

bp = Blueprint("offers_api", __name__, url_prefix="/api/v1/procedures")


@bp.get("/<code>/offers")
def get_offers(code: str):
    """Public: the catalogue says where a procedure may be filed (D29)."""
    return jsonify(offers.describe(db(), offers.procedure_of(db(), code)))


@bp.put("/<code>/offers")
@authenticated
@transactional
def put_offers(code: str):
    administration.scope(db(), g.user)  # 403 for anyone but an administrator, before reading the body
    offers.replace(db(), now(), g.user, code, body())
    return jsonify(offers.describe(db(), offers.procedure_of(db(), code)))


def offered_by_agency(describe) -> list[dict]:
    """``GET /api/v1/procedures?agency=ID[&after=CODE][&limit=N]``: what one agency offers (without ``agency``:
    the whole catalogue), by code, a page at a time (``after``: the last code of the previous page)."""
    code, agency = request.args.get("agency"), None
    if code is not None:
        agency = by_code(db(), code) if code and len(code) <= 35 else None
        if agency is None:
            raise Invalid("Không có cơ quan này", code="agency_not_found", fields={"agency": "Mã định danh cơ quan"})
    raw = request.args.get("limit", "100")
    if not ASCII_NUMBER.match(raw) or not 1 <= int(raw) <= offers.MAX_PAGE:
        raise Invalid("Số dòng mỗi trang không hợp lệ", fields={"limit": f"Từ 1 đến {offers.MAX_PAGE}"})
    after = request.args.get("after")
    if after is not None and len(after) > 20:
        raise Invalid("Tham số phân trang không hợp lệ", fields={"after": "Mã thủ tục cuối của trang trước"})
    found = offers.offered_by(db(), agency, int(raw), after)
    if agency is None:
        return [describe(v) for v in found]
    # its own payment means decide the level (D27), its own amounts the fees it may set (feeLocal, D29)
    fees = local_fees.fees_of_page(db(), found, agency.id)
    return [describe(v, at=agency.id, fees=fees[v.id]) for v in found]
