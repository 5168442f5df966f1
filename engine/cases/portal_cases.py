"""Use cases the web faces need beyond engine.cases.dossiers, engine.cases.tasks and engine.cases.attachments: web login with
lockout, the satisfaction rating (D25), the public lookup and its rate limit, and the service level of a deadline
(the leaders' watch itself: engine.cases.watch).

Same style as the other use cases: a session, the acting user or a Context, and ``now`` come in; nothing is
committed here; refusals are EngineErrors with Vietnamese messages.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.orm import Session

from engine.cases import accounts, dossiers, notices
from engine.data import audit
from engine.law import lateness
from engine.core.calendar import WorkingCalendar
from engine.core.clock import iso_vn
from engine.core.vocabulary import has_control, typed_cccd, vn_time
from engine.cases.dossiers import Context
from engine.core.errors import Conflict, EngineError, Forbidden, Invalid, NotFound, Unauthorized
from engine.data.model import Document, Dossier, User
from engine.data.signing_model import SigningRequest
from engine.law.statuses import HAS_RESULT, REFUSED, RETURNED, Status
from engine.data.portal_model import LoginAttempt, LookupAttempt, SatisfactionRating

LOCK_AFTER_FAILURES = 5
LOCK_MINUTES = 15
# Failures from one client address (whatever the names) before that address must wait: enough for a one-stop
# shop whose counters share one address, too few to try passwords over many names.
ADDRESS_FAILURES = 20
ADDRESS_WINDOW = timedelta(minutes=15)
LEADER_ROLES = {"department_leader", "head_of_agency", "centre_director"}

DOSSIER_CODE_RE = re.compile(r"^[0-9A-Z.]{1,40}-\d{6}-\d{4}$")
LOOKUP_LIMIT = 20
LOOKUP_ROWS = 50  # a CCCD's dossiers shown by the public lookup, the latest filed first
LOOKUP_WINDOW = timedelta(minutes=10)
# Citizen registrations from one address: a registration refused says whether a CCCD has an account, so they
# are counted (one-stop shops register their visitors at the desk, not through this form)
REGISTER_LIMIT = 10
REGISTER_WINDOW = timedelta(minutes=60)
LIMITS = {"lookup": (LOOKUP_LIMIT, LOOKUP_WINDOW, "lượt tra cứu"),
          "register": (REGISTER_LIMIT, REGISTER_WINDOW, "lượt đăng ký tài khoản")}


def _vn(t: datetime) -> str:
    return vn_time(t, "at")


# -- web login with lockout ----------------------------------------------------------------------------------
def locked_until(session: Session, username: str, now: datetime) -> datetime | None:
    """The end of the lockout of ``username``: 5 failures in 15 minutes since the last success lock it 15 minutes."""
    last_ok = session.scalar(select(LoginAttempt.at).where(LoginAttempt.username == username,
                                                           LoginAttempt.succeeded.is_(True))
                             .order_by(LoginAttempt.at.desc()).limit(1))
    since = now - timedelta(minutes=LOCK_MINUTES)
    if last_ok is not None and last_ok > since:
        since = last_ok
    failures = list(session.scalars(select(LoginAttempt.at).where(
        LoginAttempt.username == username, LoginAttempt.succeeded.is_(False), LoginAttempt.at > since)
        .order_by(LoginAttempt.at.desc()).limit(LOCK_AFTER_FAILURES)))
    if len(failures) < LOCK_AFTER_FAILURES:
        return None
    until = failures[0] + timedelta(minutes=LOCK_MINUTES)
    return until if until > now else None


class TooManyLogins(EngineError):
    """Too many failed logins from one client address; ``until`` is when it may try again."""

    status, code = 429, "too_many_attempts"

    def __init__(self, message: str, until: datetime):
        super().__init__(message)
        self.until = until


def address_blocked_until(session: Session, remote_addr: str | None, now: datetime) -> datetime | None:
    """The end of the wait of ``remote_addr``: ADDRESS_FAILURES failed logins (any names) in ADDRESS_WINDOW."""
    if not remote_addr:
        return None
    failures = list(session.scalars(select(LoginAttempt.at).where(
        LoginAttempt.remote_addr == remote_addr[:45], LoginAttempt.succeeded.is_(False),
        LoginAttempt.at > now - ADDRESS_WINDOW).order_by(LoginAttempt.at.desc()).limit(ADDRESS_FAILURES)))
    if len(failures) < ADDRESS_FAILURES:
        return None
    return failures[-1] + ADDRESS_WINDOW


def _refuse_address(until: datetime) -> TooManyLogins:
    return TooManyLogins(f"Quá {ADDRESS_FAILURES} lần đăng nhập sai từ cùng một địa chỉ trong "
                         f"{ADDRESS_WINDOW.seconds // 60} phút; vui lòng thử lại sau {_vn(until)}.", until)


def login(session: Session, username: str, password: str, now: datetime, remote_addr: str | None = None) -> User:
    """Check a web or API login. Every attempt is recorded, so the caller commits even when this raises; an
    address past its failure limit is refused (TooManyLogins, 429) before the password is looked at, and that
    refusal is not recorded (the wait never grows by trying)."""
    name = accounts.login_name(username)
    if any(ch == "\x00" or "\ud800" <= ch <= "\udfff" for ch in name + (password or "")):
        # no account has such a name (and no database stores NUL): refused before any query, not recorded
        raise Unauthorized("Tên đăng nhập hoặc mật khẩu không đúng", code="bad_credentials")
    remote_addr = remote_addr[:45] if remote_addr else None
    blocked = address_blocked_until(session, remote_addr, now)
    if blocked is not None:
        raise _refuse_address(blocked)
    until = locked_until(session, name, now)
    if until is not None:
        raise Unauthorized(f"Đăng nhập sai quá {LOCK_AFTER_FAILURES} lần; tài khoản tạm khóa đến {_vn(until)}. "
                           "Vui lòng thử lại sau.", code="locked_out")
    try:
        user = accounts.authenticate(session, name, password or "")
    except Unauthorized as exc:
        if exc.code != "bad_credentials":
            raise
        session.add(LoginAttempt(username=name, at=now, succeeded=False, remote_addr=remote_addr))
        session.flush()
        if locked_until(session, name, now) is not None:
            raise Unauthorized(f"Đăng nhập sai {LOCK_AFTER_FAILURES} lần; tài khoản tạm khóa {LOCK_MINUTES} phút.",
                               code="locked_out") from exc
        raise
    session.add(LoginAttempt(username=name, at=now, succeeded=True, remote_addr=remote_addr))
    return user


# -- documents -------------------------------------------------------------------------------------------
def visible_document(session: Session, user: User, doc_id: int) -> Document:
    """A document of a dossier ``user`` may see: any, for its officers; for its citizen, one issued to them
    (dossiers.issued_to_citizen: no draft, no paper between the agencies). Anything else is not found, like a
    dossier one may not see (404, never 403: its existence is not told)."""
    doc = session.get(Document, doc_id)
    dossier = session.get(Dossier, doc.dossier_id) if doc is not None else None
    if dossier is None or not dossiers.can_see(user, dossier) or (
            dossiers.sees_as_citizen(user, dossier) and not dossiers.issued_to_citizen(doc.kind, doc.state)):
        raise NotFound("Không tìm thấy tài liệu", code="document_not_found")
    return doc


# -- refusals (D8, D21) -----------------------------------------------------------------------------------
def refusal_reasons(session: Session, dossier: Dossier) -> list[str] | None:
    """The reasons the citizen was refused, as the officers wrote them: at intake (Mẫu 03, D8) or, once the
    result is issued, the refusal to resolve (D21); None when the dossier was not refused (or not yet told)."""
    if dossier.status == REFUSED:
        payload = session.scalar(select(SigningRequest.payload).where(
            SigningRequest.dossier_id == dossier.id, SigningRequest.kind == "refusal")
            .order_by(SigningRequest.id.desc()).limit(1)) or {}
        return [str(r) for r in (payload.get("values") or {}).get("reasons") or [] if str(r).strip()]
    if dossier.outcome == "refused" and dossier.status in HAS_RESULT:
        opinion = session.scalar(select(SigningRequest.opinion).where(
            SigningRequest.dossier_id == dossier.id, SigningRequest.kind == "result_draft",
            SigningRequest.outcome == "refused").order_by(SigningRequest.id.desc()).limit(1)) or ""
        return [r.strip() for r in opinion.split("; ") if r.strip()]
    return None


# -- satisfaction (D25) ----------------------------------------------------------------------------------
def rating_of(session: Session, dossier: Dossier) -> SatisfactionRating | None:
    return session.scalar(select(SatisfactionRating).where(SatisfactionRating.dossier_id == dossier.id))


def owner_rates(session: Session, user: User, dossier: Dossier) -> str | None:
    """The owner's name when ``user`` filed ``dossier`` for another person whose own account sees it (found as
    notices.citizens_of finds it: standardised, its CCCD checked): the dossier is the owner's (D4), so the single
    rating (D25) is theirs, not the filer's. None when ``user`` may rate: the owner, or a filer for a person with
    no such account (then the only citizen who sees it). A citizen filing for themself costs no query."""
    if dossier.applicant_id != user.id:
        return None
    if any(person.id != user.id for person in notices.citizens_of(session, dossier)):
        return dossier.owner_name
    return None


def owner_rates_text(owner_name: str) -> str:
    return f"Hồ sơ này thuộc về {owner_name}: chỉ chủ hồ sơ đánh giá mức độ hài lòng"


def rate(session: Session, ctx: Context, code: str, score, comment=None) -> SatisfactionRating:
    """After return, the citizen rates the service from 1 (very unhappy) to 5 (very happy), once; a dossier filed
    for another person who has their own account is rated by that owner only (owner_rates)."""
    dossier = dossiers.visible_dossier(session, ctx.user, code)
    if "citizen" not in ctx.user.roles:
        raise Forbidden("Chỉ công dân đánh giá mức độ hài lòng")
    owner = owner_rates(session, ctx.user, dossier)
    if owner is not None:
        raise Forbidden(owner_rates_text(owner), code="owner_rates", rule="D4")
    if dossier.status != RETURNED:
        raise Invalid("Chỉ đánh giá được sau khi hồ sơ đã trả kết quả (theo Quyết định 766/QĐ-TTg)", code="rule_violation", rule="D25")
    try:
        value = int(score)
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= 5 or str(score).strip() != str(value):
        raise Invalid("Chọn mức hài lòng từ 1 đến 5", fields={"score": "Chọn một mức từ 1 đến 5"})
    if comment is not None and (not isinstance(comment, str) or len(comment) > 2000):
        raise Invalid("Góp ý tối đa 2000 ký tự", fields={"comment": "Tối đa 2000 ký tự"})
    if comment and has_control(comment, keep="\r\n\t"):  # no one types them; PostgreSQL refuses a NUL
        raise Invalid("Góp ý có ký tự điều khiển không hợp lệ", fields={"comment": "Có ký tự điều khiển không hợp lệ"})
    if rating_of(session, dossier) is not None:
        raise Conflict("Hồ sơ này đã được đánh giá", code="already_rated")
    row = SatisfactionRating(dossier_id=dossier.id, user_id=ctx.user.id, score=value,
                             comment=(comment or "").strip() or None, at=ctx.now)
    session.add(row)
    audit.record(session, dossier, ctx.now, ctx.user, "rated", dossier.status, data={"score": value})
    session.flush()
    return row


# -- public lookup ---------------------------------------------------------------------------------------
class TooManyLookups(EngineError):
    """More public lookups from one address than the window allows; ``until`` is when the next one is."""

    status, code = 429, "too_many_requests"

    def __init__(self, message: str, until: datetime):
        super().__init__(message)
        self.until = until


def count_lookup(session: Session, remote_addr: str | None, now: datetime) -> None:
    """The rate limit of the public lookup: at most LOOKUP_LIMIT per client address in LOOKUP_WINDOW."""
    count_attempt(session, remote_addr, now, "lookup")


def count_registration(session: Session, remote_addr: str | None, now: datetime) -> None:
    """The rate limit of citizen registration (web and API): at most REGISTER_LIMIT per address in REGISTER_WINDOW,
    counted before the registration is checked, in a transaction of its own (a refused one counts too)."""
    count_attempt(session, remote_addr, now, "register")


def count_attempt(session: Session, remote_addr: str | None, now: datetime, kind: str) -> None:
    """At most LIMITS[kind] attempts per client address in its window, counted in the database. Records this
    attempt, or raises TooManyLookups and records nothing. Attempts of ``kind`` older than the window are deleted
    on the way. The caller commits."""
    limit, window, words = LIMITS[kind]
    addr = (remote_addr or "unknown")[:45]
    since = now - window
    if session.get_bind().dialect.name == "postgresql":  # one count at a time per address, across processes:
        # two attempts counted at once would each see limit - 1 and both pass (SQLite's first write, the
        # delete below, already takes its one writer's lock before the count)
        session.execute(select(func.pg_advisory_xact_lock(func.hashtext(f"{kind}:{addr}"))))
    session.execute(delete(LookupAttempt).where(LookupAttempt.kind == kind, LookupAttempt.at <= since))
    recent = list(session.scalars(select(LookupAttempt.at).where(LookupAttempt.remote_addr == addr,
                                                                 LookupAttempt.at > since, LookupAttempt.kind == kind)
                                  .order_by(LookupAttempt.at.desc()).limit(limit)))
    if len(recent) >= limit:
        until = recent[-1] + window
        raise TooManyLookups(f"Quá {limit} {words} trong {window.seconds // 60} phút từ "
                             f"cùng một địa chỉ; vui lòng thử lại sau {_vn(until)}.", until)
    session.add(LookupAttempt(remote_addr=addr, at=now, kind=kind))
    session.flush()


# The results issued to the citizen of the dossiers found (dossiers.issued_to_citizen: no draft, no re-issue
# waiting for its signer), oldest first: one range of ix_document_dossier_id per dossier, no history read.
_ISSUED_RESULTS = (select(Document.id, Document.dossier_id, Document.number, Document.created_at, Document.state,
                          Document.replaced_by_id)
                   .where(Document.dossier_id.in_(bindparam("ids", expanding=True)), Document.kind == "result",
                          Document.state != "pending_signature")
                   .order_by(Document.dossier_id, Document.id))


def issued_results(session: Session, found: list[Dossier]) -> dict[int, list[dict]]:
    """dossier id -> its issued results as the public lookup shows them (issue #12: the QR on a result leads to
    the lookup; a corrected result marks the one it replaces): number and symbol, issue date, in force ("signed")
    or replaced, and the successor's number, so an old or forged number is told from the one in force. One
    query for every dossier found (a successor is a result of the same dossier, read in it)."""
    if not found:
        return {}
    rows = session.execute(_ISSUED_RESULTS, {"ids": [d.id for d in found]}).all()
    numbers = {r.id: r.number for r in rows}
    out: dict[int, list[dict]] = {}
    for r in rows:
        replaced = r.state == "replaced" or r.replaced_by_id in numbers
        out.setdefault(r.dossier_id, []).append({
            "number": r.number, "kind": "result", "issued_at": iso_vn(r.created_at),
            "state": "replaced" if replaced else "signed",
            "replaced_by": numbers.get(r.replaced_by_id) if replaced else None})
    return out


def public_lookup(session: Session, text: str) -> list[dict]:
    """By dossier code or the owner's CCCD: status, dates and the numbers of the results issued (issued_results),
    never personal data; a CCCD's latest ``LOOKUP_ROWS`` dossiers."""
    return public_lookup_page(session, text)[0]


