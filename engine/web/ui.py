"""What every server-rendered page shares: the signed-in user (a Flask session, separate from API tokens),
CSRF (Flask-WTF), languages (Flask-Babel: Vietnamese by default, English), Vietnamese dates, words for
codes, and EngineErrors shown as pages instead of JSON.
"""
from __future__ import annotations

import json
import logging
from datetime import datetime
from functools import wraps

from flask import Flask, abort, current_app, g, jsonify, redirect, render_template, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_babel import Babel, format_decimal, get_locale, lazy_pgettext
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy.exc import SQLAlchemyError

from engine.cases import accounts, notice_centre, notices
from engine.core import vocabulary
from engine.cases.dossiers import Context
from engine.data.model import OFFICER_ROLES, ROLES, User
from engine.law.statuses import Status
from . import db, error_body, failures, now, run, tthc  # noqa: F401 - run: the pages import their unit of work from here
from .field_messages import field_text
from .letter_words import letter_reason
from .migration_words import reason_text
from .drafts import DRAFT_RESTORED_TEXT, draft_owner
from .holiday_words import holiday_name
from .numbers import duration_text, filesize, money
from .refusals import refusal_text

log = logging.getLogger(__name__)
csrf = CSRFProtect()
LANGUAGES = {"vi": "Tiếng Việt", "en": "English"}

# Status names are the law's (engine.law.statuses, marked there for pybabel), translated when shown.
STATUS_TEXT = {status: _l(status.label) for status in Status}
# Words for codes, declared once in engine/core/vocabulary.py and translated here.
ROLE_TEXT = {code: _l(label) for code, label in vocabulary.ROLES.items()}
LEVEL_TEXT = {code: _l(label) for code, label in vocabulary.AGENCY_LEVELS.items()}  # agencies' levels (D29)
STEP_TEXT = {code: lazy_pgettext("step", step.name) for code, step in vocabulary.STEPS.items()}
# What the buttons say (imperative); ACTION_TEXT names the same actions in the history (done).
ACTION_BUTTON = {code: lazy_pgettext("action", a.button) for code, a in vocabulary.ACTIONS.items() if a.button}
ACTION_TEXT = {code: _l(a.done) for code, a in vocabulary.ACTIONS.items()}
SLA_TEXT = {"overdue": _l("Quá hạn"), "at_risk": _l("Sắp đến hạn (trong 1 ngày làm việc)"), "in_time": _l("Trong hạn")}
UNIT_TEXT = {"working_day": _l("ngày làm việc"), "working_hour": _l("giờ làm việc"), "calendar_day": _l("ngày"),
             "same_day": _l("trong ngày")}
DOC_KIND_TEXT = {"filing": _l("Thành phần hồ sơ"), "receipt": _l("Giấy tiếp nhận và hẹn trả kết quả"),
                 "supplement_request": _l("Phiếu yêu cầu bổ sung"), "refusal": _l("Phiếu từ chối"),
                 "apology": _l("Thư xin lỗi và hẹn lại ngày trả"), "control_slip": _l("Phiếu kiểm soát"),
                 "result": _l("Kết quả giải quyết"), "result_draft": _l("Dự thảo kết quả"),
                 "apology_draft": _l("Dự thảo thư xin lỗi"), "reissue_draft": _l("Dự thảo kết quả cấp lại"),
                 "stop_notice": _l("Thông báo dừng giải quyết hồ sơ"),
                 "fee_receipt": _l("Biên lai thu phí, lệ phí"),
                 "handover_slip": _l("Phiếu chuyển hồ sơ liên thông"),
                 "lienthong_result": _l("Kết quả của cơ quan liên thông")}
CHANNEL_TEXT = {"online": _l("Trực tuyến"), "desk": _l("Trực tiếp tại Bộ phận Một cửa"),
                "post": _l("Qua bưu chính công ích")}
