"""The OpenAPI description of operations (api.md "Administration"; engine/web/ops_api.py), beside openapi.py
(which stays under 400 lines):
suspend, resume or terminate a dossier, the timer service's incidents, a dossier's audit chain verified."""
from __future__ import annotations

from engine.data.operations_model import INCIDENT_STATES
from .openapi_blocks import CONTROL, _object, _op, _query, _ref, text

TIME = {"type": ["string", "null"], "format": "date-time"}
CURSOR = "^[01]\\.[0-9]{1,9}$"


def schemas() -> dict:

    return {
        "Reason": _object({"reason": text(refused=CONTROL, minLength=3, maxLength=2000)}, ("reason",), closed=True),
        "Incident": {"type": "object", "required": ["id", "dossier", "state", "message", "attempts", "at"],
                     "properties": {
            "id": {"type": "integer"}, "dossier": {"type": "string"}, "state": {"enum": list(INCIDENT_STATES)},
            "message": {"type": "string", "description": "Lỗi mới nhất"},
            "attempts": {"type": "integer", "description": "Số lần xử lý hỏng"},
            "at": TIME, "last_at": TIME, "handled_by": {"type": ["string", "null"]}, "handled_at": TIME,
            "note": {"type": ["string", "null"], "description": "Lý do bỏ qua, hoặc việc đã làm khi chạy lại"}}},
        "AuditCheck": {"type": "object", "required": ["valid", "events", "problems"], "properties": {
            "valid": {"type": "boolean"}, "events": {"type": "integer", "description": "Số sự kiện của chuỗi"},
            "problems": {"type": "array", "items": {"type": "string"},
                         "description": "Mỗi vấn đề một dòng (sự kiện bị sửa, xóa, chèn, đổi thứ tự; đuôi bị cắt)"}}},
    }


def paths(code: list, item_id: list) -> dict:
    """Administrators in scope (the dossier's receiving or processing agency in their subtree); a dossier's audit:
    also its officers."""

    how = {"suspend": "Tạm dừng hồ sơ: không công việc nào được hoàn thành (409 dossier_suspended), không hẹn giờ "
                      "nào chạy, đến khi tiếp tục; thời hạn pháp lý không dừng",
           "resume": "Tiếp tục hồ sơ đang tạm dừng: hẹn giờ được lập lại (409 not_suspended nếu không tạm dừng)",
           "terminate": "Chấm dứt hồ sơ chưa có kết quả: trạng thái 8 (Dừng xử lý), không tính là đã giải quyết"}
    result = {
        f"/api/v1/dossiers/{{code}}/{name}": {"post": _op(
            f"{summary}; có lý do, ghi nhật ký hồ sơ và nhật ký quản trị, báo công dân (quản trị viên; 404 nếu hồ "
            "sơ ngoài phạm vi quản trị)",
            request=_ref("Reason"), response=_ref("Dossier"), errors=(403, 404, 409), params=code)}
        for name, summary in how.items()}
    result.update({
        "/api/v1/dossiers/{code}/audit": {"get": _op(
            "Kiểm chứng chuỗi nhật ký (băm nối tiếp) của hồ sơ, đối chiếu điểm kiểm tra mới nhất (cán bộ của cơ quan, "
            "quản trị viên; người khác, kể cả quản trị viên ngoài phạm vi: 404)", response=_ref("AuditCheck"),
            errors=(404,), params=code)},
        "/api/v1/incidents": {"get": _op(
            "Sự cố của dịch vụ hẹn giờ trong phạm vi quản trị, chưa xử lý trước, mới nhất trước",
            response={"type": "array", "items": _ref("Incident")}, errors=(403, 422), params=[
                _query("state", {"enum": list(INCIDENT_STATES)}, "Chỉ sự cố ở trạng thái này"),
                _query("after", {"type": "string", "pattern": CURSOR},
                       "Con trỏ trang sau, lấy nguyên văn từ header Link của trang trước"),
                _query("limit", {"type": "integer", "minimum": 1, "maximum": 200, "default": 50},
                       "Số sự cố một trang; khi còn trang sau, header Link: <...>; rel=\"next\"")])},
        "/api/v1/incidents/{id}/retry": {"post": _op(
            "Chạy lại ngay việc xử lý hẹn giờ của hồ sơ: thành công thì sự cố là 'retried'; hỏng thì sự cố vẫn mở "
            "với lỗi mới (409 incident_closed nếu đã xử lý, dossier_suspended nếu hồ sơ đang tạm dừng)",
            response=_ref("Incident"), errors=(403, 404, 409), params=item_id)},
        "/api/v1/incidents/{id}/skip": {"post": _op(
            "Bỏ qua sự cố, có lý do: lần xử lý tiếp theo của hồ sơ là thời điểm đến hạn đầu tiên sau lúc bỏ qua (hoặc "
            "khi có người xử lý hồ sơ); việc hỏng không được đánh dấu là đã làm",
            request=_ref("Reason"), response=_ref("Incident"), errors=(403, 404, 409), params=item_id)},
    })
    return result
