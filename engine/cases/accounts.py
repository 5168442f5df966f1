"""Accounts: citizens (D3), officers, passwords (hashed), API tokens and web sessions.

Tokens and web sessions live in the database, so that changing a password or suspending an account ends every
one of them at once, and signing out ends the browser's session even where a copy of its cookie survives.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from datetime import date, datetime, timedelta

from sqlalchemy import bindparam, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from engine.core.errors import Conflict, Invalid, Unauthorized
from engine.core.vocabulary import CCCD_RE, has_control, typed, typed_cccd
from engine.process.forms import EMAIL_RE, clean_name, clean_text, name_error, parse_day
from engine.data.model import ROLES, Agency, ApiToken, User
from engine.data.portal_model import WebSession

PHONE_RE = re.compile(r"(0|\+84)[0-9]{9,10}\Z")


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def _parse_date(value, field: str, errors: dict) -> date | None:
    if isinstance(value, date):
        return value
    day = parse_day(value)
    if day is None:
        errors[field] = "Ngày không hợp lệ (YYYY-MM-DD, từ năm 1900)"
    return day


def citizen_facts(data, now: datetime, errors: dict[str, str]) -> dict:
    """The four facts of D3 (and the optional email) read from ``data``; what is wrong goes into ``errors``."""
    name = clean_name(data.get("full_name"))  # D3: a full name, never one of hidden characters only
    if name is None:
        errors["full_name"] = name_error(data.get("full_name"), "Họ và tên", "Họ và tên là bắt buộc (2–255 ký tự)")
    cccd = data.get("cccd") if isinstance(data.get("cccd"), str) else ""
    if not CCCD_RE.match(cccd):
        errors["cccd"] = "Số CCCD phải gồm đúng 12 chữ số"
    issued = _parse_date(data.get("cccd_issued_on"), "cccd_issued_on", errors)
    if issued and issued > now.date():
        errors["cccd_issued_on"] = "Ngày cấp không thể ở tương lai"
    phone = data.get("phone") if isinstance(data.get("phone"), str) else ""
    if not PHONE_RE.match(phone):
        errors["phone"] = "Số điện thoại không hợp lệ"
    email = data.get("email")
    if email is not None and (clean_text(email, max_length=255) is None or not EMAIL_RE.match(email)):
        errors["email"] = "Địa chỉ email không hợp lệ"
    return {"full_name": name, "cccd": cccd, "cccd_issued_on": issued, "phone": phone, "email": email}


def password_problem(password) -> str | None:
    """What is wrong with a new password, if anything: at least 8 characters, and no control character (a NUL
    could be set but never typed at the login, which refuses it: the account would be locked out)."""
    if not isinstance(password, str) or len(password) < 8:
        return "Mật khẩu cần ít nhất 8 ký tự"
    if has_control(password):
        return "Mật khẩu không được chứa ký tự điều khiển"
    if password.casefold() in COMMON_PASSWORDS or len(set(password)) < 3:
        return "Mật khẩu quá dễ đoán (như 12345678 hay 11111111); hãy chọn mật khẩu khác"
    return None


# The first tries of whoever guesses a password (the lockout allows 5 a quarter-hour): never accepted as one.
COMMON_PASSWORDS = frozenset({
    "12345678", "123456789", "1234567890", "0123456789", "87654321", "12341234", "11223344", "abcd1234", "abc12345",
    "password", "password1", "password123", "qwertyui", "qwerty123", "iloveyou", "12345678a", "a12345678",
    "matkhau1", "matkhau123456", "123456789a", "admin123", "admin1234", "vietnam1", "vietnam123"})


def _registration(data: dict, now: datetime) -> tuple[dict, dict[str, str]]:
    """The facts of D3 read from ``data`` and what is wrong with them and with the password."""
    errors: dict[str, str] = {}
    facts = citizen_facts(data, now, errors)
    if password_problem(data.get("password")):
        errors["password"] = password_problem(data.get("password"))
    return facts, errors


def registration_errors(data: dict, now: datetime) -> dict[str, str]:
    """What register_citizen would refuse in ``data``, registering nothing: a page that found a fault of its own
    (the password typed again differently) says it with all the others at once, not one post after another."""
    return _registration(data, now)[1] if isinstance(data, dict) else {}


def register_citizen(session: Session, now: datetime, data: dict) -> User:
    """Register and standardise a citizen account with the four facts of D3."""
    if not isinstance(data, dict):
        raise Invalid("Dữ liệu đăng ký phải là một đối tượng JSON")
    facts, errors = _registration(data, now)
    name, cccd, issued, phone, email = (facts[k] for k in ("full_name", "cccd", "cccd_issued_on", "phone", "email"))
    password = data.get("password")
    if errors:
        raise Invalid("Thông tin đăng ký chưa hợp lệ", fields=errors)
    if session.scalar(select(User.id).where((User.cccd == cccd) & User.standardised)) is not None:
        raise Conflict("Số CCCD này đã được chuẩn hóa cho một tài khoản khác; mỗi CCCD chỉ có một tài khoản (theo "
                       "Nghị định 45/2020/NĐ-CP). " + OWNER_WAYS, code="cccd_taken", rule="D3")
    # identity_checked stays NULL: nobody checked the four facts (no population register to ask), so the account
    # sees only the dossiers it files (engine.cases.dossiers.holds_cccd) until the e-ID or the desk checks it
    user = User(username=cccd, password_hash=hash_password(password), full_name=name, roles_text="citizen",
                cccd=cccd, cccd_issued_on=issued, phone=phone, email=email, standardised=True, created_at=now)
    session.add(user)
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict("Số CCCD này đã có tài khoản (theo Nghị định 45/2020/NĐ-CP). " + OWNER_WAYS, code="cccd_taken",
                       rule="D3") from exc
    return user


# What the real holder of a CCCD someone else registered does: the two real checks of the person (D3)
OWNER_WAYS = ("Nếu đây là số CCCD của bạn, hãy đăng nhập bằng VNeID hoặc mang thẻ CCCD đến Bộ phận Một cửa để "
              "được xác minh tài khoản.")


def ensure_officer(session: Session, now: datetime, username: str, full_name: str, roles: set[str],
                   agency: Agency | None, password: str, *, password_hash: str | None = None) -> User:
    """The officer ``username`` with these roles and this agency, made or brought up to date, with ``password``.
    ``password_hash``: ``hash_password(password)`` made once by the caller (``password`` is then not hashed
    again), when many accounts are given one published password at once (the demo, a simulation): scrypt costs
    about 0.1 s an account."""
    unknown = roles - set(ROLES)
    if unknown:
        raise Invalid(f"Vai trò không tồn tại: {', '.join(sorted(unknown))}")
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        user = User(username=username, created_at=now, standardised=False, password_hash="", full_name=full_name,
                    roles_text="")
        session.add(user)
    user.full_name, user.roles_text = full_name, ",".join(sorted(roles))
    user.agency_id = agency.id if agency else None
    user.password_hash = password_hash or hash_password(password)
    session.flush()
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def login_name(text: str | None) -> str:
    """The account name as people type it on a phone: a CCCD with spaces, dots or dashes ("001 099 000 001") is its 12
    digits, and a second account of it (D3, "<cccd>.2") its digits and number; any other name is lower case, as
    every officer's name is (engine.cases.staff.USERNAME_RE), whatever the keyboard capitalised ("Demo.TiepNhan").
    Failed attempts count under this one spelling. At most 64 characters (the column), cut after the spelling."""
    name = typed(text)  # full-width digits from some keyboards
    cccd = typed_cccd(name)
    if cccd:
        return cccd
    head, dot, number = name.rpartition(".")
    head = typed_cccd(head)
    if dot and head and number.strip().isascii() and number.strip().isdigit():
        return f"{head}.{number.strip()}"[:64]
    return name.lower()[:64]


def authenticate(session: Session, username: str, password: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not check_password_hash(user.password_hash, password):
        raise Unauthorized("Tên đăng nhập hoặc mật khẩu không đúng", code="bad_credentials")
    if user.locked_reason:
        if d3_locked(session, user):  # the login page explains this one (engine.web.auth)
            raise Unauthorized(f"Tài khoản bị khóa: {user.locked_reason}", code="cccd_standardised_elsewhere",
                               rule="D3")
        raise Unauthorized(f"Tài khoản bị khóa: {user.locked_reason}", code="account_locked")
    return user


D3_LOCK = "Số CCCD này đã được chuẩn hóa cho một tài khoản khác"


def d3_locked(session: Session, user: User) -> bool:
    """True when ``user`` is locked because another account holds its CCCD standardised (D3), not by an
    administrator: that lock is lifted by using (or recovering) the standardised account, not by asking."""
    if user.standardised or not user.cccd or user.cancelled_at is not None or not user.locked_reason:
        return False
    return session.scalar(select(User.id).where(User.cccd == user.cccd, User.standardised,
                                                User.id != user.id).limit(1)) is not None


def issue_token(session: Session, user: User, now: datetime, hours: int) -> tuple[str, datetime]:
    session.execute(delete(ApiToken).where(ApiToken.expires_at < now))
    token = secrets.token_urlsafe(32)
    expires = now + timedelta(hours=hours)
    session.add(ApiToken(token_hash=_token_hash(token), user_id=user.id, expires_at=expires))
    return token, expires


# Every request looks its user up by one of these: built once, so a request pays for neither their construction nor
# their cache keys (the compiled SQL is SQLAlchemy's cache either way).
_BY_TOKEN = (select(User).join(ApiToken, ApiToken.user_id == User.id)
             .where(ApiToken.token_hash == bindparam("token_hash"), ApiToken.expires_at > bindparam("now")))
_BY_WEB_SESSION = (select(User).join(WebSession, WebSession.user_id == User.id)
                   .where(WebSession.id == bindparam("sid_hash"), User.id == bindparam("user_id"),
                          WebSession.expires_at > bindparam("now")))


def user_for_token(session: Session, token: str, now: datetime) -> User:
    user = session.scalar(_BY_TOKEN, {"token_hash": _token_hash(token), "now": now})
    if user is None:  # unknown or expired: one query for the token and its user
        raise Unauthorized("Phiên làm việc không hợp lệ hoặc đã hết hạn", code="invalid_token")
    if user.locked_reason:
        raise Unauthorized(f"Tài khoản bị khóa: {user.locked_reason}", code="account_locked")
    return user


# -- web sessions and what ends them -------------------------------------------------------------------------
def open_web_session(session: Session, user: User, now: datetime, hours: int) -> str:
    """A new server-side session for a browser; returns the id its cookie carries (only its hash is stored)."""
    session.execute(delete(WebSession).where(WebSession.expires_at <= now))  # expired ones, anyone's (indexed)
    sid = secrets.token_urlsafe(32)
    session.add(WebSession(id=_token_hash(sid), user_id=user.id, created_at=now,
                           expires_at=now + timedelta(hours=hours)))
    return sid


def user_for_web_session(session: Session, user_id, sid, now: datetime) -> User | None:
    """The signed-in user of a cookie, or None when its session was ended, has expired or the account is
    suspended. One query."""
    if not isinstance(sid, str) or not isinstance(user_id, int):
        return None
    user = session.scalar(_BY_WEB_SESSION, {"sid_hash": _token_hash(sid), "user_id": user_id, "now": now})
    return None if user is None or user.locked_reason else user


def close_web_session(session: Session, sid) -> None:
    if isinstance(sid, str):
        session.execute(delete(WebSession).where(WebSession.id == _token_hash(sid)))


def end_all_sessions(session: Session, user: User) -> None:
    """Every web session and API token of ``user`` stops working at its next request."""
    session.execute(delete(WebSession).where(WebSession.user_id == user.id))
    session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))


def change_password(session: Session, user: User, current: str, new: str, new_again: str | None = None) -> None:
    """The user's own change: the current password is checked; every session and token ends (the caller opens
    a fresh one for the browser that made the change)."""
    errors = {}
    if not isinstance(current, str) or not check_password_hash(user.password_hash, current):
        errors["current_password"] = "Mật khẩu hiện tại không đúng"
    if password_problem(new):
        errors["new_password"] = password_problem(new)
    elif "current_password" not in errors and new == current:  # nothing would change but every other session
        errors["new_password"] = "Mật khẩu mới phải khác mật khẩu hiện tại"
    elif new_again is not None and new != new_again:
        errors["new_password2"] = "Mật khẩu nhập lại không khớp"
    if errors:
        raise Invalid("Chưa đổi được mật khẩu", fields=errors)
    set_password(session, user, new)


def set_password(session: Session, user: User, password: str) -> None:
    """A new password (by the user, or set by an administrator): every session and token of the user ends."""
    user.password_hash = hash_password(password)
    end_all_sessions(session, user)
    session.flush()


def suspend(session: Session, user: User, reason: str) -> None:
    """Lock the account: no login, and every session and token ends now (not at its expiry)."""
    reason = clean_text(reason, min_length=1, max_length=255)
    if reason is None:
        raise Invalid("Cần lý do khóa tài khoản (tối đa 255 ký tự)", fields={"reason": "Bắt buộc"})
    user.locked_reason = reason
    end_all_sessions(session, user)
    session.flush()


def reinstate(session: Session, user: User) -> None:
    user.locked_reason = None
    session.flush()
