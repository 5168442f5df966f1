"""One-time codes (activation of a new account, a password reset, a citizen's recovery): six digits sent to the
person's channels (engine.cases.notices.notify_code), kept only as a keyed hash, short-lived, used once, with a
limit on how many may be asked for and how many wrong guesses one code takes.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.cases import notices
from engine.core.errors import EngineError
from engine.core.settings import Settings
from engine.data.agency_model import OneTimeCode
from engine.data.model import User

PURPOSES = {"activation": "kích hoạt tài khoản", "reset": "đặt lại mật khẩu", "recovery": "khôi phục tài khoản"}
MINUTES = {"activation": 24 * 60, "reset": 15, "recovery": 15}  # an activation code waits for the first visit
PER_HOUR = 5  # codes one person may be sent for one purpose in an hour
GUESSES = 5  # wrong guesses one code takes before it ends


class TooManyCodes(EngineError):
    status, code = 429, "too_many_codes"


def _hash(settings: Settings, user_id: int, purpose: str, code: str) -> str:
    return hmac.new(settings.session_secret.encode(), f"{user_id}:{purpose}:{code}".encode(),
                    hashlib.sha256).hexdigest()


def issue(session: Session, settings: Settings, user: User, purpose: str, now: datetime) -> str:
    """Make a code, send it to ``user``'s channels in this transaction, and return it (for the operator's own
    CLI only: a web or API answer never carries it). Earlier unused codes of the same purpose end."""
    if purpose not in PURPOSES:
        raise ValueError(purpose)
    recent = session.scalar(select(func.count(OneTimeCode.id)).where(
        OneTimeCode.user_id == user.id, OneTimeCode.purpose == purpose,
        OneTimeCode.created_at > now - timedelta(hours=1)))
    if recent >= PER_HOUR:
        raise TooManyCodes("Đã gửi quá nhiều mã trong một giờ; vui lòng thử lại sau.")
    for old in session.scalars(select(OneTimeCode).where(
            OneTimeCode.user_id == user.id, OneTimeCode.purpose == purpose, OneTimeCode.used_at.is_(None),
            OneTimeCode.expires_at > now)):
        old.expires_at = now
    code = f"{secrets.randbelow(10**6):06d}"
    minutes = MINUTES[purpose]
    session.add(OneTimeCode(user_id=user.id, purpose=purpose, code_hash=_hash(settings, user.id, purpose, code),
                            created_at=now, expires_at=now + timedelta(minutes=minutes)))
    notices.notify_code(session, settings, user, PURPOSES[purpose], code, now, minutes=minutes)
    return code


def consume(session: Session, settings: Settings, user: User, purpose: str, code: str, now: datetime) -> bool:
    """True once for the right, live code; a wrong guess counts against the live code (and is committed by the
    caller even when the request then fails)."""
    live = session.scalar(select(OneTimeCode).where(
        OneTimeCode.user_id == user.id, OneTimeCode.purpose == purpose, OneTimeCode.used_at.is_(None),
        OneTimeCode.expires_at > now).order_by(OneTimeCode.created_at.desc()).limit(1))
    if live is None or live.attempts >= GUESSES:
        return False
    if hmac.compare_digest(live.code_hash, _hash(settings, user.id, purpose, (code or "").strip())):
        live.used_at = now
        return True
    live.attempts += 1
    return False
