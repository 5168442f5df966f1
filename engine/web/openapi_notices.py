"""The OpenAPI description of the notification centre's routes (api.md "Notifications"; engine/web/notices.py),
beside openapi.py."""
from __future__ import annotations

from .openapi_blocks import _op, _query, _ref

TIME = {"type": ["string", "null"], "format": "date-time"}
NOTIFICATION = {"type": "object", "required": ["id", "event", "title", "body", "created_at", "read_at", "deliveries"],
                "properties": {
    "id": {"type": "integer"}, "event": {"type": "string"}, "title": {"type": "string"},
    "body": {"type": "string"}, "dossier": {"type": "string"}, "created_at": TIME, "read_at": TIME,
    "link": {"type": ["string", "null"]},
    "deliveries": {"type": "object", "additionalProperties": False, "properties": {
        channel: {"enum": ["sent", "failed", "pending"]} for channel in ("email", "sms")}}}}


def notice_paths(item_id: list) -> dict:
    """The caller's own notices, newest first, 20 a page; marking one read."""
    return {
        "/api/v1/me/notifications": {"get": _op(
            "Thông báo của người gọi, mới nhất trước, 20 mỗi trang (hoặc ``limit``); còn trang sau thì tiêu đề "
            "Link rel=\"next\" chỉ đến nó", errors=(422,),
            response={"type": "array", "items": _ref("Notification")},
            params=[_query("before", {"type": "string", "pattern": "^[0-9]{1,9}$"},
                           "Trang sau: các thông báo có id nhỏ hơn số này (id cuối của trang trước)"),
                    _query("limit", {"type": "string", "pattern": "^(200|1[0-9]{2}|[1-9][0-9]?)$"},
                           "Số thông báo mỗi trang, từ 1 đến 200 (mặc định 20)")])},
        "/api/v1/me/notifications/{id}/read": {"post": _op(
            "Đánh dấu một thông báo của người gọi là đã đọc", response=_ref("Notification"), errors=(404,),
            params=item_id)},
    }
