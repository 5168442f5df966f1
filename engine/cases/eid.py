"""Signing in with the national electronic identity (an OpenID Connect provider): the verified identity's CCCD
names the citizen account. The web edge (engine.web.eid) runs the code flow and checks state, nonce, audience
and signature; this module only decides which account the checked claims open.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.cases import accounts, administration, citizens
from engine.core.errors import Unauthorized
from engine.core.vocabulary import CCCD_RE
from engine.data.model import User
from engine.process.forms import clean_name


def account_for(session: Session, now: datetime, claims: dict, cccd_claim: str = "cccd") -> User:
    """The citizen account of a verified identity: the standardised account with its CCCD, or a new one made
    standardised from the claims (the e-ID has verified the person). Making it locks any other account with
    that CCCD (D3). A suspended or cancelled account stays shut.

    The verified holder wins over a declared one: an account whose CCCD nobody checked (self-registered: anyone
    who knows the number could have typed it) becomes the e-ID holder's, with the name and contact of the
    claims, and whoever made it loses it (password, sessions, tokens and pending codes end); one an administrator
    shut gives the CCCD up to a new account."""
    cccd = claims.get(cccd_claim)
    if not isinstance(cccd, str) or not CCCD_RE.match(cccd):
        raise Unauthorized("Danh tính điện tử không có số CCCD hợp lệ.", code="eid_without_cccd")
    user, unseated = _holder(session, cccd), []
    while user is not None and "citizen" in user.roles and user.identity_checked is None and citizens.shut(user):
        # an administrator shut the declared account (most often: a stranger registered with the number): it
        # stays shut, and the verified holder gets a new one rather than its lock
        citizens.unseat(session, user)
        unseated.append(user)
        user = _holder(session, cccd)
    if user is None:
        user = User(username=cccd, password_hash=citizens.unusable_password(), full_name=cccd,
                    roles_text="citizen", cccd=cccd, created_at=now, standardised=True)
        _from_claims(user, claims)
        session.add(user)
        session.flush()
        for old in unseated:
            administration.audit(session, now, user, "citizen.unseat", "citizen", old.username, by="eid")
    elif "citizen" not in user.roles:
        raise Unauthorized("Danh tính điện tử chỉ dùng cho tài khoản công dân.", code="eid_not_citizen")
    elif user.locked_reason is None and user.identity_checked is None:
        _take_over(session, now, user, claims)
    elif not user.standardised and user.locked_reason is None:
        user.standardised = True  # the e-ID verified what the account claimed
    if user.locked_reason:
        raise Unauthorized(f"Tài khoản bị khóa: {user.locked_reason}", code="account_locked")
    for other in session.scalars(select(User).where(User.cccd == cccd, User.id != user.id,
                                                    User.locked_reason.is_(None), User.standardised.is_(False))):
        other.locked_reason = accounts.D3_LOCK
        accounts.end_all_sessions(session, other)
    session.flush()
    return user


def _holder(session: Session, cccd: str) -> User | None:
    """The account the CCCD names: the standardised one, or the one with it as login name."""
    return session.scalar(select(User).where(User.cccd == cccd, User.standardised).limit(1)) or \
        session.scalar(select(User).where(User.username == cccd))


def _from_claims(user: User, claims: dict) -> None:
    """The person as the e-ID says: name, phone and email (a contact the claims do not give is left empty)."""
    user.full_name = clean_name(claims.get("name")) or user.cccd
    phone, email = claims.get("phone_number"), claims.get("email")
    user.phone = phone if isinstance(phone, str) and accounts.PHONE_RE.match(phone) else None
    user.email = email if isinstance(email, str) and accounts.EMAIL_RE.match(email) else None
    user.identity_checked = "eid"


def _take_over(session: Session, now: datetime, user: User, claims: dict) -> None:
    """An unchecked account with the CCCD becomes the e-ID holder's: nothing of who made it stays that could
    let them back in (their password, sessions and API tokens, a recovery code already sent) or reach them (a
    reset code goes to the account's phone and email, now the holder's)."""
    _from_claims(user, claims)
    user.cccd_issued_on = None  # the declared date of issue was checked by nobody
    citizens.take_over(session, now, user)
