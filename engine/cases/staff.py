"""Administering officers (issue 13, item 3): create an officer of an agency with roles, suspend and re-enable,
change roles or agency, start a password reset; the officer's first password and a reset both go through a
one-time code sent to the officer's own channel (engine.cases.onetime), so that no password travels through an
administrator. Every change is audited in its transaction.

Scope (D29): an administrator acts on the officers of agencies in their subtree only; an officer outside it is
"not found". The roles an administrator gives are the officers' roles and ``administrator``; an agency
administrator cannot make a province administrator, because the province's root lies outside their subtree.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any, Iterator

from sqlalchemy import and_, func, or_, select, text
from sqlalchemy.orm import Session

from engine.cases import accounts, administration, notices, onetime, signer_duty, tasks
from engine.core.errors import Conflict, Invalid, NotFound
from engine.core.settings import Settings
from engine.core.vocabulary import vn_time
from engine.data import agencies, page_indexes
from engine.data.agency_model import AdminEvent, Agency
from engine.data.model import OFFICER_ROLES, User
from engine.process.forms import clean_name, clean_text, name_error, unchanged

GIVEN_ROLES = frozenset(OFFICER_ROLES | {"administrator"})
USERNAME_RE = re.compile(r"[a-z][a-z0-9._-]{1,63}\Z")  # lower case; starts with a letter (a CCCD is all digits)
USERNAME_PATTERN = "^[a-z][a-z0-9._-]{1,63}$"
SUSPENDED_BY_ADMIN = "Tạm khóa bởi quản trị viên"
PAGE = 50


def _officer_filter(session: Session, user: User | None):
    """Officers the caller administers: of an agency in their subtree (through the index on the agency, so that
    the citizens, who belong to no agency, are never read). The operator's CLI (``user`` None) reaches every
    account but citizens, the officers of no agency too (an installation's first operator)."""
    not_citizen = User.roles_text != "citizen"
    if user is None:
        return text(page_indexes.STAFF)  # the same, as its partial index's own text (read off that index)
    if administration.scope(session, user) is None:
        return and_(not_citizen, User.agency_id.is_not(None))
    return and_(not_citizen, User.agency_id.in_(administration.agency_ids(session, user)))


def describe(user: User, agency_code: str | None) -> dict[str, Any]:
    """An officer as the API shows it: never a password, a hash or a code."""
    return {"username": user.username, "full_name": user.full_name, "agency": agency_code,
            "roles": sorted(user.roles), "email": user.email, "phone": user.phone,
            "active": user.locked_reason is None, "suspended_reason": user.locked_reason,
            "activated": bool(user.password_hash)}


def describe_one(session: Session, user: User) -> dict[str, Any]:
    agency = session.get(Agency, user.agency_id) if user.agency_id is not None else None
    return describe(user, agency.code if agency is not None else None)


def visible(session: Session, actor: User | None, username: Any) -> User:
    """The officer ``username`` if ``actor`` administers them (None: the operator's CLI); else NotFound."""
    if not isinstance(username, str):
        raise NotFound("Không tìm thấy cán bộ", code="officer_not_found")
    user = session.scalar(select(User).where(User.username == accounts.login_name(username),  # as typed
                                             _officer_filter(session, actor)))
    if user is None:
        raise NotFound("Không tìm thấy cán bộ", code="officer_not_found")
    return user


def page(session: Session, actor: User, agency: str | None = None, after: str | None = None,
         limit: int = PAGE) -> tuple[list[dict], str | None]:
    """One page of the officers the caller administers (of ``agency`` only if named), by username; the
    cursor of the next page or None. Indexed: username order, agency filter."""
    query = (select(User, Agency.code).outerjoin(Agency, Agency.id == User.agency_id)
             .where(_officer_filter(session, actor)).order_by(User.username))
    if agency:
        from engine.cases import agency_admin

        query = query.where(User.agency_id == agency_admin.visible(session, actor, agency).id)
    if after:
        query = query.where(User.username > after)
    rows = session.execute(query.limit(limit + 1)).all()
    shown = [describe(u, code) for u, code in rows[:limit]]
    return shown, (shown[-1]["username"] if len(rows) > limit else None)


def count(session: Session, actor: User) -> int:
    return session.scalar(select(func.count(User.id)).where(_officer_filter(session, actor)))


def every_officer(session: Session, agency_id: int | None = None,
                  batch: int = 500) -> Iterator[tuple[User, str | None]]:
    """The operator's list (`tthc officer list`): every account but the citizens' (of ``agency_id`` only if given),
    with its agency's code, by username, ``batch`` at a time off the usernames' partial index (never the citizens'
    accounts, nor all the officers in memory at once)."""
    query = (select(User, Agency.code).outerjoin(Agency, Agency.id == User.agency_id)
             .where(_officer_filter(session, None)).order_by(User.username).limit(batch))
    if agency_id is not None:
        query = query.where(User.agency_id == agency_id)
    after = None
    while True:
        rows = session.execute(query if after is None else query.where(User.username > after)).all()
        yield from rows
        if len(rows) < batch:
            return
        after = rows[-1][0].username
        for user, _code in rows:  # the batch read is done with: memory stays one batch (the caller's own
            session.expunge(user)  # objects stay in its session)


# -- checking what an administrator sends ------------------------------------------------------------------
def _roles(value: Any, errors: dict) -> set[str]:
    if not isinstance(value, list) or not value or not all(isinstance(r, str) for r in value) or \
            not set(value) <= GIVEN_ROLES:
        errors["roles"] = "Một hoặc nhiều vai trò: " + ", ".join(sorted(GIVEN_ROLES))
        return set()
    return set(value)


def _agency(session: Session, actor: User | None, code: Any, errors: dict) -> Agency | None:
    agency = agencies.by_code(session, code) if isinstance(code, str) and code else None
    if agency is None:
        errors["agency"] = "Không có cơ quan với mã này"
    elif not agency.active:
        errors["agency"] = "Cơ quan này đã ngừng hoạt động"
    return agency


def _contact(data: dict, errors: dict) -> tuple[str | None, str | None]:
    email, phone = data.get("email"), data.get("phone")  # null: none
    if email is not None and (not isinstance(email, str) or clean_text(email, max_length=255) is None or not accounts.EMAIL_RE.match(email)):
        errors["email"] = "Địa chỉ email không hợp lệ"
    if phone is not None and (not isinstance(phone, str) or not accounts.PHONE_RE.match(phone)):
        errors["phone"] = "Số điện thoại không hợp lệ"
    return email, phone


NO_CHANNEL = "Cần thư điện tử hoặc số điện thoại để gửi mã kích hoạt"  # as the administration page says it


def check_new(session: Session, actor: User | None, data: Any, needs_channel: bool = True) -> tuple[dict, Agency]:
    """Everything a new officer needs, checked before anything is written (the import checks every row with
    it first). Raises Invalid (naming fields), Forbidden (an agency outside the caller's subtree) or Conflict
    (the username is taken). ``needs_channel``: the activation code goes to the officer's email or phone only,
    so one of them is required (not when the operator's CLI sets a password or prints the code)."""
    if not isinstance(data, dict):
        raise Invalid("Dữ liệu phải là một đối tượng JSON")
    errors: dict[str, str] = {}
    username = data.get("username")
    if not isinstance(username, str) or not USERNAME_RE.match(username):
        errors["username"] = "Tên đăng nhập: 2–64 ký tự thường a–z, 0–9, dấu chấm, gạch; bắt đầu bằng chữ"
    name = clean_name(data.get("full_name"))
    if name is None:
        errors["full_name"] = name_error(data.get("full_name"), "Họ và tên", "Họ và tên là bắt buộc (2–255 ký tự)")
    agency = _agency(session, actor, data.get("agency"), errors)
    roles = _roles(data.get("roles"), errors)
    email, phone = _contact(data, errors)
    if needs_channel and not email and not phone and "email" not in errors and "phone" not in errors:
        errors["email"] = NO_CHANNEL
    if "password" in data:
        errors["password"] = "Không gửi mật khẩu: cán bộ tự đặt mật khẩu bằng mã kích hoạt"
    if errors:
        raise Invalid("Thông tin cán bộ chưa hợp lệ", fields=errors)
    if actor is not None:
        administration.require(session, actor, agency)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict("Tên đăng nhập này đã có người dùng", code="username_taken", fields={"username": "Đã tồn tại"})
    return {"username": username, "full_name": name, "roles": roles, "email": email, "phone": phone}, agency


def create(session: Session, settings: Settings, now: datetime, actor: User | None, data: Any,
           password: str | None = None) -> tuple[User, str | None]:
    """A new officer. Without ``password`` (always, through the web and the API) an activation code goes to the
    officer's channel and is returned for the operator's CLI only; with one (the operator's own machine) the
    officer may sign in at once. Through the web and the API (an ``actor``) the code is shown to nobody: the
    officer needs an email or a phone to receive it."""
    facts, agency = check_new(session, actor, data, needs_channel=actor is not None and not password)
    return add_checked(session, settings, now, actor, facts, agency, password)


def add_checked(session: Session, settings: Settings, now: datetime, actor: User | None, facts: dict,
                agency: Agency, password: str | None = None, **audit_details: Any) -> tuple[User, str | None]:
    user = User(username=facts["username"], full_name=facts["full_name"], roles_text=",".join(sorted(facts["roles"])),
                agency_id=agency.id, email=facts["email"], phone=facts["phone"], standardised=False, created_at=now,
                password_hash=accounts.hash_password(password) if password else "")
    session.add(user)
    session.flush()
    code = None if password else onetime.issue(session, settings, user, "activation", now)
    # D21, D22: what waits for a signer the agency had lost in the new officer's role goes to its holder now
    adopted = signer_duty.adopt(session, agency.id, facts["roles"])
    sent_to = [] if password else notices.code_channels(settings, user)
    activation = "password set by the operator" if password else "code sent" if sent_to else "code not sent"
    administration.audit(session, now, actor, "officer.create", "officer", user.username, agency,
                         full_name=user.full_name, of_agency=agency.code, roles=sorted(facts["roles"]),
                         activation=activation, **audit_details, **({} if password else {"sent_to": sent_to}),
                         **({"signing": {"adopted": adopted}} if adopted else {}))
    return user, code


def update(session: Session, now: datetime, actor: User | None, username: Any, data: Any,
           settings: Settings | None = None) -> User:
    """Roles, agency, contact, suspend (``active`` false, with an optional ``reason``) or re-enable. A
    suspension ends the officer's web sessions and API tokens at once. Another person's change of an activated
    officer's email or phone is told to the old ones (with ``settings``, which knows the channels) and holds
    password resets for CONTACT_HOLD (``start_reset``)."""
    if not isinstance(data, dict):
        raise Invalid("Dữ liệu phải là một đối tượng JSON")
    user = visible(session, actor, username)
    errors: dict[str, str] = {}
    changes: dict[str, dict] = {}
    if "roles" in data:
        roles = _roles(data["roles"], errors)
        if roles and roles != user.roles:
            changes["roles"] = {"from": sorted(user.roles), "to": sorted(roles)}
    agency = None
    current = session.get(Agency, user.agency_id) if user.agency_id is not None else None
    # the officer's page always posts the agency: the same one sent back is no move, so that an officer kept in
    # an agency closed since can still be edited; moving one INTO a closed agency stays refused (_agency)
    if "agency" in data and not (current is not None and data["agency"] == current.code):
        agency = _agency(session, actor, data["agency"], errors)
        if agency is not None and agency.id != user.agency_id:
            changes["agency"] = {"from": current.code if current else None, "to": agency.code}
    if "full_name" in data and not unchanged(data["full_name"], user.full_name):  # as stored: not checked again
        name = clean_name(data["full_name"])
        if name is None:
            errors["full_name"] = name_error(data["full_name"], "Họ và tên", "Họ và tên là bắt buộc (2–255 ký tự)")
        elif name != user.full_name:
            changes["full_name"] = {"from": user.full_name, "to": name}
    for key in ("email", "phone"):
        if key in data:
            value = _contact({key: data[key]}, errors)[0 if key == "email" else 1]
            if key not in errors and value != getattr(user, key):
                changes[key] = {"from": getattr(user, key), "to": value}
    reason = data.get("reason")
    if reason is not None and clean_text(reason, min_length=1, max_length=255) is None:
        errors["reason"] = "Lý do: 1–255 ký tự"
    if "active" in data and not isinstance(data["active"], bool):
        errors["active"] = "true hoặc false"
    if errors:
        raise Invalid("Thông tin cán bộ chưa hợp lệ", fields=errors)
    if agency is not None and "agency" in changes and actor is not None:
        administration.require(session, actor, agency)
    if actor is not None and user.id == actor.id and ({"roles", "agency"} & set(changes) or data.get("active") is False):
        raise Conflict("Không tự khóa, đổi vai trò hay chuyển cơ quan của chính mình; nhờ một quản trị viên khác.",
                       code="cannot_change_yourself")
    if "roles" in changes:
        user.roles_text = ",".join(changes["roles"]["to"])
    if "agency" in changes:
        user.agency_id = agency.id
    if settings is not None and {"email", "phone"} & set(changes) and user.password_hash and \
            (actor is None or actor.id != user.id):
        _tell_old_contact(session, settings, now, actor, user, changes)  # before the addresses change
    for key in ("full_name", "email", "phone"):
        if key in changes:
            setattr(user, key, changes[key]["to"])
    if {"email", "phone"} & set(changes):
        notices.readdress(session, user)  # what waits to be sent follows the new contact (D28)
    where = session.get(Agency, user.agency_id) if user.agency_id is not None else None
    # roles the officer may now sign in for the agency they belong to (all of them in an agency new to them)
    gained = set(user.roles) if "agency" in changes else \
        set(changes.get("roles", {}).get("to", ())) - set(changes.get("roles", {}).get("from", ()))
    event = None
    if changes:
        session.flush()
        if "roles" in changes or "agency" in changes:
            accounts.end_all_sessions(session, user)  # new rights start with a new sign-in
        event = administration.audit(session, now, actor, "officer.update", "officer", user.username, where,
                                     changes=changes)
    if data.get("active") is False and user.locked_reason is None:
        why = clean_text(reason, min_length=1, max_length=255) if reason else SUSPENDED_BY_ADMIN
        accounts.suspend(session, user, why)
        event = administration.audit(session, now, actor, "officer.suspend", "officer", user.username, where,
                                     reason=why)
    elif data.get("active") is True and user.locked_reason is not None:
        was = user.locked_reason
        accounts.reinstate(session, user)
        reinstated = administration.audit(session, now, actor, "officer.reinstate", "officer", user.username,
                                          where, was_suspended_for=was)
        gained = set(user.roles)
        event = event or reinstated
    if event is not None:  # D21, D35: what waits for their signature in a role they no longer hold moves on
        handed = signer_duty.hand_over(session, user)
        if user.locked_reason is None:  # D21, D22: and what waited for a signer the agency had lost comes to it
            adopted = signer_duty.adopt(session, user.agency_id, gained)
            handed = {**handed, **({"adopted": adopted} if adopted else {})}
        if handed:  # said in the change's trail, the requests left without a signer too
            event.details = {**event.details, "signing": handed}
        released = tasks.release_unworkable(session, user)  # D2: and the work they held goes back to its queue
        if released:
            event.details = {**event.details, "released_tasks": released}
    return user


# An administrator who points an officer's email or phone at themself could then send a reset code there and sign
# in as the officer (a leader signs results, D35): the officer's old channels are told of the change at once, and
# no reset starts for this long after it, time for the officer to see it and object. Their password still works.
CONTACT_HOLD = timedelta(hours=72)


def _tell_old_contact(session: Session, settings: Settings, now: datetime, actor: User | None, user: User,
                      changes: dict) -> None:
    """A notice of the account (listed, already read, as a change of its status is) sent on every channel the
    officer has before the change, whatever they chose: the old addresses are the ones known to be theirs."""
    what = " và ".join(w for k, w in (("email", "thư điện tử"), ("phone", "số điện thoại")) if k in changes)
    who = f"Quản trị viên {actor.full_name} ({actor.username})" if actor is not None else "Người vận hành hệ thống"
    body = (f"{who} đã đổi {what} của tài khoản {user.username} lúc {vn_time(now, 'datetime')}. Nếu bạn không yêu "
            "cầu thay đổi này, hãy liên hệ ngay người quản trị đó hoặc cấp trên của họ; mật khẩu hiện tại của bạn "
            "vẫn dùng được, và trong 72 giờ tới không ai đặt lại được mật khẩu của tài khoản.")
    notices.tell_account(session, settings, now, user, f"Tài khoản {user.username}: {what} đã đổi", body)


def contact_hold(session: Session, user: User, now: datetime) -> datetime | None:
    """Until when a password reset of ``user`` waits after another person changed the email or phone of the
    account (the newest such change within CONTACT_HOLD, read from the officer's audit trail: indexed by target,
    one row); None when none holds it, or the officer has never set a password (nothing to take over)."""
    if not user.password_hash:
        return None
    changes = AdminEvent.details["changes"]
    at = session.scalar(
        select(AdminEvent.at).where(
            AdminEvent.target_kind == "officer", AdminEvent.target == user.username,
            AdminEvent.action == "officer.update", AdminEvent.at > now - CONTACT_HOLD,
            or_(AdminEvent.actor.is_(None), AdminEvent.actor != user.username),
            or_(changes["email"].as_string().is_not(None), changes["phone"].as_string().is_not(None)))
        .order_by(AdminEvent.at.desc()).limit(1))
    return at + CONTACT_HOLD if at is not None else None


def start_reset(session: Session, settings: Settings, now: datetime, actor: User | None, username: Any) -> str:
    """Send a password-reset code to the officer's channel (the password stays until the code is used); refused
    while a change of the officer's contact by another person holds it (``contact_hold``)."""
    user = visible(session, actor, username)
    until = contact_hold(session, user, now)
    if until is not None:
        raise Conflict(f"Thư điện tử hoặc số điện thoại của tài khoản vừa được quản trị viên thay đổi; chưa thể "
                       f"đặt lại mật khẩu trước {vn_time(until, 'datetime')}. Cán bộ vẫn đăng nhập được bằng mật "
                       f"khẩu hiện tại và tự đổi mật khẩu.", code="contact_recently_changed")
    code = onetime.issue(session, settings, user, "reset", now)
    where = session.get(Agency, user.agency_id) if user.agency_id is not None else None
    administration.audit(session, now, actor, "officer.password_reset", "officer", user.username, where,
                         sent_to=notices.code_channels(settings, user))
    return code


WRONG_CODE = "Tên đăng nhập hoặc mã không đúng, hoặc mã đã hết hạn. Hãy xin quản trị viên gửi mã mới."


def use_code(session: Session, settings: Settings, now: datetime, purpose: str, username: Any, code: Any,
             password: Any, again: Any) -> User:
    """The officer's own step: username, the code they received and their new password. A wrong code counts
    against it (the caller commits even when this raises). Every earlier session and token of the account ends."""
    errors: dict[str, str] = {}
    if accounts.password_problem(password):
        errors["password"] = accounts.password_problem(password)
    elif password != again:
        errors["password2"] = "Mật khẩu nhập lại không khớp"
    if errors:  # checked first: a code is never spent on a password that is then refused
        raise Invalid("Chưa đặt được mật khẩu", fields=errors)
    user = session.scalar(select(User).where(User.username == accounts.login_name(username),
                                             User.roles_text != "citizen")) if isinstance(username, str) else None
    if user is None or not isinstance(code, str) or not onetime.consume(session, settings, user, purpose, code, now):
        raise Invalid(WRONG_CODE, code="wrong_code", fields={"code": WRONG_CODE})
    accounts.set_password(session, user, password)
    where = session.get(Agency, user.agency_id) if user.agency_id is not None else None
    administration.audit(session, now, user, "officer.activate" if purpose == "activation" else "officer.reset_done",
                         "officer", user.username, where)
    return user
