"""Citizen accounts beyond self-registration: made at the desk for a walk-in citizen (activated by a one-time
code), recovered by a one-time code, suspended, reinstated or cancelled by an administrator (D3, seeds 002/004).

A desk account is standardised at once (the officer has the citizen's card in hand) unless another account
already holds that CCCD standardised: then, as D3 says, the new account is locked and the officer is told why
(the citizen should recover the standardised account instead); the checked holder's own facts again are the
same citizen again (a form sent twice, a retry), refused with nothing made or sent. An account that only
declared the CCCD (self-registered, checked by nobody) becomes the account of the citizen whose card the
officer holds, or, when an administrator shut it, gives the CCCD up to a new one. Recovery answers the same whether an account
exists or not; codes are hashed, short-lived and limited per account (engine.cases.onetime) and requests are
limited per client address here.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from engine.cases import accounts, administration, idempotency, notices, onetime
from engine.core.errors import Conflict, EngineError, Forbidden, Invalid, NotFound
from engine.core.settings import Settings
from engine.core.vocabulary import CCCD_RE, compact_number, folded, vn_time
from engine.data.agency_model import Agency, OneTimeCode
from engine.data.citizen_model import RecoveryAttempt
from engine.data.model import User
from engine.process.forms import clean_text

RECOVERY_LIMIT = 10  # recovery requests one client address may make in RECOVERY_WINDOW
RECOVERY_WINDOW = timedelta(minutes=15)
PAGE = 50
CHANGES = ("suspend", "reinstate", "cancel")
DESK_ROLES = {"receiving_officer", "administrator"}


class TooManyRecoveries(EngineError):
    """Too many recovery requests from one address; ``until`` is when it may ask again."""

    status, code = 429, "too_many_recoveries"

    def __init__(self, message: str, until: datetime):
        super().__init__(message)
        self.until = until


@dataclass
class DeskAccount:
    user: User
    locked: bool  # D3: another account already holds the CCCD standardised
    took_over: bool = False  # the citizen's card checked a self-registered account with the CCCD: it is theirs
    unseated: bool = False  # a self-registered account with the CCCD, locked or cancelled, gave it up (unseat)


def unusable_password() -> str:
    """A password hash no password matches (werkzeug refuses a hash without its method): the account waits
    for its activation code."""
    return "!" + secrets.token_hex(16)


def create_at_desk(session: Session, settings: Settings, now: datetime, officer: User, data) -> DeskAccount:
    """The receiving officer makes the account of a walk-in citizen from the four facts of D3; the citizen gets
    an activation code on their phone or email and sets the password themself (no password is spoken at the
    desk)."""
    if not officer.roles & DESK_ROLES:
        raise Forbidden("Chỉ cán bộ tiếp nhận tạo được tài khoản công dân tại quầy.", code="not_receiving_officer")
    if not isinstance(data, dict):
        raise Invalid("Dữ liệu phải là một đối tượng JSON")
    errors: dict[str, str] = {}
    facts = accounts.citizen_facts(data, now, errors)
    if errors:
        raise Invalid("Thông tin công dân chưa hợp lệ", fields=errors)
    cccd = facts["cccd"]
    holder = session.scalar(select(User).where(User.cccd == cccd, User.standardised).limit(1))
    if holder is not None and holder.identity_checked in ("desk", "eid") and same_citizen(holder, facts):
        refuse_again(holder)  # the same citizen again (the form sent twice, a retry): nothing is made or sent
    unseated = holder is not None and holder.identity_checked is None and shut(holder)
    if holder is not None and holder.identity_checked is None and not unseated:
        # nobody checked the holder, the card in the officer's hand does: most often the citizen registered
        # online herself and was sent here (accounts.OWNER_WAYS), so the account stays with its dossiers (those
        # it filed for others too, D4) and whoever else made it is out, as with the e-ID
        previous = {"full_name": holder.full_name, "phone": holder.phone, "email": holder.email}
        _tell_old_contact(session, settings, now, officer, holder)  # a mistyped CCCD is seen and undone
        holder.full_name, holder.cccd_issued_on = facts["full_name"], facts["cccd_issued_on"]
        holder.phone, holder.email, holder.identity_checked = facts["phone"], facts["email"], "desk"
        take_over(session, now, holder)
        administration.audit(session, now, officer, "citizen.desk_create", "citizen", holder.username,
                             officer.agency, took_over=True, before=previous)
        onetime.issue(session, settings, holder, "activation", now)  # to the phone and email typed at the desk
        return DeskAccount(holder, False, took_over=True)
    if unseated:  # shut by an administrator: it stays shut, and the card in the officer's hand gets a new one
        unseat(session, holder)
        administration.audit(session, now, officer, "citizen.unseat", "citizen", holder.username, officer.agency)
        holder = None
    taken = session.scalar(select(User.id).where(User.username == cccd)) is not None
    if holder is None and taken:  # an account with this login name, not standardised: one account per CCCD
        raise Conflict("Số CCCD này đã có tài khoản; hãy giúp công dân khôi phục tài khoản đó.", code="cccd_taken")
    username = cccd
    if holder is not None:  # D3: the new account exists (the citizen's request is kept) but is locked
        count = session.scalar(select(func.count(User.id)).where(User.cccd == cccd))
        username = f"{cccd}.{count + 1}"
    user = User(username=username, password_hash=unusable_password(), full_name=facts["full_name"],
                roles_text="citizen", cccd=cccd, cccd_issued_on=facts["cccd_issued_on"], phone=facts["phone"],
                email=facts["email"], standardised=holder is None, created_at=now,
                locked_reason=accounts.D3_LOCK if holder is not None else None, identity_checked="desk")
    session.add(user)
    session.flush()
    administration.audit(session, now, officer, "citizen.desk_create", "citizen", username, officer.agency,
                         locked=holder is not None)
    onetime.issue(session, settings, user, "activation", now)
    return DeskAccount(user, holder is not None, unseated=unseated)


def desk_answer(session: Session, officer: User, key: str, now: datetime) -> DeskAccount | None:
    """What the desk's form sent with the one-time ``key`` made, for the page the officer is led to after it
    (reloading that page sends nothing again): kept with the key (engine.cases.idempotency), for this officer
    only and for as long as the key is kept; None otherwise."""
    answer = idempotency.remembered(session, officer, f"form:{key}"[:255], now) or {}
    user = session.get(User, answer["user"]) if isinstance(answer.get("user"), int) else None
    if user is None:
        return None
    return DeskAccount(user, bool(answer.get("locked")), took_over=bool(answer.get("took_over")),
                       unseated=bool(answer.get("unseated")))


def same_citizen(holder: User, facts: dict) -> bool:
    """The facts typed at the desk are those of the checked holder of the CCCD: the same name (however it is
    typed: case, spaces, Unicode form), date of issue and phone (0912… or +84912…)."""
    return (folded(holder.full_name or "") == folded(facts["full_name"])
            and holder.cccd_issued_on == facts["cccd_issued_on"]
            and (holder.phone or "") in phone_forms(facts["phone"]))


def refuse_again(holder: User) -> None:
    """D3 for the same citizen again: no locked twin and no second activation code (the citizen would follow the
    newest SMS to a locked account); the officer is told which account the citizen already has and how they get
    into it (recovery sends a new code to a standardised account, activated or not)."""
    if shut(holder):
        raise Conflict(f"Công dân đã có tài khoản {holder.username} với các thông tin này, nhưng tài khoản đang bị "
                       "khóa hoặc đã bị hủy; không tạo tài khoản mới. Công dân liên hệ quản trị viên để được xem "
                       "xét mở lại tài khoản.", code="account_exists")
    raise Conflict(f"Công dân đã có tài khoản {holder.username} với các thông tin này; không tạo tài khoản mới và "
                   "không gửi thêm mã. Nếu công dân chưa kích hoạt hoặc quên mật khẩu, hãy hướng dẫn dùng trang "
                   "Quên mật khẩu (bằng số CCCD hoặc số điện thoại của tài khoản) để nhận mã mới.",
                   code="account_exists")


def _tell_old_contact(session: Session, settings: Settings, now: datetime, officer: User, holder: User) -> None:
    """The phone and email an account had before the desk handed it to the citizen whose card the officer held
    are told so, whatever notices they chose: who made the account online learns it is no longer theirs, and a
    CCCD mistyped at the desk is caught by the person it belonged to."""
    place = officer.agency.name if officer.agency is not None else "Bộ phận Một cửa"
    body = (f"Tài khoản {holder.username} đăng ký trực tuyến đã được xác minh tại {place} lúc "
            f"{vn_time(now, 'datetime')} và giao cho người có thẻ CCCD số này; số điện thoại, thư điện tử và mật "
            "khẩu cũ của tài khoản không còn dùng được. Nếu đây không phải là bạn, hãy liên hệ ngay cơ quan đó.")
    notices.tell_account(session, settings, now, holder, f"Tài khoản {holder.username} đã được xác minh", body)


def shut(user: User) -> bool:
    """Locked (by an administrator, or by D3) or cancelled: nobody signs in to it."""
    return user.locked_reason is not None or user.cancelled_at is not None


def take_over(session: Session, now: datetime, user: User) -> None:
    """An unchecked account with the CCCD (self-registered: anyone who knows the number could have typed it)
    becomes the checked holder's, whose facts the caller has put in: nothing of who made it stays that could let
    them back in (their password, sessions and API tokens, a recovery code already sent) or reach them (a code
    goes to the account's phone and email, now the holder's; so do the notices still waiting to be sent, D28:
    notices.readdress, the codes among them ended). The holder sets a password with a code."""
    user.standardised = True
    user.password_hash = unusable_password()
    accounts.end_all_sessions(session, user)
    session.execute(update(OneTimeCode).where(OneTimeCode.user_id == user.id, OneTimeCode.used_at.is_(None),
                                              OneTimeCode.expires_at > now).values(expires_at=now))
    notices.readdress(session, user, codes_ended=True)


def unseat(session: Session, holder: User) -> None:
    """D3 for a CCCD whose account only declared it (self-registered, checked by nobody) and which is shut: the
    account the desk or the e-ID makes becomes the standardised one and the declared one is locked, its
    sessions and tokens ended, as any other account with a standardised CCCD. It gives up the CCCD as login
    name, which the real holder signs in with. The caller audits."""
    count = session.scalar(select(func.count(User.id)).where(User.cccd == holder.cccd))
    if holder.username == holder.cccd:
        holder.username = f"{holder.cccd}.{count + 1}"
    # an administrator's reason for shutting it stays (it still counts as held elsewhere: accounts.d3_locked)
    holder.standardised, holder.locked_reason = False, holder.locked_reason or accounts.D3_LOCK
    accounts.end_all_sessions(session, holder)
    session.flush()  # its login name is free before the new account takes it


def _password_errors(password, again) -> dict[str, str]:
    if accounts.password_problem(password):
        return {"password": accounts.password_problem(password)}
    if password != again:
        return {"password2": "Mật khẩu nhập lại không khớp"}
    return {}


def activate(session: Session, settings: Settings, now: datetime, username: str, code: str, password: str,
             again: str) -> User:
    """The citizen's first password, with the activation code the desk sent. A wrong code counts (the caller
    commits on Invalid); the answer never says whether the account exists."""
    errors = _password_errors(password, again)
    if errors:
        raise Invalid("Chưa kích hoạt được tài khoản", fields=errors)
    name = accounts.login_name(username)  # as typed on a phone: spaces in the CCCD, a capital first letter
    user = session.scalar(select(User).where(User.username == name)) if name else None
    if user is None or user.cancelled_at is not None or \
            not onetime.consume(session, settings, user, "activation", code, now):
        raise Invalid("Mã kích hoạt không đúng hoặc đã hết hạn", fields={"code": "Không đúng hoặc đã hết hạn"},
                      code="bad_code")
    accounts.set_password(session, user, password)
    return user


# -- recovery ------------------------------------------------------------------------------------------------
def count_recovery(session: Session, remote_addr: str | None, now: datetime) -> None:
    """At most RECOVERY_LIMIT requests per address in RECOVERY_WINDOW; raises TooManyRecoveries (recording
    nothing) past it. Older requests are deleted on the way. The caller commits."""
    addr = (remote_addr or "unknown")[:45]
    since = now - RECOVERY_WINDOW
    session.execute(delete(RecoveryAttempt).where(RecoveryAttempt.at <= since))
    recent = list(session.scalars(select(RecoveryAttempt.at).where(
        RecoveryAttempt.remote_addr == addr, RecoveryAttempt.at > since)
        .order_by(RecoveryAttempt.at.desc()).limit(RECOVERY_LIMIT)))
    if len(recent) >= RECOVERY_LIMIT:
        raise TooManyRecoveries("Quá nhiều yêu cầu khôi phục từ cùng một địa chỉ; vui lòng thử lại sau.",
                                recent[-1] + RECOVERY_WINDOW)
    session.add(RecoveryAttempt(remote_addr=addr, at=now))
    session.flush()


def recoverable(session: Session, identifier: str) -> list[User]:
    """The accounts a CCCD or phone number names that may get a recovery code: by CCCD the standardised one
    (the one D3 keeps), by phone every citizen account with it (at most a few); never a cancelled or suspended
    account (a reset would not let it in), and a D3-locked one only through its standardised twin."""
    text = compact_number(identifier)  # 0912 345 678 as typed, full-width digits as the login takes them
    if CCCD_RE.match(text):
        query = select(User).where(User.cccd == text, User.standardised)
    elif accounts.PHONE_RE.match(text) or accounts.PHONE_RE.match("+" + text):
        query = select(User).where(User.phone.in_(phone_forms(text)), User.standardised)  # 0912…, +84912…
    else:
        return []
    found = session.scalars(query.where(User.cancelled_at.is_(None), User.locked_reason.is_(None))
                            .order_by(User.id).limit(5))
    return [u for u in found if "citizen" in u.roles]


def request_recovery(session: Session, settings: Settings, now: datetime, identifier: str,
                     remote_addr: str | None) -> None:
    """Send a recovery code to the accounts ``identifier`` names; nothing tells the caller whether any did."""
    count_recovery(session, remote_addr, now)
    for user in recoverable(session, identifier):
        try:
            onetime.issue(session, settings, user, "recovery", now)
        except onetime.TooManyCodes:
            continue  # the account's own limit: the same answer as for an account that does not exist


def reset_password(session: Session, settings: Settings, now: datetime, identifier: str, code: str,
                   password: str, again: str) -> User:
    """A new password with a recovery code; every session and API token of the account ends. A wrong code
    counts against the live code (the caller commits on Invalid)."""
    errors = _password_errors(password, again)
    if errors:
        raise Invalid("Chưa đặt lại được mật khẩu", fields=errors)
    for user in recoverable(session, identifier):
        if onetime.consume(session, settings, user, "recovery", code, now):
            accounts.set_password(session, user, password)
            return user
    raise Invalid("Mã khôi phục không đúng hoặc đã hết hạn", fields={"code": "Không đúng hoặc đã hết hạn"},
                  code="bad_code")


# -- administration ------------------------------------------------------------------------------------------
def phone_forms(text: str) -> list[str]:
    """The ways one Vietnamese number is stored (accounts take 0912000111 and +84912000111 alike): a search by
    one finds the other (each form is an equality on the phone index)."""
    if text.startswith("+84") and len(text) > 3:
        return [text, "0" + text[3:]]
    if text.startswith("84") and len(text) in (11, 12):
        return ["+" + text, "0" + text[2:]]
    if text.startswith("0") and len(text) > 1:
        return [text, "+84" + text[1:]]
    return [text]


def administer(session: Session, admin: User) -> None:
    """Forbidden unless ``admin`` administers the whole installation. A citizen belongs to no agency (they
    may file at any agency of the province, D29), so the account is the province's: an agency administrator
    may not search, read or change it. The whole installation: the province (``administration.scope`` None),
    or the root of the only tree (a single ward's installation). Called before anything is read."""
    root = administration.scope(session, admin)  # not_administrator for anyone else
    if root is None or (root.parent_id is None and session.scalar(
            select(Agency.id).where(Agency.parent_id.is_(None), Agency.id != root.id).limit(1)) is None):
        return
    raise Forbidden("Chỉ quản trị viên cấp tỉnh được quản lý tài khoản công dân.", code="outside_your_agencies")


def search(session: Session, admin: User, text: str = "", before: int | None = None) -> list[User]:
    """Citizen accounts, newest first, PAGE + 1 of them (the caller shows PAGE and knows whether more follow);
    ``text``: a CCCD or a phone number (both indexed); ``before``: the id the previous page ended at."""
    administer(session, admin)
    query = select(User).where(User.roles_text == "citizen")
    text = (text or "").strip()
    compact = compact_number(text)  # as people write numbers: 0912 000 111, 0912.000.111
    if CCCD_RE.match(compact):
        query = query.where(User.cccd == compact)
    elif text:
        query = query.where(User.phone.in_(phone_forms(compact)))
    if before is not None:
        query = query.where(User.id < before)
    return list(session.scalars(query.order_by(User.id.desc()).limit(PAGE + 1)))


def citizen(session: Session, *, user_id: int | None = None, username: str | None = None) -> User:
    user = session.get(User, user_id) if user_id is not None else (
        session.scalar(select(User).where(User.username == username)) if isinstance(username, str) else None)
    if user is None or user.roles_text != "citizen":
        raise NotFound("Không tìm thấy tài khoản công dân", code="citizen_not_found")
    return user


def change(session: Session, settings: Settings, now: datetime, admin: User, user: User, what: str,
           reason) -> None:
    """Suspend, reinstate or cancel a citizen account with a reason: audited, the citizen told on every channel
    they have (they may not be able to sign in to read it). Cancelling is final; the dossiers stay."""
    administer(session, admin)
    if what not in CHANGES:
        raise Invalid("Thao tác không hợp lệ", fields={"action": "suspend, reinstate hoặc cancel"})
    text = clean_text(reason, min_length=1, max_length=255)
    if text is None:
        raise Invalid("Cần lý do (tối đa 255 ký tự)", fields={"reason": "Bắt buộc"})
    if user.cancelled_at is not None:
        raise Conflict("Tài khoản đã bị hủy; không thể thay đổi.", code="account_cancelled")
    if what == "reinstate":
        if accounts.d3_locked(session, user):
            raise Conflict("Tài khoản bị khóa vì số CCCD đã được chuẩn hóa cho một tài khoản khác; không mở khóa "
                           "được.", code="cccd_standardised_elsewhere")
        accounts.reinstate(session, user)
    else:
        accounts.suspend(session, user, text)
        if what == "cancel":
            user.cancelled_at = now
    done = {"suspend": "suspended", "reinstate": "reinstated", "cancel": "cancelled"}[what]
    administration.audit(session, now, admin, f"citizen.{what}", "citizen", user.username, None, reason=text)
    notices.notify(session, settings, "account_status", now=now, users=[user], always=True,
                   context={"change": done, "username": user.username, "at": now, "reason": text})
    session.flush()


def describe(user: User) -> dict:
    """A citizen account as the API shows it (never its password or codes)."""
    return {"username": user.username, "full_name": user.full_name, "cccd": user.cccd, "phone": user.phone,
            "standardised": user.standardised, "active": user.locked_reason is None,
            "cancelled": user.cancelled_at is not None, "locked_reason": user.locked_reason,
            "identity_checked": user.identity_checked}
