"""Filing for another person (D4) under a CCCD with a checked identity (D3) compares the owner's name and birth
date with that identity (``verified``, below). Each answer is a yes or a no about a stranger: a citizen
who knows a neighbour's CCCD and name could file again and again, one birth date after another, until one is
accepted. So a citizen's refusal never says which of the two did not match (both fields are flagged), and a
citizen refused LIMIT times in WINDOW may not file for another person's checked CCCD again until the oldest of
them is WINDOW old (429); nor may anyone file for a CCCD about which TARGET_LIMIT refusals were made in WINDOW
(an account is quick to make: many accounts would otherwise share the guessing). The person can still file for
themself, for a CCCD without a checked identity, or at the one-stop's desk, where the officer sees the card.

A refusal rolls the filing back, its own record with it: the record is written after the rollback, in its own
transaction (``OwnerMismatch.remember``, run by the web edge's unit of work). Officers at the desk are not
limited: they hold the card, every filing of theirs is audited, and they see the agency's dossiers anyway.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import hmac
import unicodedata
from datetime import date

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session

from engine.core.errors import EngineError, Invalid
from engine.core.vocabulary import CCCD_RE, vn_time
from engine.data import row_locks
from engine.data.model import User
from engine.data.portal_model import OwnerCheckFailure
from engine.process import forms

LIMIT, WINDOW = 5, timedelta(hours=24)
TARGET_LIMIT = 10  # refusals about one CCCD in WINDOW, from anyone: an account is quick to make
EITHER = "Họ tên hoặc ngày sinh không khớp với danh tính đã xác thực của số CCCD này"
PAUSED = "Chưa thể nộp thay cho người khác: thông tin chủ hồ sơ đã không khớp quá nhiều lần"


class TooManyOwnerMismatches(EngineError):
    """LIMIT refusals in WINDOW: no filing for another person's checked CCCD until ``until``."""

    status, code = 429, "too_many_owner_mismatches"

    def __init__(self, message: str, until: datetime):
        super().__init__(message, fields={"owner.cccd": PAUSED})
        self.until = until


class OwnerMismatch(Invalid):
    """The refusal of a citizen's filing for another person (422 owner_identity_mismatch, rule D4), which is
    counted: ``remember`` records it once the filing is rolled back."""

    def __init__(self, message: str, fields: dict, user_id: int, target: str, at: datetime):
        super().__init__(message, code="owner_identity_mismatch", rule="D4", fields=fields)
        self.user_id, self.target, self.at = user_id, target, at

    def remember(self, session: Session) -> None:
        """Record the refusal (the caller commits), and forget this filer's and this CCCD's records older than the
        window."""
        for column, value in ((OwnerCheckFailure.user_id, self.user_id), (OwnerCheckFailure.target, self.target)):
            session.execute(delete(OwnerCheckFailure).where(column == value, OwnerCheckFailure.at <= self.at - WINDOW))
        session.add(OwnerCheckFailure(user_id=self.user_id, target=self.target, at=self.at))
        session.flush()


def target_of(ctx, cccd: str) -> str:
    """The CCCD asked about, as the records keep it: keyed-hashed with the server's secret (never in clear)."""
    key = (getattr(getattr(ctx, "settings", None), "secret_key", None) or "").encode()
    return hmac.new(key, f"owner-check:{cccd}".encode(), "sha256").hexdigest()


def limited(user) -> bool:
    """Whether ``user``'s refusals are counted: a citizen's; a receiving officer at the desk holds the card."""
    return "receiving_officer" not in user.roles


def refuse_if_blocked(session: Session, user_id: int, target: str, now: datetime) -> None:
    """TooManyOwnerMismatches when the filer was refused LIMIT times in WINDOW, or anyone TARGET_LIMIT times about
    this CCCD (before any comparison: the next answer would tell as much as the others). The filer's comparisons
    take turns (their account's row held): requests sent together no longer each find the count below the limit."""
    row_locks.hold(session, User.__table__, user_id)
    since = now - WINDOW
    for column, value, limit in ((OwnerCheckFailure.user_id, user_id, LIMIT),
                                 (OwnerCheckFailure.target, target, TARGET_LIMIT)):
        recent = list(session.scalars(select(OwnerCheckFailure.at).where(column == value, OwnerCheckFailure.at > since)
                                      .order_by(OwnerCheckFailure.at.desc()).limit(limit)))
        if len(recent) < limit:
            continue
        until = recent[-1] + WINDOW
        at = vn_time(until, "at")
        # each message whole (engine.web.field_messages says it in English, the instant included)
        if limit == LIMIT:
            said = (f"Thông tin chủ hồ sơ đã không khớp {LIMIT} lần trong 24 giờ; chưa thể nộp thay cho người khác "
                    f"đến {at}. Hãy kiểm tra lại giấy tờ của chủ hồ sơ, hoặc nộp tại Bộ phận Một cửa, nơi cán bộ đối "
                    "chiếu thẻ CCCD (theo Nghị định 45/2020/NĐ-CP)")
        else:
            said = (f"Số CCCD này đã được ghi với thông tin chủ hồ sơ không khớp nhiều lần trong 24 giờ; chưa thể "
                    f"nộp thay cho chủ thẻ đến {at}. Hãy kiểm tra lại giấy tờ của chủ hồ sơ, hoặc nộp tại Bộ phận "
                    "Một cửa, nơi cán bộ đối chiếu thẻ CCCD (theo Nghị định 45/2020/NĐ-CP)")
        raise TooManyOwnerMismatches(said, until)