def public_lookup_page(session: Session, text: str) -> tuple[list[dict], bool]:
    """``public_lookup``, and whether the CCCD has older dossiers than those shown (looked up by their codes)."""
    code, cccd = dossiers.typed_code(text), typed_cccd(text)  # a CCCD as people write it: 001 099 000 001
    if DOSSIER_CODE_RE.match(code):
        rows = session.scalars(select(Dossier).where(Dossier.code == code, dossiers.VISIBLE_TO_CITIZEN))
    elif cccd:
        rows = session.scalars(select(Dossier).where(Dossier.owner_cccd == cccd, dossiers.VISIBLE_TO_CITIZEN)
                               .order_by(Dossier.filed_at.desc(), Dossier.id.desc()).limit(LOOKUP_ROWS + 1))
    else:
        raise Invalid("Nhập mã hồ sơ (ví dụ 000.00.06.H56-261123-0001) hoặc số CCCD gồm 12 chữ số",
                      fields={"q": "Mã hồ sơ hoặc số CCCD không hợp lệ"})
    found = list(rows)
    more = len(found) > LOOKUP_ROWS  # one more was read: the page says that older ones are not shown
    found = found[:LOOKUP_ROWS]
    results = issued_results(session, found)
    return [{"code": d.code, "status": d.status, "status_name": Status(d.status).label,
             "filed_at": iso_vn(d.filed_at), "intake_due_at": iso_vn(d.intake_due_at),
             "received_at": iso_vn(d.received_at), "due_at": iso_vn(d.due_at),
             "returned_at": iso_vn(d.returned_at), "late": lateness.is_late(d, None),
             "refused": d.outcome == "refused",  # its result is the refusal to resolve (D21)
             "results": results.get(d.id, [])} for d in found], more


# -- service level of a deadline -------------------------------------------------------------------------
def sla_state(cal: WorkingCalendar, now: datetime, due: datetime | None) -> str | None:
    """overdue, at_risk (due within one working day, D19) or in_time."""
    if due is None:
        return None
    if lateness.has_run_out(due, now):
        return "overdue"
    return "at_risk" if cal.working_time_between(now, due) <= cal.day_length else "in_time"


def working_time_left(cal: WorkingCalendar, now: datetime, due: datetime | None) -> timedelta | None:
    """Working time left until ``due`` (negative once it has passed)."""
    return None if due is None else cal.working_time_between(now, due)
