"""The OpenAPI description of the signing routes (D35), beside engine.web.openapi (which stays under 400 lines):
the caller's pending requests, and signing one (200 signed, 202 awaiting a device's confirmation)."""
from __future__ import annotations

from .openapi_blocks import _json, _object, _op, _or_null, _ref, text


def schemas() -> dict:

    time = {"type": ["string", "null"], "format": "date-time"}
    return {
        "SigningRequest": {"type": "object", "required": ["id", "dossier", "kind", "state", "method", "number"],
                           "properties": {
            "id": {"type": "integer"}, "dossier": {"type": "string"}, "kind": {"type": "string"},
            "purpose": {"enum": ["personal", "seal"]}, "role": {"type": "string"},
            "outcome": {"enum": ["approved", "refused", None],
                        "description": "Quyết định về kết quả; null: thư xin lỗi, văn bản khác"},
            "state": {"enum": ["pending", "rendering", "awaiting_signer", "signed", "withdrawn"]},
            "method": {"enum": ["pkcs12", "pkcs11", "csc"]}, "number": {"type": ["string", "null"]},
            "document": {"type": ["integer", "null"], "description": "Bản xem trước: /api/v1/documents/{document}"},
            "message": {"type": ["string", "null"]}, "created_at": time, "signed_at": time}},
        "Signing": _object({"pin": _or_null(text(minLength=1, maxLength=256,
                                                 description="Mã PIN của khóa ký số; không lưu, không ghi nhật ký"))}),
    }


def _sign(params: list) -> dict:
    """200 when signed; 202 while the signer's device or remote service has not confirmed (the request stays
    waiting); the body (the PIN) is optional: a token or a remote service may need none."""

    op = _op("Ký số văn bản bằng phương thức ký của người ký (mã PIN khi là tệp khóa)",
             response=_ref("SigningRequest"), errors=(404, 409, 413, 422, 429), params=params, rules={
                 "pin_required": "cần mã PIN", "bad_key": "mã PIN không đúng",
                 "signature_invalid": "chữ ký tạo ra không hợp lệ (chứng thư hết hiệu lực, không tin cậy)",
                 "signing_method_unavailable": "phương thức ký chưa được cấu hình"})
    op["responses"]["202"] = {"description": "Chờ xác nhận trên thiết bị ký số hoặc dịch vụ ký từ xa",
                              **_json(_ref("SigningRequest"))}
    op["requestBody"] = {"required": False, **_json(_ref("Signing"))}
    return op


def paths(id_param: list) -> dict:

    return {
        "/api/v1/signing-requests": {"get": _op(
            "Văn bản chờ người gọi ký số (Chờ ký số)", response={"type": "array", "items": _ref("SigningRequest")})},
        "/api/v1/signing-requests/{id}/sign": {"post": _sign(id_param)},
    }
