"""The Flask application: factory, per-request database session, and the one place errors become HTTP."""
from __future__ import annotations

import logging
import re
from functools import wraps

from flask import Flask, current_app, g, jsonify, request
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from engine.core.clock import Clock, SystemClock
from engine.data.db import make_engine, make_sessionmaker
from engine.core.errors import BadRequest, EngineError
from engine.core.settings import Settings, load_settings, with_secrets

log = logging.getLogger(__name__)

HTTP_MESSAGES = {
    400: ("bad_request", "Yêu cầu không hợp lệ"),
    401: ("unauthorized", "Cần đăng nhập"),
    403: ("forbidden", "Không có quyền"),
    404: ("not_found", "Không tìm thấy"),
    405: ("method_not_allowed", "Phương thức không được hỗ trợ"),
    409: ("conflict", "Xung đột dữ liệu, vui lòng tải lại và thử lại"),
    413: ("too_large", "Dữ liệu gửi lên quá lớn"),
    415: ("unsupported_media_type", "Kiểu dữ liệu không được hỗ trợ"),
    422: ("invalid", "Dữ liệu không hợp lệ"),
    500: ("internal_error", "Lỗi hệ thống; thao tác chưa được thực hiện, vui lòng thử lại"),
}


def error_body(status: int, code: str | None = None, message: str | None = None, fields=None, **extra) -> dict:
    default_code, default_message = HTTP_MESSAGES.get(status, ("error", "Lỗi"))
    body = {"code": code or default_code, "message": message or default_message, "fields": fields or {}}
    body.update({k: v for k, v in extra.items() if v is not None})
    return {"error": body}


# Text no database stores and no person types: NUL (PostgreSQL refuses it) and lone UTF-16 surrogates (JSON
# escapes such as "\ud800"; UTF-8 cannot encode them). Refused in every path and query (_refuse_bad_text) and
# in every JSON body (api.body, naming the fields).
BAD_TEXT = re.compile("[\x00\ud800-\udfff]")
SANE_YEARS = (1900, 2999)  # dates and times accepted from a request (farther ones overflow time arithmetic)
ASCII_NUMBER = re.compile(r"[0-9]{1,9}\Z")  # a number typed in a form or a query ('²'.isdigit() is True)


def bad_text(value) -> list[str]:
    """The dotted paths of the strings in ``value`` (JSON-like) that hold NUL or a lone surrogate, keys included
    (a loop, not a recursion: JSON may nest as deep as the parser allowed)."""
    found, pending = [], [("", value)]
    while pending:
        path, item = pending.pop()
        if isinstance(item, str):
            if BAD_TEXT.search(item):
                found.append(path)
        elif isinstance(item, dict):
            for key, sub in item.items():
                name = f"{path}.{key}" if path else str(key)
                if BAD_TEXT.search(str(key)):
                    found.append(path)
                pending.append((name, sub))
        elif isinstance(item, list):
            pending.extend((f"{path}.{i}" if path else str(i), sub) for i, sub in enumerate(item))
    return sorted(set(found))


def _refuse_bad_text() -> None:
    """Before every request: the path and the query must not hold NUL (posted forms and JSON bodies are
    checked field by field where they are read, so that the answer names the field)."""
    if any(BAD_TEXT.search(t) for t in (request.path, *request.args.keys(), *request.args.values())):
        raise BadRequest("Địa chỉ yêu cầu chứa ký tự không hợp lệ (NUL)", code="invalid_characters")


def _refuse_oversized_body() -> None:
    """Before every request: a body announced (Content-Length) larger than max_request_bytes is refused before
    any of it is read, login or not (MAX_CONTENT_LENGTH alone refuses only when a view first reads the body).
    `tthc serve` also gives waitress the same limit, so that it stops reading such a body at the headers."""
    length = request.content_length
    if length is not None and length > tthc()["settings"].max_request_bytes:
        raise RequestEntityTooLarge()