# The name the engine's audit trail gives its own actions (engine.data.audit: automatic intake, timers, liên thông
# hand-overs: the history's ``system``), said in the page's language; a person's name is shown as it is, even
# one that is this very word.
ACTOR_TEXT = {"Hệ thống": _l("Hệ thống")}
RETURN_TEXT = {"online": _l("Trực tuyến, trên tài khoản của người nộp"),  # D23: how the result comes back
               "desk": _l("Trực tiếp tại Bộ phận Tiếp nhận và Trả kết quả"), "post": _l("Qua bưu chính công ích")}


class SessionInterface(SecureCookieSessionInterface):
    """SESSION_COOKIE_SECURE = None means: Secure unless the app runs in debug or testing (plain HTTP there);
    False comes from the setting session_cookie_secure = false (a local network served over plain HTTP)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        value = app.config.get("SESSION_COOKIE_SECURE")
        return (not (app.debug or app.testing)) if value is None else bool(value)


def init_app(app: Flask, exempt=None) -> None:
    """Babel, CSRF, cookies, Jinja helpers. Call after registering the blueprints: ``exempt`` and every
    blueprint under /api/ sign in with bearer tokens, not cookies, so they need no CSRF token."""
    settings = tthc_settings(app)
    app.config.update(SESSION_COOKIE_SECURE=None if settings.session_cookie_secure else False,
                      SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      SESSION_COOKIE_NAME="tthc_session", WTF_CSRF_TIME_LIMIT=settings.token_hours * 3600,
                      BABEL_DEFAULT_LOCALE="vi", BABEL_DEFAULT_TIMEZONE="Asia/Ho_Chi_Minh")
    app.session_interface = SessionInterface()
    Babel(app, locale_selector=lambda: session.get("lang") if session.get("lang") in LANGUAGES else "vi")
    csrf.init_app(app)
    for blueprint in app.blueprints.values():
        if blueprint is exempt or (blueprint.url_prefix or "").startswith("/api/"):
            csrf.exempt(blueprint)
    app.register_error_handler(CSRFError, _csrf_error)
    app.jinja_env.add_extension("jinja2.ext.do")
    app.context_processor(lambda: {"me": _me()})
    app.jinja_env.filters.update(vndt=vn_datetime, vndate=vn_date, money=money, filesize=filesize,
                                 megabytes=megabytes, duration=duration_text, field_text=field_text,
                                 holiday_name=holiday_name, reason_text=reason_text,
                                 letter_reason=letter_reason)
    app.jinja_env.globals.update(STATUS_TEXT=STATUS_TEXT, ROLE_TEXT=ROLE_TEXT, STEP_TEXT=STEP_TEXT,
                                 ACTION_TEXT=ACTION_TEXT, SLA_TEXT=SLA_TEXT, UNIT_TEXT=UNIT_TEXT,
                                 DOC_KIND_TEXT=DOC_KIND_TEXT, CHANNEL_TEXT=CHANNEL_TEXT, RETURN_TEXT=RETURN_TEXT,
                                 ACTOR_TEXT=ACTOR_TEXT, LANGUAGES=LANGUAGES,
                                 Status=Status, fetch_messages=fetch_messages, DRAFT_RESTORED_TEXT=DRAFT_RESTORED_TEXT,
                                 draft_owner=draft_owner,
                                 current_locale=lambda: str(get_locale() or "vi"))

    @app.after_request
    def _headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response


def tthc_settings(app: Flask):
    return app.extensions["tthc"]["settings"]


# -- formatting --------------------------------------------------------------------------------------------
def _as_datetime(value) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value


def vn_datetime(value) -> str:
    """dd/mm/yyyy HH:MM in Vietnam time."""
    return vocabulary.vn_time(_as_datetime(value), "datetime", missing="—")


def vn_date(value) -> str:
    if isinstance(value, str) and value:
        value = datetime.fromisoformat(value) if "T" in value else datetime.strptime(value, "%Y-%m-%d").date()
    return vocabulary.vn_time(value or None, "date", missing="—")


def megabytes(size: int) -> str:
    """A limit in MB, in the page's language ("10", "0,1"): a limit under 1 MB is not "0"."""
    return format_decimal(max(round(size / 1048576, 1), 0.1))


