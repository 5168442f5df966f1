"""The OpenAPI 3.1 description of JSON API v1, served at /api/v1/openapi.json."""
from __future__ import annotations

from engine.data.model import STATUS_NAMES
from engine.process.procedures import STEP_ACTIONS


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict) -> dict:
    return {"content": {"application/json": {"schema": schema}}}


def _op(summary: str, *, ok: int = 200, response: dict | None = None, request: dict | None = None,
        auth: bool = True, errors: tuple[int, ...] = (), params: list | None = None) -> dict:
    responses = {str(ok): {"description": "Thành công", **(_json(response) if response else {})}}
    for status in ((401,) if auth else ()) + errors:
        responses[str(status)] = {"description": "Lỗi", **_json(_ref("Error"))}
    op = {"summary": summary, "responses": responses}
    if request:
        op["requestBody"] = {"required": True, **_json(request)}
    if auth:
        op["security"] = [{"bearer": []}]
    if params:
        op["parameters"] = params
    return op


def _path_param(name: str, kind: str = "string") -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": kind}}


def _query(name: str, kind: str = "string") -> dict:
    return {"name": name, "in": "query", "required": False, "schema": {"type": kind}}


def spec() -> dict:
    time = {"type": ["string", "null"], "format": "date-time"}
    schemas = {
        "Error": {"type": "object", "required": ["error"], "properties": {"error": {
            "type": "object", "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                           "fields": {"type": "object", "additionalProperties": {"type": "string"}},
                           "rule": {"type": "string"},
                           "problems": {"type": "array", "items": {"type": "object", "properties": {
                               "file": {"type": "string"}, "element": {"type": "string"},
                               "line": {"type": ["integer", "null"]}, "message": {"type": "string"}}}}}}}},
        "Token": {"type": "object", "properties": {"token": {"type": "string"}, "expires_at": time,
                                                    "roles": {"type": "array", "items": {"type": "string"}}}},
        "Citizen": {"type": "object", "required": ["full_name", "cccd", "cccd_issued_on", "phone", "password"],
                    "properties": {"full_name": {"type": "string"}, "cccd": {"type": "string", "pattern": r"^\d{12}$"},
                                   "cccd_issued_on": {"type": "string", "format": "date"},
                                   "phone": {"type": "string"}, "email": {"type": "string"},
                                   "password": {"type": "string", "minLength": 8}}},
        "Procedure": {"type": "object", "properties": {
            "code": {"type": "string"}, "name": {"type": "string"}, "version": {"type": "integer"},
            "agency": {"type": "string"}, "level": {"enum": ["full_online", "partial_online"]},
            "level_reasons": {"type": "array", "items": {"type": "string"}},
            "duration": {"type": "object", "properties": {
                "value": {"type": "number"}, "unit": {"enum": ["working_day", "working_hour", "calendar_day"]}}},
            "clock_on_supplement": {"enum": ["restart", "pause"]},
            "fees": {"type": "array", "items": {"type": "object"}},
            "components": {"type": "array", "items": {"type": "object"}},
            "form_schema": {"type": "object"}}},
        "Deployed": {"type": "object", "properties": {"code": {"type": "string"}, "version": {"type": "integer"},
                                                       "changed": {"type": "boolean"}}},
        "NewDossier": {"type": "object", "required": ["procedure", "form"], "properties": {
            "procedure": {"type": "string"}, "form": {"type": "object"},
            "owner": {"type": "object", "required": ["full_name", "birth_date", "cccd"], "properties": {
                "full_name": {"type": "string"}, "birth_date": {"type": "string", "format": "date"},
                "cccd": {"type": "string"}}},
            "channel": {"enum": ["online", "desk", "post"]}}},
        "Dossier": {"type": "object", "properties": {
            "code": {"type": "string"}, "procedure": {"type": "string"}, "procedure_version": {"type": "integer"},
            "status": {"type": "integer", "enum": list(STATUS_NAMES)}, "status_name": {"type": "string"},
            "filed_at": time, "intake_due_at": time, "received_at": time, "due_at": time,
            "original_due_at": time, "returned_at": time, "late": {"type": "boolean"},
            "supplement_requests": {"type": "integer"}, "extensions": {"type": "integer"},
            "letters": {"type": "array", "items": {"type": "object"}},
            "documents": {"type": "array", "items": {"type": "object"}},
            "history": {"type": "array", "items": {"type": "object", "properties": {
                "at": time, "actor": {"type": "string"}, "action": {"type": "string"},
                "status": {"type": "integer"}}}}}},
        "Supplement": {"type": "object", "required": ["form"], "properties": {
            "form": {"type": "object"}, "note": {"type": "string"}}},
        "Task": {"type": "object", "properties": {
            "id": {"type": "integer"}, "dossier": {"type": "string"},
            "step": {"enum": [s for s in STEP_ACTIONS if s != "supplement"]}, "name": {"type": "string"},
            "role": {"type": "string"}, "assignee": {"type": ["string", "null"]}, "due_at": time,
            "actions": {"type": "array", "items": {"type": "string"}}}},
        "Completion": {"type": "object", "required": ["action"], "properties": {
            "action": {"enum": sorted({a for acts in STEP_ACTIONS.values() for a in acts} - {"supplement"})},
            "data": {"type": "object"}}},
    }
    dossier_code = [_path_param("code")]
    task_id = [_path_param("id", "integer")]
    paths = {
        "/api/v1/openapi.json": {"get": {"summary": "Mô tả OpenAPI của API này",
                                         "responses": {"200": {"description": "OpenAPI 3.1"}}}},
        "/api/v1/auth/token": {"post": _op("Đăng nhập, nhận token", auth=False, response=_ref("Token"),
                                            request={"type": "object", "required": ["username", "password"]},
                                            errors=(400, 401, 422))},
        "/api/v1/citizens": {"post": _op("Đăng ký tài khoản công dân (D3)", ok=201, auth=False,
                                          request=_ref("Citizen"), errors=(400, 409, 422))},
        "/api/v1/procedures": {
            "get": _op("Danh mục thủ tục", auth=False, response={"type": "array", "items": _ref("Procedure")}),
            "post": {**_op("Triển khai phiên bản quy trình (multipart: bpmn + biểu mẫu)", ok=201,
                           response=_ref("Deployed"), errors=(403, 413, 422)),
                     "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                         "type": "object", "properties": {"bpmn": {"type": "string", "format": "binary"}}}}}}}},
        "/api/v1/procedures/{code}": {"get": _op("Một thủ tục, kèm biểu mẫu nộp hồ sơ", auth=False,
                                                 response=_ref("Procedure"), errors=(404,), params=dossier_code)},
        "/api/v1/dossiers": {
            "post": _op("Nộp hồ sơ", ok=201, request=_ref("NewDossier"), response=_ref("Dossier"),
                        errors=(400, 403, 404, 413, 422)),
            "get": _op("Hồ sơ người gọi được xem", response={"type": "array", "items": _ref("Dossier")},
                       params=[_query("cccd"), _query("status", "integer")], errors=(422,))},
        "/api/v1/dossiers/{code}": {"get": _op("Một hồ sơ", response=_ref("Dossier"), errors=(404,),
                                               params=dossier_code)},
        "/api/v1/dossiers/{code}/supplement": {"post": _op("Công dân bổ sung hồ sơ", request=_ref("Supplement"),
                                                           response=_ref("Dossier"), errors=(400, 404, 409, 422),
                                                           params=dossier_code)},
        "/api/v1/dossiers/{code}/documents": {"post": {**_op(
            "Đính kèm giấy tờ: tải lên (multipart: file, component) hoặc dùng lại từ kho ({reuse, component})",
            ok=201, errors=(400, 403, 404, 413, 422), params=dossier_code),
            "requestBody": {"required": True, "content": {
                "multipart/form-data": {"schema": {"type": "object", "properties": {
                    "file": {"type": "string", "format": "binary"}, "component": {"type": "string"}}}},
                "application/json": {"schema": {"type": "object", "properties": {
                    "reuse": {"type": "integer"}, "component": {"type": "string"}}}}}}}},
        "/api/v1/me/documents": {"get": _op("Kho giấy tờ điện tử của công dân (kết quả, giấy tờ đã ký số)",
                                            response={"type": "array", "items": {"type": "object"}},
                                            errors=(403,))},
        "/api/v1/dossiers/{code}/withdraw": {"post": _op("Công dân rút hồ sơ (trạng thái 7, thông báo dừng)",
                                                          request={"type": "object", "required": ["reason"]},
                                                          response=_ref("Dossier"), errors=(400, 403, 404, 409, 422),
                                                          params=dossier_code)},
        "/api/v1/dossiers/{code}/stop": {"post": _op("Dừng giải quyết hồ sơ (trạng thái 8, NĐ 118 Điều 21)",
                                                      request={"type": "object", "required": ["reason"]},
                                                      response=_ref("Dossier"), errors=(400, 403, 404, 409, 422),
                                                      params=dossier_code)},
        "/api/v1/dossiers/{code}/letters": {"post": _op("Thủ trưởng cơ quan ban hành thư xin lỗi khi quá hạn (D19)",
                                                        ok=201, response=_ref("Dossier"),
                                                        request={"type": "object", "required": ["kind", "reason"]},
                                                        errors=(400, 403, 404, 409, 422), params=dossier_code)},
        "/api/v1/dossiers/{code}/control-slip": {"get": {
            **_op("Phiếu kiểm soát quá trình giải quyết hồ sơ (PDF; cán bộ của cơ quan giải quyết)", errors=(404,),
                  params=dossier_code),
            "responses": {"200": {"description": "Tệp PDF", "content": {"application/pdf": {}}},
                          **{str(s): {"description": "Lỗi", **_json(_ref("Error"))} for s in (401, 404)}}}},
        "/api/v1/register": {"get": {
            **_op("Sổ theo dõi hồ sơ của cơ quan người gọi (PDF hoặc XLSX)", errors=(403, 422),
                  params=[_query("from"), _query("to"),
                          {"name": "format", "in": "query", "required": False,
                           "schema": {"enum": ["pdf", "xlsx"], "default": "pdf"}}]),
            "responses": {"200": {"description": "Tệp", "content": {
                "application/pdf": {}, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}},
                          **{str(s): {"description": "Lỗi", **_json(_ref("Error"))} for s in (401, 403, 422)}}}},
        "/api/v1/documents/{id}": {"get": {**_op("Tải tài liệu của hồ sơ", errors=(404,), params=task_id),
                                           "responses": {"200": {"description": "Tệp"}}}},
        "/api/v1/tasks": {"get": _op("Hộp công việc của cán bộ", response={"type": "array", "items": _ref("Task")},
                                     params=[_query("mine", "boolean"), _query("role"), _query("procedure"),
                                             _query("due_before"), _query("overdue", "boolean")],
                                     errors=(403, 422))},
        "/api/v1/tasks/{id}": {"get": _op("Một công việc, kèm biểu mẫu và tóm tắt hồ sơ", response=_ref("Task"),
                                          errors=(403, 404), params=task_id)},
        "/api/v1/tasks/{id}/claim": {"post": _op("Nhận công việc", response=_ref("Task"),
                                                 errors=(403, 404, 409), params=task_id)},
        "/api/v1/tasks/{id}/release": {"post": _op("Trả lại công việc", response=_ref("Task"),
                                                   errors=(403, 404, 409), params=task_id)},
        "/api/v1/tasks/{id}/complete": {"post": _op("Hoàn thành công việc bằng một thao tác",
                                                    request=_ref("Completion"), response=_ref("Dossier"),
                                                    errors=(400, 403, 404, 409, 422), params=task_id)},
    }
    return {"openapi": "3.1.0",
            "info": {"title": "TTHC engine API", "version": "1.0.0",
                     "description": "Hồ sơ thủ tục hành chính: tiếp nhận, xử lý, trả kết quả. Every request: "
                                    "NUL in the path or the query answers 400 invalid_characters; NUL or a lone "
                                    "UTF-16 surrogate in a JSON body answers 422 invalid_characters naming the "
                                    "fields; NaN and Infinity are not JSON (400 malformed_json)."},
            "paths": paths,
            "components": {"schemas": schemas,
                           "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}}}
