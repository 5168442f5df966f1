"""The OpenAPI description of offers (api.md "Administration"; engine/web/offers_api.py), beside openapi.py:
which agencies offer a procedure with their settings, the procedures one agency offers, and the receiving
agency of a filing."""
from __future__ import annotations

from engine.cases.offers import DAYS, MAX_OFFERS, MAX_PAGE, READ_ONLY
from engine.data.agency_model import AGENCY_LEVELS
from engine.process.fees import MAX_AMOUNT
from .openapi_blocks import (
    ERRORS, NUL, PROCEDURE_CODE, _json, _object, _op, _or_null, _path_param, _query, _ref, text)


def _agency_code() -> dict:

    return text(minLength=1, maxLength=35, description="Mã định danh điện tử của cơ quan (QĐ 20/2020)")


def schemas() -> dict:

    code = _agency_code()
    hours = {"type": "array", "maxItems": 4,
             "items": text("^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$"),
             "description": "Khoảng giờ dạng 07:30-11:30 (giờ bắt đầu trước giờ kết thúc, 422)"}
    office_hours = _object({day: hours for day in DAYS}, closed=True,
                           description="Giờ tiếp nhận của cơ quan cho thủ tục này, theo ngày trong tuần")
    fees = {"type": "object", "propertyNames": {"not": {"pattern": NUL}},
            "additionalProperties": {"type": "integer", "minimum": 0, "maximum": MAX_AMOUNT},
            "description": "Mức phí của cơ quan (đồng) theo mã phí; chỉ phí thủ tục đánh dấu feeLocal (422)"}
    # what GET shows, ignored in a PUT: any value (no $ref to the recursive Json schema, which the validators of
    # the spec would follow through allOf for ever)
    ignored = {name: {"readOnly": True, "description": "Như GET trả về; bỏ qua khi gửi lên (theo cơ quan đã nêu)"}
               for name in sorted(READ_ONLY)}
    settings = _object({"agency": code, "processing_agency": _or_null(code), "fees": _or_null(fees),
                        "office_hours": _or_null(office_hours), **ignored}, ("agency",), closed=True,
                       description="Nơi tiếp nhận và cài đặt riêng: cơ quan xử lý (nếu khác), mức phí, giờ tiếp nhận")
    return {
        "OffersChange": _object({
            "code": text(PROCEDURE_CODE, description="Như GET trả về: mã thủ tục trong đường dẫn (khác: 422)"),
            "agencies": {"type": "array", "maxItems": MAX_OFFERS, "items": {"anyOf": [code, settings]},
                         "description": "Danh sách thay thế các nơi cung cấp trong phạm vi quản trị của người gọi"},
            "all_level": {"enum": [*AGENCY_LEVELS, None],
                          "description": "Thêm mọi cơ quan đang hoạt động của cấp này trong phạm vi quản trị"}},
            ("agencies",), closed=True),
        "Offers": {"type": "object", "required": ["code", "agencies"], "properties": {
            "code": {"type": "string"},
            "agencies": {"type": "array", "items": {"type": "object", "required": ["agency", "name", "level"],
                                                    "properties": {
                "agency": {"type": "string"}, "name": {"type": "string"}, "level": {"enum": list(AGENCY_LEVELS)},
                "processing_agency": {"type": ["string", "null"]},
                "processing_agency_name": {"type": ["string", "null"]},
                "fees": {"type": "object", "additionalProperties": {"type": "integer"}},
                "office_hours": {"type": ["object", "null"]}}}}}},
    }


def offer_paths() -> dict:

    procedure = [_path_param("code", text(PROCEDURE_CODE))]
    return {
        "/api/v1/procedures/{code}/offers": {
            "get": _op("Các cơ quan cung cấp thủ tục (nơi nộp hồ sơ), với cài đặt riêng của từng nơi", auth=False,
                       response=_ref("Offers"), errors=(404,), params=procedure),
            "put": _op("Thay danh sách cơ quan cung cấp thủ tục (quản trị viên, trong phạm vi của mình); nơi còn "
                       "hồ sơ đang giải quyết thì ngừng nhận, không bị xóa", request=_ref("OffersChange"),
                       response=_ref("Offers"), errors=(403, 404), params=procedure, rules={
                           "agency_not_found": "agencies[i].agency, agencies[i].processing_agency: một cơ quan có "
                                               "trong hệ thống",
                           "agency_closed": "agencies[i].processing_agency: một cơ quan đang hoạt động (trừ khi giữ "
                                            "nguyên cơ quan xử lý nơi đó đang có)",
                           "invalid_office_hours": "giờ bắt đầu trước giờ kết thúc; các khoảng theo thứ tự, không chồng lên nhau",
                           "fee_not_local": "chỉ phí thủ tục cho cơ quan tự quy định (feeLocal)",
                           "code": "mã thủ tục trong đường dẫn, khi có",
                           "too_many_offers": f"tối đa {MAX_OFFERS} nơi cung cấp, kể cả all_level"}),
        },
    }


def agency_params() -> list:
    """``GET /api/v1/procedures?agency=ID``: what one agency offers, by code, a page at a time."""

    return [_query("agency", _agency_code(), "Chỉ các thủ tục cơ quan này cung cấp (422 nếu không có cơ quan)"),
            _query("limit", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
                   f"Số thủ tục mỗi trang (mặc định: cả danh mục; 100 khi có agency hoặc after; tối đa {MAX_PAGE})"),
            _query("after", text(maxLength=20), "Trang sau: mã thủ tục cuối của trang trước")]


def extend(spec: dict) -> dict:
    """Add offers to the whole description: their paths and schemas, the ``agency`` filter of the catalogue,
    and the receiving agency of a filing."""

    spec["paths"].update(offer_paths())
    spec["components"]["schemas"].update(schemas())
    listing = spec["paths"]["/api/v1/procedures"]["get"]
    listing["parameters"] = listing.get("parameters", []) + agency_params()
    listing["responses"]["422"] = {"description": ERRORS[422] + ". Quy tắc ngoài lược đồ: agency: một cơ quan có "
                                   "trong hệ thống", **_json(_ref("Error")), "x-rules": ["agency"]}
    filing = spec["components"]["schemas"]["NewDossier"]
    filing["properties"]["agency"] = _or_null(text(minLength=1, maxLength=35, description=(
        "Cơ quan tiếp nhận (mã định danh), một trong các nơi cung cấp thủ tục, bất kể nơi cư trú; bắt buộc khi "
        "có nhiều nơi (422 agency)")))
    spec["components"]["schemas"]["Dossier"]["properties"].update({
        "agency": {"type": "string", "description": "Cơ quan tiếp nhận (mã định danh)"},
        "agency_name": {"type": "string"},
        "processing_agency": {"type": ["string", "null"], "description": "Cơ quan xử lý, khi khác nơi tiếp nhận"}})
    refused = spec["paths"]["/api/v1/dossiers"]["post"]["responses"]["422"]
    refused["description"] += "; agency: một nơi cung cấp thủ tục, bắt buộc khi có nhiều nơi"
    refused["x-rules"] = sorted(set(refused.get("x-rules", [])) | {"agency"})
    return spec
