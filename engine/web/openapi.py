"""The OpenAPI 3.1 description of JSON API v1, served at /api/v1/openapi.json.

It is a contract both ways: every status a route can answer is listed, and every request schema says what the
server enforces (types, required fields, ranges, lengths, patterns), so that a request the schema accepts is
not refused for its shape and a request it refuses is refused by the server too. tests/test_openapi_contract.py
holds the server to it with schemathesis.
"""
from __future__ import annotations

from engine.data.model import OFFICER_ROLES
from engine.law.statuses import Status
from engine.cases.inbox import CURSOR_PATTERN, FILED_CURSOR_PATTERN, SORTS as INBOX_SORTS
from engine.cases.steps.catalogue import OFFICER_ACTIONS, OFFICER_STEPS
from . import (openapi_admin, openapi_calendar, openapi_citizens, openapi_notices, openapi_offers,
               openapi_ops, openapi_reports, openapi_signing, openapi_versions)
from .openapi_blocks import (
    ANY_CONTROL, CCCD, COMMON_RULES, CONTROL, DATE, DOSSIER_CODE, EMAIL, FLAG, HIDDEN_RULE, IDEMPOTENCY_KEY, NAME,
    NAME_RULE, NUL, PROCEDURE_CODE, REUSED_KEY, _any_json, _object, _op, _or_null, _path_param, _query, _ref, text)

RESULT_AT_DESK = ("D23: thủ tục khai báo kết quả không trả được trực tuyến hoặc qua bưu chính (level.onlineResult "
                  "false): kết quả chỉ trao trực tiếp tại cơ quan (desk, mặc định); online, post bị từ chối "
                  "(field return_channel); mức độ không đổi")


