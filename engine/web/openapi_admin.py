"""The OpenAPI description of the administration of agencies and officers (api.md "Administration";
engine/web/admin_staff_api.py), beside openapi.py. Request schemas say exactly what the server accepts: closed
objects (another member is a 422), null for "not given", texts trimmed as engine.process.forms.clean_text does."""
from __future__ import annotations

from engine.cases.agency_admin import CODE_PATTERN, DAYS, SPAN_PATTERN, SYMBOL_PATTERN
from engine.cases.staff import GIVEN_ROLES, USERNAME_PATTERN
from engine.data.agency_model import AGENCY_LEVELS
from .openapi_blocks import EMAIL, HIDDEN, HIDDEN_RULE, NAME, NAME_RULE, _object, _op, _or_null, _path_param, _query, _ref, text

PHONE = "^(0|\\+84)[0-9]{9,10}$"


def _trimmed(longest: int) -> str:
    """1 to ``longest`` characters once spaces around are trimmed, no control or hidden characters (clean_text)."""
    return f"^\\s*[^{HIDDEN}\\s]([^{HIDDEN}]{{0,{longest - 2}}}[^{HIDDEN}\\s])?\\s*$"


def _agency_body() -> dict:

    hours = {"type": "object", "propertyNames": {"enum": list(DAYS)},
             "additionalProperties": {"type": "array", "maxItems": 4, "items": text(SPAN_PATTERN)},
             "description": "Giờ làm việc theo ngày: {\"mon\": [\"07:30-11:30\", \"13:30-17:00\"]} (giờ bắt đầu trước giờ kết thúc)"}
    return {"name": text(NAME), "level": {"enum": list(AGENCY_LEVELS)},
            "parent": _or_null(text(CODE_PATTERN, description="Mã định danh của cơ quan cấp trên")),
            "address": _or_null(text(_trimmed(500))), "office_hours": _or_null(hours),
            "seal_name": _or_null(text(NAME)),  # a name (agency_admin: forms.clean_name)
            "symbol": _or_null(text(SYMBOL_PATTERN, description=(
                "Chữ viết tắt tên cơ quan trong ký hiệu văn bản (Nghị định 30/2020/NĐ-CP): \"STC\" cho số "
                "\"12/GCN-STC\"; null: theo ký hiệu thủ tục khai báo")))}


ROLE_LIST = {"type": "array", "minItems": 1, "items": {"enum": sorted(GIVEN_ROLES)}}
OFFICER_PROPERTIES = {
    "username": {"type": "string"}, "full_name": {"type": "string"}, "agency": {"type": ["string", "null"]},
    "roles": {"type": "array", "items": {"type": "string"}}, "email": {"type": ["string", "null"]},
    "phone": {"type": ["string", "null"]}, "active": {"type": "boolean"},
    "suspended_reason": {"type": ["string", "null"]}, "activated": {"type": "boolean"}}