class DatabaseInt(IntegerConverter):
    """`<int:...>` ids fit the database's integer; a larger number is a 404, not an overflow."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def create_app(settings: Settings | None = None, clock: Clock | None = None, *, threads: int | None = None) -> Flask:
    """The web application; ``threads``: how many requests the server runs at once (the pool of database
    connections is sized for them)."""
    settings = settings or load_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    settings = with_secrets(settings)
    app = Flask(__name__)
    if settings.proxy_hops:  # the client address and scheme as the trusted proxies saw them (config/default.toml)
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.proxy_hops, x_proto=settings.proxy_hops)
    app.url_map.converters["int"] = DatabaseInt
    app.config.update(SECRET_KEY=settings.session_secret, MAX_CONTENT_LENGTH=settings.max_request_bytes,
                      SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax")
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    pool = {} if threads is None else {"pool_size": threads + 2, "max_overflow": 0}
    engine = make_engine(settings.resolved_database_url, **pool)
    app.extensions["tthc"] = {"settings": settings, "engine": engine, "sessions": make_sessionmaker(engine),
                              "clock": clock or SystemClock()}

    from . import api, auth, headers, inbox, pages, portal, records, ui
    app.before_request(_refuse_oversized_body)
    app.before_request(_refuse_bad_text)
    headers.init_app(app)  # CSP, no-store, HSTS
    app.register_blueprint(api.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(portal.bp)
    app.register_blueprint(inbox.bp)
    app.register_blueprint(records.bp)
    ui.init_app(app, exempt=api.bp)  # Babel, CSRF (the bearer-token API is exempt), session cookie
    _register_errors(app)

    @app.teardown_request
    def _close_session(_exc):
        session = g.pop("db", None)
        if session is not None:
            session.close()

    return app


def tthc() -> dict:
    return current_app.extensions["tthc"]


def db():
    """The request's session (opened on first use, closed at teardown)."""
    if "db" not in g:
        g.db = tthc()["sessions"]()
    return g.db


def now():
    return tthc()["clock"].now()


def transactional(view):
    """One transaction per command: commit on success, roll back on any error."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        session = db()
        try:
            result = view(*args, **kwargs)
            session.commit()
            return result
        except BaseException:
            session.rollback()
            raise

    return wrapper


def _register_errors(app: Flask) -> None:
    def wants_json() -> bool:
        return request.path.startswith("/api/")

    @app.errorhandler(EngineError)
    def engine_error(exc: EngineError):
        extra = {"rule": exc.rule}
        problems = getattr(exc, "problems", None)
        if problems:
            extra["problems"] = [p.as_dict() for p in problems]
        return jsonify(error_body(exc.status, exc.code, exc.message, exc.fields, **extra)), exc.status

    @app.errorhandler(DataError)
    def data_error(_exc):  # a value the database refuses (a safety net: requests are checked before)
        log.warning("value refused by the database: %s", _exc)
        return jsonify(error_body(422, "invalid_value", "Dữ liệu có giá trị cơ sở dữ liệu không chấp nhận")), 422

    @app.errorhandler(StaleDataError)
    def stale(_exc):
        return jsonify(error_body(409, "stale", "Hồ sơ vừa được người khác cập nhật; vui lòng tải lại")), 409

    @app.errorhandler(OperationalError)
    def operational(exc):
        if "locked" in str(exc).lower() or "could not serialize" in str(exc).lower():
            return jsonify(error_body(409, "busy", "Hồ sơ đang được xử lý bởi người khác; vui lòng thử lại")), 409
        log.exception("database error")
        return jsonify(error_body(500)), 500

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        """Errors Werkzeug raises before a view runs. No route for the path: 404 (``no_such_endpoint`` in the
        API); a route for the path but not for the method: 405 with the ``Allow`` header listing the methods
        the path has (RFC 9110 §15.5.6), never a 404 that would hide them."""
        status = exc.code or 500
        headers = {}
        if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
            headers["Allow"] = ", ".join(sorted(exc.valid_methods))
        if wants_json():
            code = message = None
            if status == 404 and request.url_rule is None:
                code, message = "no_such_endpoint", "Không có địa chỉ API này"
            return jsonify(error_body(status, code, message)), status, headers
        from .pages import error_page
        return error_page(status), status, headers

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unexpected error")
        if wants_json():
            return jsonify(error_body(500)), 500
        from .pages import error_page
        return error_page(500), 500