def _schemas() -> dict:
    time = {"type": ["string", "null"], "format": "date-time"}
    obj = {"type": "object"}
    form = _object({}, other="FormJson", description="Theo form_schema của thủ tục (422 invalid_form)")
    return {
        "Error": {"type": "object", "required": ["error"], "properties": {"error": {
            "type": "object", "required": ["code", "message", "fields"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                           "fields": {"type": "object", "additionalProperties": {"type": "string"}},
                           "rule": {"type": "string"},
                           "problems": {"type": "array", "items": {"type": "object", "properties": {
                               "file": {"type": "string"}, "element": {"type": "string"},
                               "line": {"type": ["integer", "null"]}, "message": {"type": "string"}}}}}}}},
        "Json": _any_json("Json", NUL),
        "FormJson": _any_json("FormJson", CONTROL),
        "Credentials": _object({"username": text(description="Số CCCD với công dân"), "password": text()},
                               ("username", "password")),
        "Token": {"type": "object", "required": ["token", "expires_at", "roles"], "properties": {
            "token": {"type": "string"}, "expires_at": time, "roles": {"type": "array", "items": {"type": "string"}}}},
        "Citizen": _object({
            "full_name": text(NAME), "cccd": text(CCCD),
            "cccd_issued_on": text(DATE, format="date", description="Không ở tương lai (422)"),
            "phone": text("^(0|\\+84)[0-9]{9,10}$"),
            "email": _or_null(text(EMAIL, maxLength=255)),
            "password": text(refused=ANY_CONTROL, minLength=8)},
            ("full_name", "cccd", "cccd_issued_on", "phone", "password")),
        "Registered": {"type": "object", "required": ["username", "full_name", "standardised"], "properties": {
            "username": {"type": "string"}, "full_name": {"type": "string"}, "standardised": {"type": "boolean"}}},
        "Procedure": {"type": "object", "required": ["code", "name", "version", "agency", "level", "duration"],
                      "properties": {
            "code": {"type": "string"}, "name": {"type": "string"}, "version": {"type": "integer"},
            "agency": {"type": "string"}, "agency_name": {"type": "string"},
            "level": {"enum": ["full_online", "partial_online"]},
            "level_reasons": {"type": "array", "items": {"type": "string"}},
            "levels_by_agency": {"type": "array", "description": (
                "Mức độ dịch vụ (D27) tại từng cơ quan tiếp nhận thủ tục (D29), theo phương tiện của cơ quan đó "
                "(cổng thanh toán); level, level_reasons là của cơ quan công bố. Chỉ có ở GET /procedures/{code} "
                "(danh sách và ?agency= không có; level ở ?agency= đã là của cơ quan được hỏi); fees: phí, lệ phí "
                "theo mức của cơ quan đó (feeLocal), như fees ở ?agency="),
                "items": {"type": "object", "required": ["agency", "agency_name", "level", "level_reasons"],
                          "properties": {"agency": {"type": "string"}, "agency_name": {"type": "string"},
                                         "level": {"enum": ["full_online", "partial_online"]},
                                         "level_reasons": {"type": "array", "items": {"type": "string"}},
                                         "fees": {"type": "array", "items": {"type": "object"}}}}},
            "duration": {"type": "object", "properties": {
                "value": {"type": "number"},
                "unit": {"enum": ["working_day", "working_hour", "calendar_day", "same_day"]}}},
            "clock_on_supplement": {"enum": ["restart", "pause"]},
            "fees": {"type": "array", "items": obj}, "components": {"type": "array", "items": obj},
            "filed_by": {"enum": ["applicant", "handover"],
                         "description": "D33: handover = chỉ nhận hồ sơ liên thông từ cơ quan khác (422 handover_only)"},
            "form_schema": obj}},
        "Deployed": {"type": "object", "required": ["code", "version", "changed"], "properties": {
            "code": {"type": "string"}, "version": {"type": "integer"}, "changed": {"type": "boolean"}}},
        "NewDossier": _object({
            "procedure": text(minLength=1), "form": form,
            "owner": _object({"full_name": text(NAME),
                              "birth_date": text(DATE, format="date", description="Không ở tương lai (422)"),
                              "cccd": text(CCCD)}, ("full_name", "birth_date", "cccd"),
                             description="Bắt buộc khi cán bộ nộp thay (422)"),
            "channel": {"enum": ["online", "desk", "post", None],
                        "description": "Mặc định: online (công dân), desk (cán bộ)"},
            "return_channel": {"enum": ["online", "post", "desk", None],
                               "description": "D23: cách nhận kết quả; mặc định: như kênh nộp"},
            "return_address": _or_null(text(minLength=10, maxLength=500,
                                            description="Bắt buộc khi return_channel là post (422)"))},
            ("procedure", "form")),
        "Document": {"type": "object", "required": ["id", "kind", "name", "media_type", "size", "url"],
                     "properties": {"id": {"type": "integer"}, "kind": {"type": "string"},
                                    "name": {"type": "string"}, "media_type": {"type": "string"},
                                    "size": {"type": "integer"}, "sha256": {"type": "string"},
                                    "signatures": {"type": "array", "items": obj}, "url": {"type": "string"},
                                    "state": {"enum": ["pending_signature", "signed", "replaced", "withdrawn", None]},
                                    "replaces": {"type": ["integer", "null"]},
                                    "replaced_by": {"type": ["integer", "null"]}}},
        "Dossier": {"type": "object", "required": ["code", "procedure", "procedure_version", "status",
                                                   "status_name", "filed_at", "letters", "documents", "history"],
                    "properties": {
            "code": {"type": "string"}, "procedure": {"type": "string"}, "procedure_version": {"type": "integer"},
            "status": {"type": "integer", "enum": [int(s) for s in Status]}, "status_name": {"type": "string"},
            "filed_at": time, "intake_due_at": time, "received_at": time, "due_at": time,
            "original_due_at": time, "returned_at": time, "late": {"type": ["boolean", "null"]}, "suspended_at": time,
            "supplement_requests": {"type": "integer"}, "extensions": {"type": "integer"},
            "return_channel": {"enum": ["online", "post", "desk"]}, "return_address": {"type": ["string", "null"]},
            "letters": {"type": "array", "items": obj},
            "payments": {"type": "array", "items": _ref("Payment")},
            "documents": {"type": "array", "items": _ref("Document")},
            "history": {"type": "array", "items": {"type": "object", "properties": {
                "at": time, "actor": {"type": ["string", "null"]}, "action": {"type": "string"},
                "status": {"type": ["integer", "null"]}, "step": {"type": ["string", "null"]},
                "system": {"type": "boolean", "description": "the engine's own event, no person acted"}}}}}},
        "ReturnChoice": _object({
            "return_channel": {"enum": ["online", "post", "desk"]},
            "return_address": _or_null(text(minLength=10, maxLength=500,
                                            description="Bắt buộc khi return_channel là post (422)"))},
            ("return_channel",)),
        "Supplement": _object({"form": form, "note": _or_null(text(maxLength=4000))}, ("form",)),
        "Reuse": _object({"reuse": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}, "component": text()},
                         ("reuse", "component")),
        "Ending": _object({"reason": text(refused=CONTROL, minLength=3, maxLength=2000)}, ("reason",), closed=True),
        "Reissue": _object({"reason": text(refused=CONTROL, minLength=3, maxLength=2000),
                            "number": text(refused=CONTROL, minLength=1, maxLength=60,
                                           description="Số văn bản mới; mặc định: số kế tiếp của sổ kết quả"),
                            "form": {"type": "object", "description": "Tờ khai đã đính chính (thay dữ liệu hồ sơ)"}},
                           ("reason",), closed=True),
        "Letter": _object({"kind": {"enum": ["overdue"]},  # a reason not blank (D20), of any length
                           "reason": text("\\S", refused=CONTROL, minLength=1, maxLength=4000)},
                          ("kind", "reason"), closed=True),
        "Task": {"type": "object", "required": ["id", "dossier", "step", "name", "role", "assignee", "due_at",
                                                "actions"], "properties": {
            "id": {"type": "integer"}, "dossier": {"type": "string"},
            "step": {"enum": list(OFFICER_STEPS)}, "name": {"type": "string"},
            "role": {"type": "string"}, "assignee": {"type": ["string", "null"]}, "due_at": time,
            "actions": {"type": "array", "items": {"type": "string"},
                        "description": "Các thao tác hoàn thành được lúc này; rỗng khi hồ sơ đang tạm dừng"},
            "suspended": {"type": "boolean", "description": "Hồ sơ đang bị quản trị viên tạm dừng"},
            "action_schemas": {"type": "object", "additionalProperties": obj,
                               "description": "GET /tasks/{id}: JSON Schema của data cho từng thao tác (reasons của "
                                              "refuse, items của request_supplement...; các thao tác khác: form_schema)"}}},
        "Payment": {"type": "object", "required": ["id", "fee", "amount", "status", "method", "paid_at", "receipt"],
                    "properties": {
            "id": {"type": "integer"}, "fee": {"type": "string"}, "amount": {"type": "integer", "minimum": 0},
            "status": {"enum": ["pending", "paid", "failed", "refunded", "exempted"]},
            "method": {"enum": ["online", "cash", "card", None]}, "paid_at": time,
            "receipt": {"type": ["integer", "null"], "description": "Mã tài liệu biên lai điện tử"},
            "receipt_url": {"type": "string"},
            "moment": {"enum": ["filing", "intake", "before_result"]},
            "exempt_reason": {"type": ["string", "null"]},
            "refund": {"type": ["object", "null"], "required": ["amount", "reason", "at"],
                       "description": "Khoản tiền phải hoàn trả cho người nộp (hồ sơ kết thúc sau khi đã nộp, hoặc "
                                      "cổng thanh toán thu hai lần): Bộ phận tiếp nhận hoàn trả",
                       "properties": {"amount": {"type": "integer", "minimum": 0}, "reason": {"type": "string"},
                                      "at": time, "given_at": time, "given_note": {"type": ["string", "null"]}}}}},
        "PaymentStart": _object({}, description="Khoản phí đang chờ thanh toán của hồ sơ; không có tham số"),
        "PaymentStarted": {"type": "object", "required": ["id", "redirect_url"], "properties": {
            "id": {"type": "integer"}, "redirect_url": {"type": "string", "format": "uri"}}},
        "DeskPayment": _object({"amount": {"type": "integer", "minimum": 1, "maximum": 10**12,
                                           "description": "Đúng số tiền đang chờ thanh toán (422 wrong_amount)"},
                                "method": {"enum": ["cash", "card"]}}, ("amount", "method"), closed=True),
        "RefundGiven": _object({"note": text(refused=CONTROL, minLength=3, maxLength=500)}, ("note",), closed=True),
        "Exemption": _object({"reason": text(refused=CONTROL, minLength=3, maxLength=2000)}, ("reason",), closed=True),
        "GatewayAnswer": {"oneOf": [
            {"type": "object", "required": ["RspCode", "Message"], "additionalProperties": False, "properties": {
                "RspCode": {"enum": ["00", "01", "02", "04", "97", "99"]}, "Message": {"type": "string"}}},
            {"type": "object", "required": ["MaLoi", "MoTa"], "additionalProperties": False, "properties": {
                "MaLoi": {"enum": ["00", "01", "02", "04", "97", "99"]}, "MoTa": {"type": "string"}}}]},
        "Completion": _object({
            "action": {"enum": list(OFFICER_ACTIONS)},
            "data": {"anyOf": [{"type": "null"}, _object({}, other="FormJson")],
                     "description": "Theo thao tác và biểu mẫu của bước (422)"}}, ("action",)),
        **openapi_signing.schemas(), **openapi_admin.schemas(), **openapi_versions.schemas(), **openapi_ops.schemas(),
    }