# -- the signed-in user ------------------------------------------------------------------------------------
def _load_user() -> None:
    """The user of the cookie's server-side session (engine.accounts): one ended by logout, a password change or
    a suspension is gone, whatever copy of the cookie comes back."""
    if request.path.startswith("/api/"):
        return  # the API signs in with bearer tokens only
    g.user = None
    uid = session.get("uid")
    if uid is None:
        return
    user = accounts.user_for_web_session(db(), uid, session.get("sid"), now())
    if user is None:
        for key in ("uid", "sid", "at"):  # "at": cookies made before sessions lived on the server
            session.pop(key, None)
        return
    g.user = user


def _me() -> dict:
    """What the navigation offers the signed-in user."""
    user = g.get("user")
    roles = user.roles if user is not None else set()
    return {"citizen": "citizen" in roles, "officer": bool(roles & OFFICER_ROLES),
            "leader": bool(roles & {"department_leader", "head_of_agency", "centre_director"}),
            "reports": bool(roles & {"department_leader", "head_of_agency", "centre_director", "administrator"}),
            "admin": "administrator" in roles, "unread": _unread(user)}


def _unread(user: User | None) -> int:
    """The bell's count (an indexed, bounded count); an error page shown while the database fails shows none."""
    if user is None:
        return 0
    try:
        return notice_centre.unread_count(db(), user)
    except SQLAlchemyError:
        log.warning("unread count unavailable", exc_info=True)
        return 0


def sign_in(user: User) -> None:
    """A fresh server-side session for ``user`` (committed here) and a cookie that names it, in their language."""
    sid = accounts.open_web_session(db(), user, now(), tthc()["settings"].token_hours)
    stored, lang = notices.settings_of(db(), [user.id]).get(user.id), session.get("lang")
    if session.get("lang_chosen") and stored is None:  # the switch, before signing in, of an account without a
        notices.choose(db(), user, language=lang)  # choice: its choice now, notices too (a kiosk's never overrides)
    lang = lang if session.get("lang_chosen") or stored is None else stored.language  # else the account's, anywhere
    db().commit()
    session.clear()  # a fresh session: nothing from before the login survives (fixation)
    if lang:
        session["lang"] = lang
    session["uid"], session["sid"] = user.id, sid


def sign_out() -> None:
    """End the server-side session (committed here) and empty the cookie, keeping the language."""
    accounts.close_web_session(db(), session.get("sid"))
    db().commit()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def home_for(user: User | None) -> str:
    if user is None:
        return url_for("pages.home")
    if "administrator" in user.roles:  # the administration's home links every admin page
        return url_for("admin_staff.home")
    if user.is_officer:
        return url_for("inbox.inbox")
    if "citizen" in user.roles:
        return url_for("portal.my_dossiers")
    return url_for("pages.home")


def safe_next(target: str | None) -> str | None:
    """Only a path of this site (no scheme, no //host, no backslash tricks)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target or \
            any(ord(c) < 32 for c in target):
        return None
    return target


def login_required(*roles: str):
    """Sign-in needed; with ``roles``, one of them too (officers: any officer role with "officer")."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if g.user is None:
                if asks_for_json():  # a page's script: a redirect would hand it the login page as its answer
                    return json_refusal(401, "login_required", str(SESSION_ENDED_TEXT))
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            mine = g.user.roles | ({"officer"} if g.user.roles & OFFICER_ROLES else set())
            if roles and not (mine & set(roles)):
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorate


def context() -> Context:
    return Context(user=g.user, now=now(), settings=tthc()["settings"])


# -- errors as pages ---------------------------------------------------------------------------------------
ERROR_TITLES = {400: _l("Yêu cầu không hợp lệ"), 401: _l("Cần đăng nhập"), 403: _l("Không có quyền truy cập"),
                404: _l("Không tìm thấy"), 405: _l("Thao tác không được hỗ trợ"),
                409: _l("Xung đột dữ liệu"), 413: _l("Dữ liệu gửi lên quá lớn"), 422: _l("Dữ liệu không hợp lệ"),
                429: _l("Quá nhiều lượt tra cứu"), 500: _l("Lỗi hệ thống")}