def schemas() -> dict:

    agency_body = _agency_body()
    return {
        "Agency": {"type": "object", "required": ["id", "name", "level", "parent", "active"], "properties": {
            "id": {"type": "string"}, "name": {"type": "string"}, "level": {"enum": list(AGENCY_LEVELS)},
            "parent": {"type": ["string", "null"]}, "address": {"type": ["string", "null"]},
            "office_hours": {"type": ["object", "null"]}, "seal_name": {"type": ["string", "null"]},
            "symbol": {"type": ["string", "null"]}, "active": {"type": "boolean"}, "depth": {"type": "integer", "minimum": 0}}},
        "NewAgency": _object({"id": text(CODE_PATTERN, description="Mã định danh điện tử (QĐ 20/2020)"),
                              **agency_body}, ("id", "name", "level"), closed=True),
        "AgencyChange": _object({**agency_body, "active": {"type": "boolean"}}, closed=True, description=(
            "Chỉ các trường gửi lên được đổi; null xóa giá trị (parent null: thành cơ quan gốc, chỉ quản trị "
            "viên cấp tỉnh)")),
        "Officer": {"type": "object", "required": ["username", "full_name", "agency", "roles", "active"],
                    "properties": OFFICER_PROPERTIES},
        "OfficerMade": {"type": "object", "required": ["username", "full_name", "agency", "roles", "active",
                                                       "activation_sent", "sent_to"], "properties": {
            **OFFICER_PROPERTIES,
            "activation_sent": {"type": "boolean", "description": "true: mã kích hoạt đã gửi qua ít nhất một kênh "
                                "(sent_to); false: chưa cấu hình kênh nào đến được cán bộ (smtp_host, sms_url): tài "
                                "khoản vẫn được tạo; cấu hình rồi gửi mã bằng POST /officers/{username}/password-reset"},
            "sent_to": {"type": "array", "items": {"enum": ["email", "sms"]}, "description": "Các kênh mang mã kích hoạt"}}},
        "NewOfficer": _object({
            "username": text(USERNAME_PATTERN), "full_name": text(NAME),
            "agency": text(CODE_PATTERN, description="Mã định danh của cơ quan"), "roles": ROLE_LIST,
            "email": _or_null(text(EMAIL, maxLength=255)), "phone": _or_null(text(PHONE))},
            ("username", "full_name", "agency", "roles"), closed=True,
            description="Không có mật khẩu: mã kích hoạt được gửi tới thư điện tử, SMS của cán bộ"),
        "OfficerChange": _object({
            "roles": ROLE_LIST, "active": {"type": "boolean", "description": "false: tạm khóa (hủy mọi phiên)"},
            "agency": text(CODE_PATTERN), "full_name": text(NAME),
            "email": _or_null(text(EMAIL, maxLength=255)), "phone": _or_null(text(PHONE)),
            "reason": _or_null(text(_trimmed(255), description="Lý do tạm khóa"))}, closed=True),
        "ResetStarted": {"type": "object", "required": ["username", "sent_to"], "properties": {
            "username": {"type": "string"}, "sent_to": {"type": "array", "items": {"enum": ["email", "sms"]}},
            "expires_in_minutes": {"type": "integer"}}},
        "ImportReport": {"type": "object", "required": ["created", "skipped", "rows"], "properties": {
            "created": {"type": "integer"}, "skipped": {"type": "integer"},
            "rows": {"type": "array", "items": {"type": "object", "required": ["row", "username", "status"],
                                                "properties": {
                "row": {"type": "integer"}, "username": {"type": "string"},
                "status": {"enum": ["created", "skipped"]}, "reason": {"type": "string"},
                "fields": {"type": "object"}}}}}},
    }


