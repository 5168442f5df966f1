"""The PIN attempts of a signing request (D35): wrong PINs lock the request for a while, as failed logins lock a
name (engine.cases.portal_cases): LOCK_AFTER_FAILURES wrong PINs in LOCK_MINUTES lock it LOCK_MINUTES after the
last of them.

The PIN is tried on the signer's key outside any transaction (engine.cases.signing_requests.sign), so a check of
the failures recorded so far is not enough: twelve tries sent at once all found none recorded and all went on to
try their PIN. An attempt therefore takes a slot first (``claim``): under the request's row lock (``hold``) it
counts the failures and the attempts still in flight, and records its own as in flight (``TRYING``); its outcome
then settles the slot (``settle``) or drops it when no PIN was judged (``drop``). At most LOCK_AFTER_FAILURES
PINs are tried in a window, however many arrive together, and every refused one says why (429). An attempt whose
process died while trying keeps its slot until the window passes: the lock errs on the side of the signer's key.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from engine.core.errors import EngineError
from engine.core.vocabulary import vn_time
from engine.data import row_locks
from engine.data.signing_model import SigningAttempt, SigningRequest

LOCK_AFTER_FAILURES, LOCK_MINUTES = 5, 15  # the login limiter's numbers, per request
PIN_ERRORS = ("bad_key", "wrong_pin")  # the failures that count towards the lock: a PIN tried, not a PIN missing
TRYING = "trying"  # a PIN being tried now: counted with the failures until its outcome is known
_COUNTED = (*PIN_ERRORS, TRYING)
_REQUESTS = SigningRequest.__table__


class TooManyPinAttempts(EngineError):
    """Too many wrong PINs for one request: it is locked for a while (the login limiter's rule)."""

    status, code = 429, "too_many_attempts"


def hold(session: Session, request_id: int) -> None:
    """Serialise what the transaction does with request ``request_id`` (its attempts, its outcome, sending it
    back): call it before reading the request, so that what is read is what the previous holder committed."""
    row_locks.hold(session, _REQUESTS, request_id)


def locked_until(session: Session, request_id: int, now: datetime) -> datetime | None:
    """The login limiter's rule per request: LOCK_AFTER_FAILURES wrong PINs (or PINs still being tried) in
    LOCK_MINUTES lock the request LOCK_MINUTES after the last of them."""
    since = now - timedelta(minutes=LOCK_MINUTES)
    failures = list(session.scalars(select(SigningAttempt.at).where(
        SigningAttempt.request_id == request_id, SigningAttempt.succeeded.is_(False),
        SigningAttempt.code.in_(_COUNTED), SigningAttempt.at > since)
        .order_by(SigningAttempt.at.desc()).limit(LOCK_AFTER_FAILURES)))
    if len(failures) < LOCK_AFTER_FAILURES:
        return None
    until = failures[0] + timedelta(minutes=LOCK_MINUTES)
    return until if until > now else None


def claim(session: Session, request_id: int, user_id: int, now: datetime) -> int:
    """The attempt's slot (its id), or TooManyPinAttempts; the request must be held (``hold``)."""
    until = locked_until(session, request_id, now)
    if until is not None:
        raise TooManyPinAttempts(f"Nhập sai mã PIN quá {LOCK_AFTER_FAILURES} lần; tạm khóa ký văn bản này đến "
                                 f"{vn_time(until, 'at')}")
    slot = SigningAttempt(request_id=request_id, user_id=user_id, at=now, succeeded=False, code=TRYING)
    session.add(slot)
    session.flush()
    return slot.id


def settle(session: Session, slot: int, code: str | None) -> None:
    """The attempt's outcome: signed (``code`` None) or failed with ``code`` (a wrong PIN counts)."""
    session.execute(update(SigningAttempt).where(SigningAttempt.id == slot)
                    .values(succeeded=code is None, code=code and code[:40])
                    .execution_options(synchronize_session=False))


def drop(session: Session, slot: int) -> None:
    """No PIN was judged (a confirmation is awaited, the request was signed meanwhile, a fault): no attempt."""
    session.execute(delete(SigningAttempt).where(SigningAttempt.id == slot, SigningAttempt.code == TRYING)
                    .execution_options(synchronize_session=False))
