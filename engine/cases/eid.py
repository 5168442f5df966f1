"""Signing in with the national electronic identity (an OpenID Connect provider): the verified identity's CCCD
names the citizen account. The web edge (engine.web.eid) runs the code flow and checks state, nonce, audience
and signature; this module only decides which account the checked claims open.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.cases import accounts, citizens
from engine.core.errors import Unauthorized
from engine.core.vocabulary import CCCD_RE
from engine.data.model import User
from engine.process.forms import clean_text


def account_for(session: Session, now: datetime, claims: dict, cccd_claim: str = "cccd") -> User:
    """The citizen account of a verified identity: the standardised account with its CCCD, or a new one made
    standardised from the claims (the e-ID has verified the person). Making it locks any other account with
    that CCCD (D3). A suspended or cancelled account stays shut."""
    cccd = claims.get(cccd_claim)
    if not isinstance(cccd, str) or not CCCD_RE.match(cccd):
        raise Unauthorized("Danh tính điện tử không có số CCCD hợp lệ.", code="eid_without_cccd")
    user = session.scalar(select(User).where(User.cccd == cccd, User.standardised).limit(1)) or \
        session.scalar(select(User).where(User.username == cccd))
    if user is None:
        name = clean_text(claims.get("name"), min_length=2, max_length=255) or cccd
        phone = claims.get("phone_number")
        email = claims.get("email")
        user = User(username=cccd, password_hash=citizens.unusable_password(), full_name=name,
                    roles_text="citizen", cccd=cccd, created_at=now, standardised=True,
                    phone=phone if isinstance(phone, str) and accounts.PHONE_RE.match(phone) else None,
                    email=email if isinstance(email, str) and accounts.EMAIL_RE.match(email) else None)
        session.add(user)
        session.flush()
    elif "citizen" not in user.roles:
        raise Unauthorized("Danh tính điện tử chỉ dùng cho tài khoản công dân.", code="eid_not_citizen")
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