def paths() -> dict:

    agency = [_path_param("id", text(CODE_PATTERN))]
    officer = [_path_param("username", text(USERNAME_PATTERN))]
    limit = _query("limit", {"type": "integer", "minimum": 1, "maximum": 200, "default": 50},
                   "Số dòng một trang; khi còn trang sau, header Link: <...>; rel=\"next\"")
    agency_rules = {"parent": "một cơ quan có thật, không nằm trong chính cơ quan được chuyển, có cấp nhận được "
                              "cơ quan này (engine.data.agency_model.PARENT_LEVELS)",
                    "level": "cấp tỉnh không có cơ quan cấp trên; xã, phường trực thuộc cấp tỉnh; sở, ngành trực "
                             "thuộc cấp tỉnh, sở, ngành hoặc xã, phường; trung tâm trực thuộc mọi cấp (dưới một trung "
                             "tâm chỉ có trung tâm: chi nhánh); các cơ quan cấp dưới phải thuộc được cấp mới",
                    "office_hours": "giờ bắt đầu trước giờ kết thúc; các khoảng theo thứ tự, không chồng lên nhau; "
                                    "cùng giờ từ thứ Hai đến thứ Sáu",
                    "name": NAME_RULE, "seal_name": NAME_RULE, "address": HIDDEN_RULE}
    officer_rules = {"agency": "một cơ quan có thật, đang hoạt động",
                     "email": "thư điện tử hoặc số điện thoại (ít nhất một) để gửi mã kích hoạt; " + HIDDEN_RULE,
                     "full_name": NAME_RULE, "reason": HIDDEN_RULE}
    return {
        "/api/v1/agencies": {
            "get": _op("Cây cơ quan trong phạm vi quản trị của người gọi, theo thứ tự cây", errors=(403, 422),
                       response={"type": "array", "items": _ref("Agency")},
                       rules={"after": "mã một cơ quan của trang trước"},
                       params=[_query("after", text(CODE_PATTERN), "Trang sau: mã cơ quan cuối của trang trước"),
                               limit]),
            "post": _op("Tạo cơ quan (quản trị viên cấp tỉnh: mọi nơi; quản trị viên cơ quan: trong phạm vi của mình)",
                        ok=201, request=_ref("NewAgency"), response=_ref("Agency"), errors=(403, 409),
                        rules=agency_rules)},
        "/api/v1/agencies/{id}": {
            "get": _op("Một cơ quan trong phạm vi quản trị", response=_ref("Agency"), errors=(403, 404),
                       params=agency),
            "patch": _op("Đổi tên, chuyển cơ quan cấp trên, giờ làm việc, con dấu, ngừng hay mở lại hoạt động "
                         "(cấp và trạng thái hoạt động của cơ quan gốc trong phạm vi của quản trị viên cơ quan do "
                         "quản trị viên cấp trên quyết định: 403; ngừng hoạt động cơ quan đang xử lý hồ sơ của nơi "
                         "cung cấp thủ tục: 409 agency_processes_offers, thông báo nêu các thủ tục và nơi tiếp nhận; ngừng "
                         "hoạt động cơ quan còn cơ quan cấp dưới đang hoạt động: 409 agency_has_open_agencies; mở "
                         "lại cơ quan dưới cơ quan cấp trên đã ngừng hoạt động: 409 agency_parent_closed)",
                         request=_ref("AgencyChange"), response=_ref("Agency"), errors=(403, 404, 409),
                         params=agency, rules=agency_rules)},
        "/api/v1/officers": {
            "get": _op("Cán bộ của các cơ quan trong phạm vi quản trị, theo tên đăng nhập", errors=(403, 404, 422),
                       response={"type": "array", "items": _ref("Officer")},
                       params=[_query("agency", text(CODE_PATTERN), "Chỉ cán bộ của cơ quan này"),
                               _query("after", text(), "Trang sau: tên đăng nhập cuối của trang trước"), limit]),
            "post": _op("Tạo cán bộ; mã kích hoạt gửi tới kênh của cán bộ (không có mật khẩu trong yêu cầu)",
                        ok=201, request=_ref("NewOfficer"), response=_ref("OfficerMade"), errors=(403, 409, 429),
                        rules=officer_rules)},
        "/api/v1/officers/{username}": {
            "get": _op("Một cán bộ trong phạm vi quản trị", response=_ref("Officer"), errors=(403, 404),
                       params=officer),
            "patch": _op("Đổi vai trò, cơ quan, liên hệ; tạm khóa (hủy mọi phiên, token) hay mở khóa",
                         request=_ref("OfficerChange"), response=_ref("Officer"), errors=(403, 404, 409),
                         params=officer, rules=officer_rules)},
        "/api/v1/officers/{username}/password-reset": {"post": _op(
            "Gửi mã đặt lại mật khẩu tới kênh của cán bộ (trang /dat-lai-mat-khau); trong 72 giờ sau khi người "
            "khác đổi thư điện tử hay số điện thoại của cán bộ đã kích hoạt: 409 contact_recently_changed", ok=202,
            response=_ref("ResetStarted"), errors=(403, 404, 409, 429), params=officer)},
        "/api/v1/officers/import": {"post": {**_op(
            "Nhập cán bộ từ tệp CSV hoặc XLSX (cột username, full_name, agency, roles, email, phone): báo cáo "
            "từng dòng; mỗi dòng được kiểm tra hết trước khi tạo, dòng lỗi được bỏ qua nguyên vẹn",
            response=_ref("ImportReport"), errors=(403, 413, 422, 429),
            rules={"file": "tệp CSV (UTF-8) hoặc XLSX có các cột username, full_name, agency, roles"}),
            "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                "type": "object", "required": ["file"], "properties": {"file": {"type": "string",
                                                                                "format": "binary"}}}}}}}},
    }