ERROR_TEXT = {
    400: _l("Yêu cầu không hợp lệ. Vui lòng quay lại và thử lại."),
    403: _l("Bạn không có quyền thực hiện thao tác này."),
    404: _l("Không tìm thấy trang hoặc hồ sơ bạn yêu cầu."),
    405: _l("Thao tác này không được hỗ trợ tại địa chỉ này."),
    409: _l("Hồ sơ vừa được người khác cập nhật hoặc đang được xử lý; vui lòng tải lại trang và thử lại."),
    500: _l("Lỗi hệ thống; thao tác chưa được thực hiện, vui lòng thử lại."),
}


def error_message(status: int) -> str:
    if status == 413:
        mb = megabytes(tthc()["settings"].max_request_bytes)
        return str(_l("Dữ liệu hoặc tệp gửi lên quá lớn (tối đa %(mb)s MB mỗi lần gửi). Không có gì được lưu.",
                      mb=mb))
    return str(ERROR_TEXT.get(status, ERROR_TEXT[400]))


def error_page(status: int, message: str | None = None, rule: str | None = None, keep_draft: bool = False):
    """The error as an HTML page and its status. ``keep_draft``: a form refused for its session (CSRF), whose
    typed values engine/web/static/js/app.js kept in the tab when it was sent: the page offers the form again."""
    title = ERROR_TITLES.get(status, ERROR_TITLES[400])
    return render_template("error.html", status=status, title=title, message=message or error_message(status),
                           rule=rule, keep_draft=keep_draft), status


def as_page(failure: failures.Failure):
    """The site's answer to ``failure`` (engine.web.failures): its page, status and headers."""
    page, status = error_page(failure.status, refusal_text(failure) if failure.for_people else None, failure.rule)
    return page, status, failure.headers


def asks_for_json() -> bool:
    """A page's script (fetch) that takes JSON rather than HTML: its failures answer the API's error shape,
    which the script can read and show, instead of an error page or a redirect to the login page it cannot. A
    browser's own navigation accepts HTML first (and a bare ``*/*`` both alike): it still gets pages."""
    accept = request.accept_mimetypes
    return accept.quality("application/json") > accept.quality("text/html")


def json_refusal(status: int, code: str | None = None, message: str | None = None,
                 headers: dict | None = None, **extra):
    """``{"error": {"code", "message", "fields"}}`` for a page's script, in the page's language: ``message``,
    else what the error page of ``status`` would say."""
    body = error_body(status, code, message or error_message(status), extra.pop("fields", None), **extra)
    return jsonify(body), status, headers or {}


def answer(failure: failures.Failure):
    """The site's answer to ``failure``: its page, or its JSON for a page's script (``asks_for_json``)."""
    if asks_for_json():
        return json_refusal(failure.status, failure.code, failure.message if failure.for_people else None,
                            failure.headers, fields=failure.fields, rule=failure.rule,
                            problems=failure.problems)
    return as_page(failure)


NETWORK_TEXT = _l("Không kết nối được máy chủ. Hãy kiểm tra kết nối mạng rồi thử lại.")
UNAVAILABLE_TEXT = _l("Máy chủ tạm thời không trả lời (đang khởi động lại hoặc quá tải). Hãy thử lại sau ít "
                      "phút.")
ODD_ANSWER_TEXT = _l("Máy chủ trả lời bất thường (mã {status}). Hãy thử lại sau ít phút.")


def fetch_messages() -> dict[str, str]:
    """What a page's script says when the server's answer carries no message of its own (no answer at all, a
    proxy's page, the login page reached through a redirect): by HTTP status, in the page's language
    (engine/web/static/js/answers.js reads them from the data-messages attribute of #fetch-messages)."""
    words = {str(status): error_message(status) for status in (400, 403, 404, 405, 409, 413, 500)}
    words.update({"422": str(ERROR_TITLES[422]), "429": str(ERROR_TITLES[429]), "502": str(UNAVAILABLE_TEXT),
                  "503": str(UNAVAILABLE_TEXT), "504": str(UNAVAILABLE_TEXT), "network": str(NETWORK_TEXT),
                  "session": str(SESSION_ENDED_TEXT), "other": str(ODD_ANSWER_TEXT)})
    return words


