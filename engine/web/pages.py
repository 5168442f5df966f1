"""Server-rendered pages. The officers' inbox and the citizens' portal grow here; for now the front page."""
from __future__ import annotations

from flask import Blueprint, render_template_string
from sqlalchemy import select

from ..model import Procedure, ProcedureVersion
from . import db

bp = Blueprint("pages", __name__)

_LAYOUT = """<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }} · Dịch vụ công</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:auto;padding:1rem;line-height:1.5}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ccc;padding:.4rem;text-align:left}
</style></head><body><header><h1>{{ title }}</h1></header><main>{{ body|safe }}</main></body></html>"""

_HOME = """<p>Hệ thống giải quyết thủ tục hành chính: tiếp nhận hồ sơ trực tuyến, xử lý theo quy trình BPMN,
tính hạn theo lịch làm việc.</p>
<h2>Thủ tục đang áp dụng</h2>
<table><thead><tr><th>Mã</th><th>Tên thủ tục</th><th>Phiên bản</th><th>Thời hạn</th><th>Mức độ</th></tr></thead>
<tbody>{% for v in versions %}<tr><td>{{ v.info.code }}</td><td>{{ v.info.name }}</td><td>{{ v.version }}</td>
<td>{{ v.info.duration.value|int }} {{ units[v.info.duration.unit] }}</td>
<td>{{ 'Toàn trình' if v.info.level == 'full_online' else 'Một phần' }}</td></tr>
{% else %}<tr><td colspan="5">Chưa có thủ tục nào được triển khai.</td></tr>{% endfor %}</tbody></table>
<p>Giao diện lập trình (API): <a href="/api/v1/openapi.json">/api/v1/openapi.json</a></p>"""

UNITS = {"working_day": "ngày làm việc", "working_hour": "giờ làm việc", "calendar_day": "ngày"}


def page(title: str, body: str) -> str:
    return render_template_string(_LAYOUT, title=title, body=body)


@bp.get("/")
def home():
    versions = db().scalars(select(ProcedureVersion)
                            .join(Procedure, Procedure.latest_version_id == ProcedureVersion.id)
                            .order_by(Procedure.code))
    body = render_template_string(_HOME, versions=list(versions), units=UNITS)
    return page("Dịch vụ công trực tuyến", body)


ERROR_TEXT = {404: "Không tìm thấy trang", 403: "Không có quyền truy cập", 405: "Thao tác không được hỗ trợ",
              413: "Dữ liệu gửi lên quá lớn", 500: "Lỗi hệ thống, thao tác chưa được thực hiện"}


def error_page(status: int) -> str:
    return page(ERROR_TEXT.get(status, "Yêu cầu không hợp lệ"), '<p><a href="/">Về trang chủ</a></p>')
