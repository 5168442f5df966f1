"""The OpenAPI description of calendar administration (engine/web/admin_calendar.py), beside openapi.py."""
from __future__ import annotations

from engine.core.calendar import FIRST_YEAR, LAST_YEAR

from .openapi_blocks import DATE, _object, _op, _or_null, _query, text

KIND = {"enum": ["off", "working", "not_off"]}
# trimmed, 1 to 255 characters, no control characters (calendar_notices._checked)
DAY_NAME = "^[^\\u0000-\\u001f]*[^\\u0000-\\u001f\\s][^\\u0000-\\u001f]*$"
TIME = {"type": ["string", "null"], "format": "date-time"}
KIND_NAME = {"anyOf": [{"type": "null"}, {"type": "object", "properties": {"kind": KIND, "name": {"type": "string"}}}]}
RULES = {"days": f"một ngày có thật của các năm {FIRST_YEAR}–{LAST_YEAR} (lịch làm việc); khoảng from..to theo thứ "
                 "tự, tối đa 31 ngày; mỗi ngày một dòng; tối đa 366 ngày; khi có year, mọi ngày thuộc năm đó; "
                 "không thay đổi ngày trước hôm nay (giờ Việt Nam; 422 invalid_calendar nêu các ngày đó)",
         "agency": "một cơ quan trong phạm vi quản trị (không có: toàn tỉnh, chỉ quản trị viên cấp tỉnh)"}


def _notice(paged: bool) -> dict:

    day = text(DATE, format="date")
    line = _object({"day": day, "from": day, "to": day, "kind": KIND,
                    "name": text(DAY_NAME, maxLength=255)}, ("kind", "name"),
                   anyOf=[{"required": ["day"]}, {"required": ["from"]}])
    properties = {
        "agency": _or_null(text(maxLength=60, description="Mã định danh cơ quan; không có: toàn tỉnh")),
        "year": _or_null({"type": "integer", "minimum": FIRST_YEAR, "maximum": LAST_YEAR,
                          "description": "Năm của thông báo: các ngày của phạm vi trong năm đó mà thông báo không "
                                         "liệt kê sẽ được bỏ; không có: chỉ đặt các ngày đã liệt kê"}),
        "days": {"type": "array", "items": line}}
    if paged:
        properties["after"] = _or_null({"type": "integer", "minimum": 0, "maximum": 2**31 - 1,
                                        "description": "Trang sau: giá trị next của trang trước"})
        properties["limit"] = _or_null({"type": "integer", "minimum": 1, "maximum": 200, "default": 50})
    return _object(properties, ("days",))


def calendar_paths() -> dict:
    """GET the merged days of a year; preview and apply a year's notice (administrators, in their subtree)."""

    changes = {"type": "array", "items": {"type": "object", "required": ["day", "before", "after"], "properties": {
        "day": {"type": "string", "format": "date"}, "before": KIND_NAME, "after": KIND_NAME}}}
    move = {"type": "object", "properties": {"what": {"enum": ["intake_due_at", "due_at", "original_due_at"]},
                                             "from": TIME, "to": TIME}}
    step = {"type": "object", "properties": {"step": {"type": "string"}, "from": TIME, "to": TIME}}
    dossier = {"type": "object", "required": ["code", "agency", "status", "moves", "steps"], "properties": {
        "code": {"type": "string"}, "agency": {"type": "string"}, "status": {"type": "integer"},
        "moves": {"type": "array", "items": move}, "steps": {"type": "array", "items": step}}}
    scope = {"agency": {"type": ["string", "null"]}, "year": {"type": ["integer", "null"]}}
    return {
        "/api/v1/calendar": {"get": _op(
            "Các ngày khác thường của một năm theo lịch của cơ quan (ngày nghỉ, ngày làm bù) và nguồn của chúng",
            errors=(404, 422), params=[
                _query("year", {"type": "integer", "minimum": FIRST_YEAR, "maximum": LAST_YEAR},
                       f"Năm, {FIRST_YEAR}–{LAST_YEAR}: các năm lịch làm việc có (mặc định: năm nay)"),
                _query("agency", text(maxLength=60), "Mã định danh cơ quan (mặc định: lịch chung của tỉnh)")],
            response={"type": "object", "required": ["year", "agency", "provisional", "days"], "properties": {
                **scope, "provisional": {"type": "boolean"},
                "days": {"type": "array", "items": {"type": "object", "required": [
                    "day", "kind", "working", "name", "source"], "properties": {
                    "day": {"type": "string", "format": "date"}, "kind": KIND, "working": {"type": "boolean"},
                    "name": {"type": "string"}, "source": {"type": "string"}}}}}})},
        "/api/v1/calendar/preview": {"post": _op(
            "Xem trước thông báo lịch của một năm: các ngày thay đổi và hạn của hồ sơ đang giải quyết sẽ dời (từng "
            "trang); không ghi gì", request=_notice(True), errors=(403, 404), rules=RULES,
            response={"type": "object", "required": ["changes", "already_applied", "dossiers", "next"],
                      "properties": {**scope, "changes": changes, "already_applied": {"type": "boolean"},
                                     "dossiers": {"type": "array", "items": dossier},
                                     "next": {"type": ["integer", "null"]}}})},
        "/api/v1/calendar/apply": {"post": _op(
            "Áp dụng thông báo lịch: ghi các ngày và tính lại hạn của mọi hồ sơ bị ảnh hưởng trong một giao dịch, "
            "có ghi nhật ký quản trị", request=_notice(False), errors=(403, 404, 409), rules=RULES,
            response={"type": "object", "required": ["set", "removed", "moved", "already_applied"], "properties": {
                **scope, "set": {"type": "integer"}, "removed": {"type": "integer"}, "moved": {"type": "integer"},
                "already_applied": {"type": "boolean"}}})},
    }
