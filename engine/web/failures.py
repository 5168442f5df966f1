"""What an error means to the client, decided once for both faces: JSON for the API, a page for the site.

``failure_of`` maps every exception a command can end with; ``as_json`` renders the API's answer, and
engine.web.ui.as_page the site's.
Database contention is recognised by the driver's error code (SQLite's busy/locked, PostgreSQL's
serialization failure, deadlock and lock-not-available), not by reading its message.
"""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field

from flask import jsonify, request
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from engine.core.errors import EngineError
from engine.data.db import is_contention

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Failure:
    """The answer to an error: HTTP status, API code and message; ``for_people``: the message is the engine's
    own words about this case (an EngineError), which pages show instead of the status's generic words."""

    status: int
    code: str | None = None
    message: str | None = None
    fields: dict | None = None
    rule: str | None = None
    problems: list | None = None
    for_people: bool = False
    headers: dict = field(default_factory=dict)


def failure_of(exc: BaseException) -> Failure:
    if isinstance(exc, EngineError):
        problems = getattr(exc, "problems", None)
        return Failure(exc.status, exc.code, exc.message, exc.fields, exc.rule,
                       [p.as_dict() for p in problems] if problems else None, for_people=True,
                       headers=_told_headers(exc))
    if isinstance(exc, StaleDataError):
        return Failure(409, "stale", "Hồ sơ vừa được người khác cập nhật; vui lòng tải lại")
    if isinstance(exc, IntegrityError):  # two commands wrote the same unique thing at once: the later one lost
        log.warning("integrity conflict: %s", exc)
        return Failure(409, "conflict", "Dữ liệu vừa được thay đổi cùng lúc; vui lòng tải lại và thử lại")
    if isinstance(exc, DataError):  # a value the database refuses (a safety net: requests are checked before)
        log.warning("value refused by the database: %s", exc)
        return Failure(422, "invalid_value", "Dữ liệu có giá trị cơ sở dữ liệu không chấp nhận")
    if isinstance(exc, OperationalError) and is_contention(exc):
        return Failure(409, "busy", "Hồ sơ đang được xử lý bởi người khác; vui lòng thử lại")
    if isinstance(exc, HTTPException):
        # Raised by Werkzeug before a view runs. A route for the path but not for the method: 405 with the
        # ``Allow`` header listing the methods the path has (RFC 9110 §15.5.6), never a 404 that would hide them.
        headers = {}
        if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
            headers["Allow"] = ", ".join(sorted(exc.valid_methods))
        code = message = None
        if exc.code == 404 and request.url_rule is None:
            code, message = "no_such_endpoint", "Không có địa chỉ API này"  # said by the API only
        return Failure(exc.code or 500, code, message, headers=headers)
    log.error("unexpected error", exc_info=exc)
    return Failure(500)


def _told_headers(exc: EngineError) -> dict:
    """What HTTP says beside a refusal: when to try again after a limit (``until``: Retry-After, RFC 9110 §10.2.3,
    in seconds) and how to authenticate on a 401 (WWW-Authenticate: the API's bearer tokens, RFC 6750)."""
    headers = {}
    until = getattr(exc, "until", None)
    if exc.status == 429 and until is not None:
        from . import now
        headers["Retry-After"] = str(max(1, math.ceil((until - now()).total_seconds())))
    if exc.status == 401 and request.path.startswith("/api/"):
        headers["WWW-Authenticate"] = 'Bearer realm="tthc"'
    return headers


def as_json(failure: Failure):
    from . import error_body
    body = error_body(failure.status, failure.code, failure.message, failure.fields, rule=failure.rule,
                      problems=failure.problems)
    return jsonify(body), failure.status, failure.headers
