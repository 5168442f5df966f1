"""The Flask application: factory, per-request database session, and the one place errors become HTTP."""
from __future__ import annotations

import logging
import re
from contextlib import contextmanager
from functools import wraps

from flask import Flask, current_app, g, request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from engine.core.clock import Clock, SystemClock
from engine.data.db import make_engine, make_sessionmaker
from engine.core.errors import BadRequest
from engine.core.settings import Settings, load_settings, with_secrets

from . import failures

log = logging.getLogger(__name__)

HTTP_MESSAGES = {
    400: ("bad_request", "Yêu cầu không hợp lệ"),
    401: ("unauthorized", "Cần đăng nhập"),
    403: ("forbidden", "Không có quyền"),
    404: ("not_found", "Không tìm thấy"),
    405: ("method_not_allowed", "Phương thức không được hỗ trợ"),
    409: ("conflict", "Xung đột dữ liệu, vui lòng tải lại và thử lại"),
    413: ("too_large", "Dữ liệu gửi lên quá lớn"),
    431: ("headers_too_large", "Phần tiêu đề của yêu cầu quá lớn"),
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
# in every JSON body (apiedge.body, naming the fields).
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
    # The schema must be this code's (Alembic head): a WSGI server started on a database not upgraded yet
    # answered 500 ("no such column") on every dossier. One query now; while the database is behind (or newer,
    # or unreachable now), each request asks again and answers 503 until `tthc db upgrade`: what to do is for the
    # operator (the log, once); a visitor reads only that the system is under maintenance, in their language,
    # and when to try again (Retry-After).
    from sqlalchemy.exc import DBAPIError
    from flask import jsonify, render_template
    from engine.cases import preflight
    schema = {"current": False, "told": False}
    try:
        schema["current"] = preflight.schema_problem(engine) is None
    except DBAPIError:  # unreachable now: asked again at the first request, which tells its error as before
        pass

    def _refuse_unless_schema_current():
        if schema["current"] or (request.endpoint or "").rpartition(".")[2] == "static":
            return None
        problem = preflight.schema_problem(engine)
        if problem is None:
            schema["current"] = True
            return None
        if not schema["told"]:
            schema["told"] = True
            log.warning("refusing requests: %s", problem)
        from flask_babel import gettext as _
        wait = {"Retry-After": "60"}  # a minute: an upgrade takes about that, and a retry costs one query
        message = _("Hệ thống đang bảo trì, vui lòng quay lại sau ít phút.")
        if request.path.startswith("/api/") or ui.asks_for_json():
            return jsonify(error_body(503, preflight.SchemaNotCurrent.code, message)), 503, wait
        return render_template("error.html", status=503, title=_("Hệ thống đang bảo trì"), message=message,
                               rule=None, maintenance=True), 503, wait

    from . import admin_staff, admin_staff_api, officer_codes  # the administration of agencies and officers
    from . import (api, auth, headers, inbox, notices, pages, payments, portal, records, report_forms_api,
                   reports, signing, statistics_pages, ui)
    from . import admin_ops, ops_api  # operations: incidents, suspending dossiers, audit verification
    from . import inbox_dossiers, portal_dossiers, tasks_api  # noqa: F401 - routes of inbox.bp, portal.bp, api.bp
    # The signed-in user first: the pages of the refusals below and of the CSRF check (ui.init_app) show them.
    app.before_request(_refuse_unless_schema_current)  # before anything reads the database
    app.before_request(ui._load_user)
    app.before_request(_refuse_oversized_body)
    app.before_request(_refuse_bad_text)
    headers.init_app(app)  # CSP, no-store, HSTS
    from . import admin_calendar
    app.register_blueprint(api.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(portal.bp)
    app.register_blueprint(inbox.bp)
    app.register_blueprint(records.bp)
    from . import records_pages  # the officers' pages of the control slip and the register (D30, D31)
    app.register_blueprint(records_pages.bp)
    app.register_blueprint(payments.api_bp)
    app.register_blueprint(payments.bp)
    app.register_blueprint(reports.bp)
    app.register_blueprint(statistics_pages.bp)
    app.register_blueprint(report_forms_api.bp)
    app.register_blueprint(notices.bp)
    app.register_blueprint(notices.api_bp)
    app.register_blueprint(signing.bp)
    app.register_blueprint(admin_staff_api.bp), app.register_blueprint(admin_staff.bp)
    app.register_blueprint(officer_codes.bp)
    from . import admin_versions, versions_api  # procedure versions (issue 13, item 5)
    app.register_blueprint(versions_api.bp)
    app.register_blueprint(admin_versions.bp)
    from . import admin_modeler  # the modeler of procedure versions (issue 16, part 4)
    app.register_blueprint(admin_modeler.bp)
    admin_calendar.register(app)  # /quan-tri/lich and /api/v1/calendar
    from . import admin_citizens, citizen_pages, citizens_api, eid  # citizen accounts (desk, recovery, e-ID)
    for blueprint in (citizen_pages.bp, admin_citizens.bp, citizens_api.bp, eid.bp):
        app.register_blueprint(blueprint)
    eid.init_app(app)
    app.register_blueprint(ops_api.bp), app.register_blueprint(admin_ops.bp)  # operations (issue 13, item 6)
    from . import admin_offers, offers_api
    app.register_blueprint(offers_api.bp)
    app.register_blueprint(admin_offers.bp)
    from . import reissue_routes  # withdrawing a re-issue awaiting its signature (issue #12, item 6)
    reissue_routes.register(app)
    from . import desk_filing  # the receiving officer files a desk or post dossier for a citizen (D5)
    app.register_blueprint(desk_filing.bp)
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


@contextmanager
def unit_of_work(*, keep_on: tuple[type[BaseException], ...] = ()):
    """One transaction for one command, for both faces: commit once at the end, roll back on any error.

    ``keep_on``: errors after which what was done is still committed before the error goes on (a refused
    login attempt counts towards the lockout). A failing commit is rolled back too.
    """
    session = db()
    committed = False
    try:
        try:
            yield session
        except keep_on:
            session.commit()
            committed = True
            _after_commit(session)
            raise
        session.commit()
        committed = True
        _after_commit(session)
    except BaseException as exc:
        if not committed:
            session.info.pop("signing_requests", None)  # what the command asked for is rolled back with it
            session.rollback()
            _after_commit(session)  # a refused issue's send-back committed on its own (cases.steps.signing)
            _remember_refusal(session, exc)
        raise


def _remember_refusal(session, refusal) -> None:
    """What a refusal leaves on record once its command is rolled back, in its own transaction: a filing's owner
    that did not match (engine.cases.owner_checks, ``remember``). Its failure is logged, the refusal still said."""
    remember = getattr(refusal, "remember", None)
    if remember is None:
        return
    try:
        remember(session)
        session.commit()
    except Exception:  # noqa: BLE001 (the command's own refusal is what the caller is told)
        session.rollback()
        log.exception("could not record the refusal %s", type(refusal).__name__)


def _after_commit(session) -> None:
    """A commit that asked for a signature wakes the drain of `tthc serve` (``after_commit``), which renders
    the document at once; without one, the worker's heartbeat renders it."""
    if session.info.pop("signing_requests", False):
        wake = tthc().get("after_commit")
        if wake is not None:
            wake()


def transactional(view=None, *, keep_on: tuple[type[BaseException], ...] = ()):
    """A view that is one unit of work (``@transactional`` or ``@transactional(keep_on=...)``)."""
    if view is None:
        return lambda fn: transactional(fn, keep_on=keep_on)

    @wraps(view)
    def wrapper(*args, **kwargs):
        with unit_of_work(keep_on=keep_on):
            return view(*args, **kwargs)

    return wrapper


def run(fn, *args, keep_on: tuple[type[BaseException], ...] = (), **kwargs):
    """Call ``fn`` as one unit of work (pages call a use case this way) and return its result."""
    with unit_of_work(keep_on=keep_on):
        return fn(*args, **kwargs)


def _register_errors(app: Flask) -> None:
    """The app-wide answers: JSON under /api/, else a page (JSON too for a page's script that asks for it,
    ui.asks_for_json). Blueprints that serve pages install their own (ui.install_error_pages), with the same
    mapping."""

    def wants_json() -> bool:
        return request.path.startswith("/api/")

    @app.errorhandler(Exception)
    def any_error(exc: Exception):
        from .ui import answer  # the site's pages, or JSON for their scripts (ui imports this package)

        failure = failures.failure_of(exc)
        return failures.as_json(failure) if wants_json() else answer(failure)
