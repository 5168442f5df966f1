"""The OpenAPI description of procedure versions (api.md "Administration"; engine/web/versions_api.py), beside
openapi.py: a procedure's versions, suspend / resume / retire one, move an open dossier to a newer version."""
from __future__ import annotations

from engine.process.versiondiff import KINDS
from .openapi_blocks import _object, _op, _path_param, _ref


def schemas() -> dict:

    value = {"description": "Giá trị trước hoặc sau thay đổi (chuỗi, số, đối tượng thời hạn, danh sách thao tác)"}
    return {
        # the deploy's answer (POST /api/v1/procedures), with the warnings of a file that looks copied
        # (engine.process.similarity): same process id or code as another file, identical components or fees
        "Deployed": {"type": "object", "required": ["code", "version", "changed"], "properties": {
            "code": {"type": "string"}, "version": {"type": "integer"}, "changed": {"type": "boolean"},
            "warnings": {"type": "array", "description": "Cảnh báo (không chặn triển khai): tệp, dòng, thông báo",
                         "items": {"type": "object", "required": ["file", "line", "element", "message"],
                                   "properties": {"file": {"type": "string"}, "line": {"type": ["integer", "null"]},
                                                  "element": {"type": "string"}, "message": {"type": "string"}}}}}},
        "VersionChange": {"type": "object", "required": ["kind", "target", "before", "after"], "properties": {
            "kind": {"enum": list(KINDS)},
            "target": {"type": "string", "description": "Mã bước, tệp biểu mẫu, khoản phí hoặc thành phần; rỗng: cả "
                                                        "thủ tục"},
            "before": value, "after": value}},
        "ProcedureVersion": {"type": "object", "required": ["version", "deployed_at", "state", "changes",
                                                            "open_dossiers"], "properties": {
            "version": {"type": "integer"}, "deployed_at": {"type": "string", "format": "date-time"},
            "deployed_by": {"type": ["string", "null"]},
            "state": {"enum": ["active", "suspended", "retired"]},
            "current": {"type": "boolean", "description": "Phiên bản hiện hành: phiên bản mới nhất chưa thôi áp dụng"},
            "changes": {"type": "array", "items": {"$ref": "#/components/schemas/VersionChange"}},
            "open_dossiers": {"type": "integer", "minimum": 0},
            "warnings": {"type": "array", "description": "Sau khi tạm ngừng: các thủ tục vẫn chuyển hồ sơ liên "
                         "thông đến thủ tục này (hồ sơ của chúng vẫn được chuyển sang)", "items": {
                             "type": "object", "required": ["message", "procedures"], "properties": {
                                 "message": {"type": "string"},
                                 "procedures": {"type": "array", "items": {"type": "string"}}}}}}},
        "Migration": _object({"version": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}}, ("version",)),
    }


def paths(code: list, procedure: list) -> dict:

    number = [_path_param("n", {"type": "integer", "minimum": 0, "maximum": 2**31 - 1})]
    state_change = {
        "suspend": "Tạm ngừng tiếp nhận hồ sơ theo phiên bản (từ đang áp dụng)",
        "resume": "Tiếp nhận trở lại theo phiên bản (từ tạm ngừng)",
        "retire": "Thôi áp dụng phiên bản: không nhận hồ sơ mới, ra khỏi danh mục khi không còn phiên bản nào; hồ sơ "
                  "đang giải quyết vẫn tiếp tục"}
    return {
        "/api/v1/procedures/{code}/versions": {"get": _op(
            "Các phiên bản của thủ tục (mới nhất trước), thay đổi so với phiên bản trước, số hồ sơ đang giải quyết "
            "(quản trị viên của cơ quan công bố thủ tục)", response={"type": "array", "items": _ref("ProcedureVersion")},
            errors=(403, 404), params=procedure)},
        **{f"/api/v1/procedures/{{code}}/versions/{{n}}/{action}": {"post": _op(
            summary, response=_ref("ProcedureVersion"), errors=(403, 404, 409), params=procedure + number)}
           for action, summary in state_change.items()},
        "/api/v1/procedures/{code}/versions/{n}/restore": {"post": _op(
            "Khôi phục phiên bản: triển khai lại đúng nội dung của phiên bản n thành phiên bản mới nhất, hiện hành; "
            "các phiên bản ở giữa giữ nguyên. 409 already_current khi phiên bản hiện hành đã có nội dung đó",
            ok=201, response=_ref("ProcedureVersion"), errors=(403, 404, 409), params=procedure + number)},
        "/api/v1/dossiers/{code}/migrate": {"post": _op(
            "Chuyển hồ sơ đang giải quyết sang phiên bản mới hơn của thủ tục; 409 kèm lý do (problems) khi không "
            "chuyển được; 404 nếu hồ sơ ngoài phạm vi quản trị", request=_ref("Migration"),
            response=_ref("Dossier"), errors=(403, 404, 409), params=code)},
    }