def _paged(op: dict) -> dict:
    """``op`` whose 200 may carry the next page's address in a Link header (RFC 8288)."""
    op["responses"]["200"]["headers"] = {"Link": {"description": "<...>; rel=\"next\" khi còn trang sau",
                                                  "schema": {"type": "string"}}}
    return op


def _paths() -> dict:

    code = [_path_param("code", text(DOSSIER_CODE))]
    procedure = [_path_param("code", text(PROCEDURE_CODE))]
    task_id = [_path_param("id", {"type": "integer", "minimum": 0, "maximum": 2**31 - 1})]
    day = {"type": "string", "format": "date", "pattern": DATE}
    binary = {"type": "string", "format": "binary"}
    return {
        "/api/v1/openapi.json": {"get": _op("Mô tả OpenAPI của API này", auth=False, response={"type": "object"})},
        "/api/v1/auth/token": {"post": _op("Đăng nhập, nhận token", auth=False, response=_ref("Token"),
                                            request=_ref("Credentials"), errors=(401, 429))},
        "/api/v1/citizens": {"post": _op("Đăng ký tài khoản công dân (theo Nghị định 45/2020/NĐ-CP)", ok=201, auth=False,
                                          request=_ref("Citizen"), response=_ref("Registered"), errors=(409, 429),
                                          rules={"cccd_issued_on": "không ở tương lai", "full_name": NAME_RULE,
                                                 "email": HIDDEN_RULE,
                                                 "password": "không quá dễ đoán: không phải mật khẩu phổ biến "
                                                             "(12345678, password...), ít nhất 3 ký tự khác nhau"})},
        "/api/v1/procedures": {
            "get": _op("Danh mục thủ tục", auth=False, response={"type": "array", "items": _ref("Procedure")}),
            "post": {**_op("Triển khai phiên bản quy trình (multipart: bpmn + biểu mẫu)", ok=201,
                           response=_ref("Deployed"), errors=(400, 403, 413, 415),
                           rules={"invalid_definition": "tệp BPMN hoặc biểu mẫu có lỗi (problems)"}),
                     "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                         "type": "object", "required": ["bpmn"], "properties": {"bpmn": binary}}}}}}},
        "/api/v1/procedures/{code}": {"get": _op("Một thủ tục, kèm biểu mẫu nộp hồ sơ", auth=False,
                                                 response=_ref("Procedure"), errors=(404,), params=procedure)},
        "/api/v1/dossiers": {
            "post": _op("Nộp hồ sơ", ok=201, request=_ref("NewDossier"), response=_ref("Dossier"),
                        errors=(403, 404, 409, 429), params=[IDEMPOTENCY_KEY], rules={
                            "invalid_form": "tờ khai theo form_schema của thủ tục",
                            "owner": "bắt buộc khi cán bộ nộp thay (theo Nghị định 45/2020/NĐ-CP)",
                            "owner.birth_date": "không ở tương lai; D4: khớp ngày sinh đã xác thực của số CCCD (nếu có)",
                            "owner.full_name": "D4: khớp họ tên đã xác thực của số CCCD (của người nộp hoặc của "
                                               "tài khoản đã chuẩn hóa, D3)",
                            "owner_identity_mismatch": "D3, D4: chủ hồ sơ khác danh tính đã xác thực của số CCCD; "
                                                       "công dân nộp thay không được biết họ tên hay ngày sinh sai "
                                                       "(cả hai trường); 5 lần trong 24 giờ: 429 "
                                                       "too_many_owner_mismatches, không nộp thay cho số CCCD đã "
                                                       "xác thực của người khác đến hết 24 giờ đó",
                            "handover_only": "D33: thủ tục chỉ nhận hồ sơ liên thông do cơ quan khác chuyển đến "
                                             "(filed_by handover), không nộp trực tiếp (field procedure)",
                            "channel": "công dân tự nộp: chỉ online (quầy, bưu chính: cán bộ tiếp nhận)",
                            "return_address": "D23: nhận qua bưu chính (return_channel post, hoặc hồ sơ nộp qua "
                                              "bưu chính không ghi return_channel) cần địa chỉ; mặc định: địa chỉ "
                                              "người nộp trong tờ khai",
                            "return_channel": "online, post hoặc desk; return_address chỉ đi cùng post (chọn, hoặc "
                                              "hồ sơ nộp qua bưu chính)",
                            "result_at_desk": RESULT_AT_DESK,
                            **REUSED_KEY}),
            "get": _paged(_op("Hồ sơ người gọi được xem", response={"type": "array", "items": _ref("Dossier")},
                       params=[_query("cccd", text(CCCD), "Số CCCD của chủ hồ sơ (12 chữ số)"),
                               _query("status", {"type": "integer", "minimum": int(min(Status)),
                                                 "maximum": int(max(Status))}, "Trạng thái"),
                               _query("limit", {"type": "integer", "minimum": 1, "maximum": 500, "default": 200},
                                      "Số hồ sơ một trang, nộp mới nhất trước; khi còn trang sau, header Link: "
                                      "<...>; rel=\"next\""),
                               _query("after", {"type": "string", "pattern": FILED_CURSOR_PATTERN},
                                      "Con trỏ trang sau, lấy nguyên văn từ header Link của trang trước")],
                       errors=(422,)))},
        "/api/v1/dossiers/{code}": {"get": _op("Một hồ sơ", response=_ref("Dossier"), errors=(404,), params=code)},
        "/api/v1/dossiers/{code}/supplement": {"post": _op(
            "Công dân bổ sung hồ sơ của mình; hồ sơ nộp tại quầy hoặc qua bưu chính (D5): cán bộ tiếp "
            "nhận của cơ quan nhận hồ sơ ghi nhận hồ sơ bổ sung (403 với hồ sơ trực tuyến)",
            request=_ref("Supplement"), response=_ref("Dossier"), errors=(403, 404, 409),
            params=code + [IDEMPOTENCY_KEY], rules={"invalid_form": "tờ khai theo form_schema của thủ tục", **REUSED_KEY})},
        "/api/v1/dossiers/{code}/documents": {"post": {**_op(
            "Đính kèm giấy tờ: tải lên (multipart: file, component) hoặc dùng lại từ kho ({reuse, component})",
            ok=201, response=_ref("Document"), errors=(403, 404, 409, 413), params=code, rules={
                "component": "một thành phần hồ sơ của thủ tục", "file": "tệp không rỗng, loại được nhận",
                "dossier_not_editable": "409: chỉ đính kèm khi hồ sơ mới nộp, chưa được tiếp nhận (trạng thái 1) "
                                        "hoặc khi có yêu cầu bổ sung đang chờ (trạng thái 5)",
                "too_many_files": "409: hồ sơ đã có 60 tệp đính kèm, số tối đa"}),
            "requestBody": {"required": True, "content": {
                "multipart/form-data": {"schema": {"type": "object", "required": ["file", "component"],
                                                   "properties": {"file": binary, "component": {"type": "string"}}}},
                "application/json": {"schema": _ref("Reuse")}}}}},
        "/api/v1/me/documents": {"get": _paged(_op(
            "Kho giấy tờ điện tử của công dân (kết quả, giấy tờ đã ký số), mới nhất trước",
            response={"type": "array", "items": _ref("Document")}, errors=(403, 422), params=[
                _query("limit", {"type": "integer", "minimum": 1, "maximum": 500, "default": 100},
                       "Số giấy tờ một trang; khi còn trang sau, header Link: <...>; rel=\"next\""),
                _query("before", {"type": "string", "pattern": "^[0-9]{1,9}$"},
                       "Trang sau: các giấy tờ có id nhỏ hơn số này (lấy nguyên văn từ header Link)")]))},
        "/api/v1/dossiers/{code}/withdraw": {"post": _op("Công dân rút hồ sơ (trạng thái 7, thông báo dừng)",
                                                          request=_ref("Ending"), response=_ref("Dossier"),
                                                          errors=(403, 404, 409), params=code)},
        "/api/v1/dossiers/{code}/return-channel": {"post": _op(
            "D23: công dân đổi cách nhận kết quả (đến khi kết quả được trả)", request=_ref("ReturnChoice"),
            response=_ref("Dossier"), errors=(403, 404, 409, 422), params=code,
            rules={"result_at_desk": RESULT_AT_DESK})},
        "/api/v1/dossiers/{code}/stop": {"post": _op("Dừng giải quyết hồ sơ (trạng thái 8, NĐ 118 Điều 21)",
                                                      request=_ref("Ending"), response=_ref("Dossier"),
                                                      errors=(403, 404, 409), params=code)},
        "/api/v1/dossiers/{code}/letters": {"post": _op("Thủ trưởng cơ quan ban hành thư xin lỗi khi quá hạn (theo Điều 22 khoản 7 Quyết định 88/2017/QĐ-UBND)",
                                                        ok=201, response=_ref("Dossier"), request=_ref("Letter"),
                                                        errors=(403, 404, 409), params=code,
                                                        rules={"rule_violation": "D19: hồ sơ chưa quá hạn",
                                                               "new_due_at": "D20: sau hiện tại, trong giờ làm việc của một ngày làm việc"})},
        "/api/v1/dossiers/{code}/results/reissue": {"post": _op(
            "Văn thư cấp lại (đính chính) kết quả: số mới, văn bản cũ được giữ lại và đánh dấu bị thay thế",
            ok=201, response=_ref("Dossier"), request=_ref("Reissue"), errors=(403, 404, 409), params=code,
            rules={"invalid_form": "form (nếu có) theo form_schema của thủ tục",
                   "document_number_mismatch": "D22: number (nếu có) là số tiếp theo của sổ cơ quan giải quyết"})},
        "/api/v1/dossiers/{code}/results/reissue/withdraw": {"post": _op(
            "Văn thư thu hồi (hoặc người phải ký từ chối ký) kết quả cấp lại đang chờ ký số; số văn bản được thu hồi",
            response=_ref("Dossier"), request=_ref("Ending"), errors=(403, 404, 409), params=code)},
        "/api/v1/dossiers/{code}/control-slip": {"get": _op(
            "Phiếu kiểm soát quá trình giải quyết hồ sơ (PDF; cán bộ của cơ quan giải quyết)", errors=(404,),
            params=code, ok_content={"application/pdf": {}})},
        "/api/v1/register": {"get": _op(
            "Sổ theo dõi hồ sơ của cơ quan người gọi (PDF hoặc XLSX; tối đa 366 ngày)", errors=(403,),
            rules={"from": "không sau 'to'", "to": "tối đa 366 ngày sau 'from'"},
            params=[_query("from", day, "Từ ngày (mặc định: đầu tháng của 'to')"),
                    _query("to", day, "Đến ngày (mặc định: hôm nay)"),
                    _query("format", {"enum": ["pdf", "xlsx"], "default": "pdf"}, "Định dạng tệp")],
            ok_content={"application/pdf": {},
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}})},
        **openapi_reports.report_paths(day), **openapi_calendar.calendar_paths(),
        **openapi_ops.paths(code, task_id),
        **openapi_notices.notice_paths(task_id),
        "/api/v1/documents/{id}": {"get": _op("Tải tài liệu của hồ sơ", errors=(404,), params=task_id,
                                              ok_content={"*/*": {}})},
        "/api/v1/dossiers/{code}/payments": {"post": _optional_body(_op(
            "Công dân thanh toán trực tuyến khoản phí đang chờ: địa chỉ trang thanh toán của cổng (không cần nội "
            "dung gửi lên)", ok=201,
            request=_ref("PaymentStart"), response=_ref("PaymentStarted"), errors=(403, 404, 409),
            params=code + [IDEMPOTENCY_KEY], rules=REUSED_KEY))},
        "/api/v1/payments/{gateway}/ipn": {
            method: {**_op("Thông báo kết quả thanh toán của cổng (IPN), trả lời theo định dạng của cổng; chữ ký, số "
                           "tiền, đơn hàng sai hay thông báo lặp lại không thay đổi gì", auth=False,
                           response=_ref("GatewayAnswer"), errors=(404,) if method == "get" else (404, 413, 422),
                           params=[
                               _path_param("gateway", {"enum": ["vnpay", "dvcqg"]})]),
                     **({} if method == "get" else {"requestBody": {"required": False, "content": {
                         "application/x-www-form-urlencoded": {"schema": {"type": "object"}},
                         "application/json": {"schema": {}}}}})}
            for method in ("get", "post")},
        "/api/v1/dossiers/{code}/payments/desk": {"post": _op(
            "Cán bộ tiếp nhận ghi nhận thu phí tại quầy (tiền mặt, thẻ) và cấp biên lai điện tử", ok=201,
            request=_ref("DeskPayment"), response=_ref("Payment"), errors=(403, 404, 409), params=code,
            rules={"wrong_amount": "đúng số tiền đang chờ thanh toán"})},
        "/api/v1/dossiers/{code}/payments/{id}/exempt": {"post": _op(
            "Cán bộ tiếp nhận quyết định miễn khoản phí đang chờ, có lý do", request=_ref("Exemption"),
            response=_ref("Payment"), errors=(403, 404, 409), params=code + task_id)},
        "/api/v1/dossiers/{code}/payments/{id}/refund-given": {"post": _op(
            "Cán bộ tiếp nhận ghi nhận đã hoàn trả khoản tiền phải trả lại của một khoản phí, kèm cách hoàn trả "
            "(một lần; 409 refund_already_given)", request=_ref("RefundGiven"),
            response=_ref("Payment"), errors=(403, 404, 409), params=code + task_id)},
        **openapi_signing.paths(task_id), **openapi_admin.paths(), **openapi_versions.paths(code, procedure),
        "/api/v1/tasks": {"get": _paged(_op(
            "Hộp công việc của cán bộ", response={"type": "array", "items": _ref("Task")}, errors=(403, 422),
            params=[_query("mine", FLAG, "Chỉ việc tôi đã nhận (true/1; false/0)"),
                    _query("role", {"enum": sorted(OFFICER_ROLES)}, "Chỉ việc của một vai trò"),
                    _query("procedure", text(PROCEDURE_CODE), "Mã thủ tục (dạng 1.001612)"),
                    _query("due_before", {"type": "string", "format": "date-time", "pattern": "^(19|2[0-9])"},
                           "Hạn trước thời điểm này (ISO 8601 có múi giờ, năm 1900–2999)"),
                    _query("overdue", FLAG, "Chỉ việc đã quá hạn (true/1; false/0)"),
                    _query("sort", {"enum": sorted(INBOX_SORTS), "default": "due"},
                           "Thứ tự: hạn gần nhất (due) hoặc xa nhất (due_desc) trước, nhận sớm nhất (received) "
                           "hoặc gần nhất (received_desc) trước"),
                    _query("limit", {"type": "integer", "minimum": 1, "maximum": 500, "default": 500},
                           "Số công việc một trang; khi còn trang sau, header Link: <...>; rel=\"next\""),
                    _query("after", {"type": "string", "pattern": CURSOR_PATTERN},
                           "Con trỏ trang sau, lấy nguyên văn từ header Link của trang trước")]))},
        "/api/v1/tasks/{id}": {"get": _op("Một công việc, kèm biểu mẫu và tóm tắt hồ sơ", response=_ref("Task"),
                                          errors=(403, 404, 409), params=task_id)},
        "/api/v1/tasks/{id}/claim": {"post": _op("Nhận công việc", response=_ref("Task"),
                                                 errors=(403, 404, 409), params=task_id)},
        "/api/v1/tasks/{id}/release": {"post": _op("Trả lại công việc", response=_ref("Task"),
                                                   errors=(403, 404, 409), params=task_id)},
        "/api/v1/tasks/{id}/complete": {"post": _op("Hoàn thành công việc bằng một thao tác",
                                                    request=_ref("Completion"), response=_ref("Dossier"),
                                                    errors=(403, 404, 409), params=task_id, rules={
            "action_not_offered": "một thao tác của bước này", "invalid_form": "dữ liệu theo thao tác và biểu mẫu",
            "rule_violation": "một quy tắc pháp lý (rule: D9–D23)",
            "unknown_component": "request_supplement: items[].component là một thành phần hồ sơ của thủ tục (tên hoặc "
                                 "mã; không phân biệt hoa thường, khoảng trắng, dạng Unicode)",
            "hinh_thuc_tra": "D23: như công dân đã chọn (online; buu_chinh đến địa chỉ đã cho), hoặc truc_tiep",
            "so_van_ban": "D22: issue_result ban hành với số đã cấp khi phê duyệt (in trên văn bản đã ký); để trống "
                          "thì dùng số đó, số khác: document_number_mismatch",
            "ngay_ban_hanh": "D22, D34: issue_result ban hành với ngày người có thẩm quyền ký (in trên văn bản đã ký); "
                             "để trống thì dùng ngày đó, ngày khác: document_date_mismatch"})},
    }


def _optional_body(op: dict) -> dict:
    """An operation whose request body may be left out (the server reads one only when it is sent)."""
    return {**op, "requestBody": {**op["requestBody"], "required": False}}


def _desk_repeats(paths: dict) -> dict:
    """The desk's citizen account sent again (engine.web.citizens_api): an Idempotency-Key replays the first
    answer; without one the same citizen's facts are a 409 account_exists."""
    op = paths["/api/v1/citizens/desk"]["post"]
    op["parameters"] = [*op.get("parameters", []), IDEMPOTENCY_KEY]
    refused = op["responses"]["422"]
    refused["description"] += "; " + "; ".join(f"{name}: {why}" for name, why in REUSED_KEY.items())
    refused["x-rules"] = sorted({*refused.get("x-rules", []), *REUSED_KEY})
    op["responses"]["409"]["description"] += (". account_exists: công dân đã có tài khoản đã xác minh với đúng "
                                              "các thông tin này (gửi lại); không tạo, không gửi mã")
    return paths


def spec() -> dict:
    return openapi_offers.extend({"openapi": "3.1.0",
            "info": {"title": "TTHC engine API", "version": "1.0.0",
                     "description": "Hồ sơ thủ tục hành chính: tiếp nhận, xử lý, trả kết quả. " + COMMON_RULES},
            "paths": {**_paths(), **_desk_repeats(openapi_citizens.citizen_paths())},
            "components": {"schemas": {**_schemas(), "Notification": openapi_notices.NOTIFICATION},
                           "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}}})
