"""The OpenAPI description of the reports' routes (api.md "Reports"; engine/web/reports.py), beside openapi.py."""
from __future__ import annotations

from .openapi_blocks import FLAG, _op, _query, text


def report_paths(day: dict) -> dict:
    """api.md "Reports": leaders and administrators of the agency (the province's administrator: any agency)."""
    period = [{**_query("from", day, "Từ ngày (bắt buộc)"), "required": True},
              {**_query("to", day, "Đến ngày (bắt buộc; không trước 'from'; giới hạn report_max_days ngày)"),
               "required": True},
              _query("agency", text(maxLength=35), "Mã định danh cơ quan (mặc định: cơ quan của người gọi)"),
              _query("subtree", FLAG,
                     "Cùng các đơn vị trực thuộc cơ quan 'agency' mà người gọi được xem (mỗi đơn vị một dòng)")]
    procedure = _query("procedure", text(maxLength=20), "Mã thủ tục")
    rules = {"from": "không sau 'to'", "to": "khoảng thời gian tối đa report_max_days ngày",
             "agency": "một cơ quan đã có", "procedure": "một thủ tục đã có", "subtree": "true, false, 1 hoặc 0"}
    report = {"type": "object", "required": ["from", "to", "generated_at"]}
    return {
        "/api/v1/reports/statistics": {"get": _op(
            "Thống kê giải quyết hồ sơ theo cơ quan, thủ tục hoặc tháng: JSON, CSV hoặc XLSX",
            errors=(403, 503), rules=rules,
            params=period + [procedure,
                             _query("group_by", {"enum": ["agency", "procedure", "month"], "default": "agency"},
                                    "Nhóm theo"),
                             _query("format", {"enum": ["json", "csv", "xlsx"], "default": "json"}, "Định dạng")],
            ok_content={"application/json": {"schema": {**report, "properties": {
                            "counters": {"type": "array", "items": {"type": "string"}},
                            "rows": {"type": "array", "items": {"type": "object"}},
                            "total": {"type": "object"}}}},
                        "text/csv": {},
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}})},
        "/api/v1/reports/indicators": {"get": _op(
            "Chỉ số Quyết định 766/QĐ-TTg với công thức và số liệu đầu vào", errors=(403, 503), params=period,
            rules={k: v for k, v in rules.items() if k != "procedure"},
            response={**report, "properties": {"indicators": {"type": "array", "items": {"type": "object"}}}})},
        "/api/v1/reports/step-times": {"get": _op(
            "Thời gian theo từng bước xử lý của thủ tục; các bước thường quá hạn", errors=(403, 503),
            params=period + [procedure], rules=rules,
            response={**report, "properties": {"steps": {"type": "array", "items": {"type": "object"}},
                                               "most_often_late": {"type": "array", "items": {"type": "object"}}}})},
        "/api/v1/reports/form": {"get": _op(
            "Biểu mẫu báo cáo tình hình, kết quả giải quyết TTHC (XLSX hoặc PDF), theo cơ quan hoặc thủ tục",
            errors=(403, 503), rules=rules,
            params=period + [procedure,
                             _query("group_by", {"enum": ["agency", "procedure", "month"], "default": "agency"},
                                    "Một dòng cho mỗi cơ quan hoặc thủ tục (month: như agency)"),
                             _query("format", {"enum": ["xlsx", "pdf"], "default": "xlsx"}, "Định dạng tệp")],
            ok_content={"application/pdf": {},
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}})},
    }
