"""The OpenAPI description of citizen accounts made at the desk and of their administration
(engine/web/citizens_api.py), beside openapi.py."""
from __future__ import annotations

from .openapi_blocks import CCCD, DATE, EMAIL, HIDDEN, HIDDEN_RULE, NAME, NAME_RULE, _object, _op, _or_null, _path_param, text

# A reason (forms.clean_text): 1 to 255 characters once trimmed, no control or hidden characters at all.
REASON = f"^\\s*[^{HIDDEN}\\s][^{HIDDEN}]{{0,253}}([^{HIDDEN}\\s]\\s*)?$"
ACCOUNT = {"type": "object", "required": ["username", "full_name", "standardised", "active", "cancelled"],
           "properties": {
    "username": {"type": "string"}, "full_name": {"type": "string"}, "cccd": {"type": ["string", "null"]},
    "phone": {"type": ["string", "null"]}, "standardised": {"type": "boolean"}, "active": {"type": "boolean"},
    "cancelled": {"type": "boolean"}, "locked_reason": {"type": ["string", "null"]},
    "activation_sent": {"type": "boolean"},
    "identity_checked": {"type": ["string", "null"], "enum": ["eid", "desk", None],
                         "description": "How the CCCD was checked: national e-ID, or at the desk; null: only "
                                        "declared (the account sees only the dossiers it filed)"}}}
DESK_ACCOUNT = {**ACCOUNT, "properties": {
    **ACCOUNT["properties"],
    "activation_sent": {"type": "boolean", "description": "true: mã kích hoạt đã gửi qua ít nhất một kênh (sent_to); "
                                                          "false: dịch vụ chưa cấu hình kênh nào đến được công dân "
                                                          "(smtp_host, sms_url): tài khoản vẫn được tạo"},
    "sent_to": {"type": "array", "items": {"type": "string", "enum": ["email", "sms"]},
                "description": "Các kênh mang mã kích hoạt"},
    "took_over": {"type": "boolean", "description": "true: một tài khoản tự đăng ký bằng số CCCD này đã được xác "
                                                    "minh và giao cho công dân (giữ hồ sơ của nó; mật khẩu cũ "
                                                    "không còn dùng được; mã kích hoạt gửi qua sent_to)"},
    "unseated": {"type": "boolean", "description": "true: một tài khoản tự đăng ký bằng số CCCD này đã bị khóa "
                                                   "hoặc hủy; nó nhường số CCCD cho tài khoản mới"}}}


def citizen_paths() -> dict:

    facts = _object({
        "full_name": text(NAME), "cccd": text(CCCD),
        "cccd_issued_on": text(DATE, format="date", description="Không ở tương lai (422)"),
        "phone": text("^(0|\\+84)[0-9]{9,10}$"), "email": _or_null(text(EMAIL, maxLength=255))},
        ("full_name", "cccd", "cccd_issued_on", "phone"))
    change = _object({
        "active": {"type": "boolean", "description": "false: tạm khóa; true: mở khóa"},
        "cancelled": {"type": "boolean", "description": "true: hủy tài khoản (không hoàn tác; hồ sơ được giữ)"},
        "reason": text(REASON, maxLength=4000, description="Lý do, tối đa 255 ký tự sau khi bỏ khoảng trắng hai đầu")},
        ("reason",))
    account = [_path_param("cccd", text(CCCD[:-1] + "(\\.[0-9]{1,4})?$", description="Tên đăng nhập của tài khoản"))]
    return {
        "/api/v1/citizens/desk": {"post": _op(
            "Cán bộ tiếp nhận tạo tài khoản cho công dân đến quầy; mã kích hoạt gửi cho công dân. Nếu số CCCD đã "
            "được chuẩn hóa cho tài khoản khác, tài khoản mới bị khóa (standardised false, active false, "
            "locked_reason nói lý do). Tài khoản tự đăng ký bằng số CCCD này (chưa xác minh) được giao cho công dân "
            "(took_over true), hoặc, nếu đã bị khóa, nhường số CCCD (unseated true)", ok=201, request=facts,
            response=DESK_ACCOUNT, errors=(403, 409), rules={
                "cccd_issued_on": "không ở tương lai", "full_name": NAME_RULE, "email": HIDDEN_RULE})},
        "/api/v1/citizens/{cccd}": {"patch": _op(
            "Quản trị viên tạm khóa, mở khóa hoặc hủy tài khoản công dân, có lý do; công dân được báo",
            request=change, response=ACCOUNT, errors=(403, 404, 409), params=account, rules={
                "active": "cần active hoặc cancelled", "reason": "tối đa 255 ký tự sau khi bỏ khoảng trắng"})},
    }