# -- the owner of a filing (D4): as given, then against a verified identity ---------------------------------
# an identity checked by the national e-ID or at the desk (a name only declared at registration proves nothing)
_STANDARDISED = select(User).where(User.cccd == bindparam("cccd"), User.standardised.is_(True),
                                   User.identity_checked.is_not(None)).order_by(User.id)
MISMATCH = "Không khớp với danh tính đã xác thực của số CCCD này"


def given(payload, ctx) -> tuple[str, date | None, str | None, bool]:
    """The owner as given (D4), its fields checked: (name, birth date, CCCD, whether it is to be verified)."""
    owner = payload.get("owner")
    if owner is None:
        if "citizen" not in ctx.user.roles:
            raise Invalid("Cán bộ nộp thay phải ghi thông tin chủ hồ sơ (owner)", fields={"owner": "Bắt buộc"})
        return ctx.user.full_name, ctx.user.birth_date, ctx.user.cccd, False
    if not isinstance(owner, dict):
        raise Invalid("Thông tin chủ hồ sơ không hợp lệ", fields={"owner": "Phải là một đối tượng"})
    errors = {}
    name = forms.clean_name(owner.get("full_name"))  # D3, D4: a full name, with letters and nothing hidden
    if name is None:
        errors["owner.full_name"] = forms.name_error(owner.get("full_name"), "Họ và tên",
                                                     "Họ và tên là bắt buộc (2–255 ký tự)")
    birth = forms.parse_day(owner.get("birth_date"))
    if birth is None:
        errors["owner.birth_date"] = "Ngày sinh không hợp lệ (YYYY-MM-DD, từ năm 1900)"
    elif birth > ctx.now.date():
        errors["owner.birth_date"] = "Ngày sinh không thể ở tương lai"
    cccd = owner.get("cccd") if isinstance(owner.get("cccd"), str) else ""
    if not CCCD_RE.match(cccd):
        errors["owner.cccd"] = "Số CCCD phải gồm đúng 12 chữ số"
    if errors:
        raise Invalid("Thông tin chủ hồ sơ chưa hợp lệ (theo Nghị định 45/2020/NĐ-CP)", fields=errors)
    return name, birth, cccd, True  # another person's: checked against a verified identity next (verified)


def _same_name(name: str) -> str:
    """A name as compared: one Unicode form, one case, single spaces (the same name however it is typed)."""
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())


def verified(session: Session, ctx, name: str, birth: date, cccd: str) -> tuple[str, date, str]:
    """D3, D4: the owner named by a CCCD that is the filer's own, or that a standardised account holds, is that
    verified identity: the name (and the birth date, where the identity has one) must match it, and the dossier
    takes its spelling. The refusal never says the identity itself (anyone could learn a stranger's name by
    CCCD), nor, to a citizen filing for someone else, which of the two did not match, and a few such refusals stop
    their tries for a day (the module's docstring). A CCCD without a standardised account: the format checks only.
    The filing calls it once every field is right (engine.cases.filing), so that only such a filing is counted."""
    own = ctx.user.cccd == cccd
    identity = ctx.user if own else session.scalars(_STANDARDISED, {"cccd": cccd}).first()
    if identity is None:
        return name, birth, cccd
    counted = not own and limited(ctx.user)  # a citizen asking about a stranger's identity
    target = target_of(ctx, cccd)
    if counted:
        refuse_if_blocked(session, ctx.user.id, target, ctx.now)
    errors = {}
    if _same_name(name) != _same_name(identity.full_name):
        errors["owner.full_name"] = MISMATCH
    if identity.birth_date is not None and birth != identity.birth_date:
        errors["owner.birth_date"] = MISMATCH
    if not errors:
        return identity.full_name, birth, cccd
    message = ("Thông tin chủ hồ sơ không khớp với danh tính đã xác thực của số CCCD đã ghi (theo Nghị định "
               "45/2020/NĐ-CP)")
    if not counted:
        raise Invalid(message, code="owner_identity_mismatch", rule="D4", fields=errors)
    either = {"owner.full_name": EITHER}  # which of the two did not match is not told
    if identity.birth_date is not None:
        either["owner.birth_date"] = EITHER
    raise OwnerMismatch(message, either, ctx.user.id, target, ctx.now)
