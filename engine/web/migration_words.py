"""Why a dossier was not moved to another version of its procedure (engine.cases.migration's reasons and the
workflow's, engine.process.specmigration), as an English page says them; a Vietnamese page shows them as the
engine wrote them. Written as the engine writes them, ``{name}`` for a part that changes (``%(name)s`` in the
English text); a reason of a subprocess starts with its name ("quy trình con 'x': "), said apart."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

from .field_messages import on_english_page, template_regex

REASONS = {
    "hồ sơ đã kết thúc": _l("hồ sơ đã kết thúc"),
    "chỉ chuyển sang phiên bản mới hơn phiên bản {current} hồ sơ đang theo":
        _l("chỉ chuyển sang phiên bản mới hơn phiên bản %(current)s hồ sơ đang theo"),
    "phiên bản {n} không đang áp dụng": _l("phiên bản %(n)s không đang áp dụng"),
    "thời hạn giải quyết của phiên bản {n} khác thời hạn đã hẹn khi tiếp nhận hồ sơ theo phiên bản {m}":
        _l("thời hạn giải quyết của phiên bản %(n)s khác thời hạn đã hẹn khi tiếp nhận hồ sơ theo phiên bản %(m)s"),
    "cách tính lại thời hạn khi công dân bổ sung hồ sơ của phiên bản {n} khác cách đã áp dụng khi tiếp nhận hồ sơ "
    "theo phiên bản {m}": _l("cách tính lại thời hạn khi công dân bổ sung hồ sơ của phiên bản %(n)s khác cách đã áp "
                             "dụng khi tiếp nhận hồ sơ theo phiên bản %(m)s"),
    "thời hạn của các bước xử lý trong phiên bản {n} khác thời hạn đã áp dụng khi tiếp nhận hồ sơ theo phiên bản {m}":
        _l("thời hạn của các bước xử lý trong phiên bản %(n)s khác thời hạn đã áp dụng khi tiếp nhận hồ sơ theo "
           "phiên bản %(m)s"),
    "phí, lệ phí của phiên bản {n} khác phí, lệ phí đã áp dụng cho hồ sơ theo phiên bản {m}":
        _l("phí, lệ phí của phiên bản %(n)s khác phí, lệ phí đã áp dụng cho hồ sơ theo phiên bản %(m)s"),
    "tờ khai của hồ sơ không đủ để tính phí, lệ phí của phiên bản {n}: {why} (trường: {field})":
        _l("tờ khai của hồ sơ không đủ để tính phí, lệ phí của phiên bản %(n)s: %(why)s (trường: %(field)s)"),
    "tờ khai của hồ sơ không đáp ứng biểu mẫu nộp của phiên bản {n} (trường: {fields})":
        _l("tờ khai của hồ sơ không đáp ứng biểu mẫu nộp của phiên bản %(n)s (trường: %(fields)s)"),
    # the workflow's (engine.process.specmigration): a step by its state, then the changes of an open one
    "bước '{step}' đã thực hiện nhưng không còn trong phiên bản mới":
        _l("bước '%(step)s' đã thực hiện nhưng không còn trong phiên bản mới"),
    "bước '{step}' đang chờ xử lý nhưng không còn trong phiên bản mới":
        _l("bước '%(step)s' đang chờ xử lý nhưng không còn trong phiên bản mới"),
    "bước '{step}' đang chờ nhưng không còn trong phiên bản mới":
        _l("bước '%(step)s' đang chờ nhưng không còn trong phiên bản mới"),
    "bước '{step}' đang chạy nhưng không còn trong phiên bản mới":
        _l("bước '%(step)s' đang chạy nhưng không còn trong phiên bản mới"),
    "bước '{step}' đang lỗi nhưng không còn trong phiên bản mới":
        _l("bước '%(step)s' đang lỗi nhưng không còn trong phiên bản mới"),
    "bước '{step}' đã hủy nhưng không còn trong phiên bản mới":
        _l("bước '%(step)s' đã hủy nhưng không còn trong phiên bản mới"),
    "bước '{step}' đã có nhưng không còn trong phiên bản mới":
        _l("bước '%(step)s' đã có nhưng không còn trong phiên bản mới"),
    "bước '{step}' đang mở có mã khác trong phiên bản mới ({old} → {new})":
        _l("bước '%(step)s' đang mở có mã khác trong phiên bản mới (%(old)s → %(new)s)"),
    "bước '{step}' đang mở đổi loại bước ({old} → {new})":
        _l("bước '%(step)s' đang mở đổi loại bước (%(old)s → %(new)s)"),
    "bước '{step}' đang mở đổi loại ({old} → {new})": _l("bước '%(step)s' đang mở đổi loại (%(old)s → %(new)s)"),
    "hẹn giờ hoặc sự kiện '{step}' đang chờ đã thay đổi (không thể đặt lại mà không đổi hạn đã báo)":
        _l("hẹn giờ hoặc sự kiện '%(step)s' đang chờ đã thay đổi (không thể đặt lại mà không đổi hạn đã báo)"),
    "quy trình con '{sub}' đang chạy không còn trong phiên bản mới":
        _l("quy trình con '%(sub)s' đang chạy không còn trong phiên bản mới"),
}
SUBPROCESS = _l("quy trình con '%(sub)s': %(reason)s")
_SUBPROCESS = re.compile(r"quy trình con '(?P<sub>[^']+)': (?P<reason>.+)\Z", re.S)
_PATTERNS = [(template_regex(template), text) for template, text in REASONS.items()]


def _english(reason: str) -> str | None:
    for regex, text in _PATTERNS:
        found = regex.match(reason)
        if found:
            return str(text) % found.groupdict()
    part = _SUBPROCESS.match(reason)
    if part is not None:
        said = _english(part["reason"])
        return None if said is None else str(SUBPROCESS) % {"sub": part["sub"], "reason": said}
    return None


def reason_text(reason: str) -> str:
    """The reason in the page's language: as written on a Vietnamese page, and on an English one when the table
    does not know it (never dropped)."""
    if not reason or not on_english_page():
        return reason
    said = _english(str(reason))
    return reason if said is None else said