def refusal(app, status: int, path: str, headers: dict | None = None) -> tuple[bytes, str]:
    """The body and content type of an answer the WSGI server gives before the application sees the request (a
    body over max_request_bytes refused at its headers, a malformed header or chunk): the application's own
    JSON error under /api/, its error page elsewhere, instead of the server's English plain text
    (engine.cli.service gives them to waitress, with the request's Cookie: the page in the person's language)."""
    if not path.startswith("/api/"):
        try:
            with app.test_request_context(path if path.startswith("/") else "/", headers=headers or {}):
                app.preprocess_request()
                page, _ = error_page(status)
            return page.encode("utf-8"), "text/html; charset=utf-8"
        except Exception:  # noqa: BLE001 - a path the site itself refuses: the JSON error says it
            log.warning("the error page of a refused request could not be made", exc_info=True)
    return json.dumps(error_body(status), ensure_ascii=False).encode("utf-8"), "application/json"


def cookie_cannot_return() -> bool:
    """The session cookie is Secure but the page came over plain HTTP and no cookie came back: the browser
    keeps a Secure cookie from http:// pages (localhost aside), so no form of this site can work."""
    app = current_app._get_current_object()
    return request.scheme == "http" and app.session_interface.get_cookie_secure(app) and \
        app.config["SESSION_COOKIE_NAME"] not in request.cookies


# What a page's script is told (engine/web/static/js/answers.js shows it): the session its page was opened in
# is over (the token's hours ran out, the server restarted with another secret, or the user signed out).
CSRF_EXPIRED_TEXT = _l("Phiên làm việc đã hết hạn. Hãy tải lại trang rồi thử lại. Không có gì được thay đổi.")
SESSION_ENDED_TEXT = _l("Phiên làm việc đã hết hạn hoặc bạn đã đăng xuất. Hãy tải lại trang, đăng nhập lại "
                        "rồi thử lại. Không có gì được thay đổi.")
INSECURE_TEXT = _l("Trình duyệt không gửi lại cookie phiên làm việc: máy chủ đặt cookie với cờ Secure (chỉ gửi "
                   "qua HTTPS) nhưng trang được mở qua http://. Hãy mở trang qua https://; nếu mạng nội bộ này "
                   "không có HTTPS, quản trị hệ thống đặt session_cookie_secure = false trong tệp cấu hình "
                   "(hoặc biến môi trường TTHC_SESSION_COOKIE_SECURE=false) rồi khởi động lại dịch vụ.")


def _csrf_error(_exc: CSRFError):
    db().rollback()
    if cookie_cannot_return():
        if request.endpoint == "auth.login":
            return render_template("auth/login.html", next=safe_next(request.values.get("next")),
                                   username=request.form.get("username", ""), error=str(INSECURE_TEXT)), 400
        if asks_for_json():
            return json_refusal(400, "cookie_not_returned", str(INSECURE_TEXT))
        return error_page(400, str(INSECURE_TEXT))
    if asks_for_json():  # a page's script posting with a token its page got hours (or a server restart) ago
        return json_refusal(400, "csrf_invalid", str(CSRF_EXPIRED_TEXT))
    # A form of the pages: what it held is kept in the tab (engine/web/static/js/app.js), and the page offers it.
    return error_page(400, str(_l("Phiên làm việc đã hết hạn hoặc biểu mẫu thiếu mã bảo vệ (CSRF). Vui lòng tải "
                                  "lại trang và gửi lại. Không có gì được thay đổi.")), keep_draft=True)


def install_error_pages(bp) -> None:
    """On ``bp``, every error becomes a page (the app's handlers answer JSON for EngineErrors), through the
    one mapping of engine/web/failures.py; whatever the view began is rolled back."""

    @bp.errorhandler(Exception)
    def _error(exc: Exception):
        db().rollback()
        if isinstance(exc, CSRFError):
            return _csrf_error(exc)
        return answer(failures.failure_of(exc))


def roles_text(user: User) -> str:
    return ", ".join(str(ROLE_TEXT.get(r, ROLES.get(r, r))) for r in sorted(user.roles))


def status_text(status: int) -> str:
    return str(STATUS_TEXT.get(status, status))
