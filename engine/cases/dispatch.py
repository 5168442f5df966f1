"""The dispatcher: sends the outbox of notices (engine.data.notice_model.NoticeDelivery) by email and SMS.

One batch: claim up to ``notify_batch`` due deliveries, and no more than can be sent within the lease
(``batch_size``), in one short transaction (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several dispatchers
share the work; SQLite has one writer), marking each ``sending`` with a fresh claim token, one more attempt,
and ``next_attempt_at`` = now + the lease; commit. Then send each one and
record the outcome in a transaction of its own, only if the claim token is still the row's: ``sent``; or, on
failure, ``pending`` again after a delay doubled at each attempt, or ``dead`` after the last attempt (a dead
letter, listed for administrators, who may send it again).

What a crash does. A dispatcher killed before its claim commits leaves the rows pending. One killed after a send
and before its outcome commits leaves the row ``sending``; when the lease runs out, it is due again and is sent
again with the same id. So every message is sent at least once (D28), and the repeat is the same message:
the SMS provider gets the same request id and sends one SMS; the email has the same Message-ID, which mail
programs show once; the portal's notice is a row written once with its event. At most one message per
dispatcher can be repeated: the one in flight when it died (each outcome commits right after its send).
"""
from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from engine.cases import administration, channels, codeseal, notices
from engine.core.errors import Conflict
from engine.core.settings import Settings
from engine.data.agency_model import Agency, OneTimeCode
from engine.data.model import Document, Dossier, User
from engine.data.notice_model import Notice, NoticeDelivery, NoticeSetting

log = logging.getLogger(__name__)
MAX_BACKOFF = timedelta(days=1)
ATTACH_LIMIT = 5 * 1024 * 1024  # a linked document up to this size goes with the email as an attachment


@dataclass
class DispatchResult:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    dead: int = 0
    lost: int = 0  # outcomes not recorded: another dispatcher took the row again (our lease ran out)
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"claimed": self.claimed, "sent": self.sent, "retried": self.retried, "dead": self.dead,
                "lost": self.lost}


def backoff(settings: Settings, attempts: int) -> timedelta:
    """The delay before attempt ``attempts + 1``: the first retry's delay, doubled at each failure, at most a day."""
    seconds = settings.notify_retry_seconds * (2 ** max(0, min(attempts - 1, 30)))
    return min(timedelta(seconds=seconds), MAX_BACKOFF)


def batch_size(settings: Settings, limit: int | None = None) -> int:
    """How many deliveries one batch claims: ``limit`` (default notify_batch), but never more than can be sent
    one after another within the lease, each taking at most channels.TIMEOUT, so that no claim runs out while
    its batch is still sending: another dispatcher would take the row again and send it a second time (D28:
    shown once). At least one."""
    fits = max(1, int(settings.notify_lease_seconds // channels.TIMEOUT))
    return min(limit or settings.notify_batch, fits)


def claim(sessions: sessionmaker, settings: Settings, now: datetime, limit: int | None = None) -> list[tuple]:
    """Claim due deliveries (committed before anything is sent), at most ``batch_size``; returns (Outgoing,
    token, attempts) triples."""
    limit = batch_size(settings, limit)
    lease = timedelta(seconds=settings.notify_lease_seconds)
    with sessions.begin() as session:
        query = (select(NoticeDelivery).where(NoticeDelivery.state.in_(("pending", "sending")),
                                              NoticeDelivery.next_attempt_at <= now)
                 .order_by(NoticeDelivery.next_attempt_at, NoticeDelivery.id).limit(limit))
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = list(session.scalars(query))
        if not rows:
            return []
        notice_ids = {row.notice_id for row in rows}
        texts = {n.id: n for n in session.scalars(select(Notice).where(Notice.id.in_(notice_ids)))}
        languages = dict(session.execute(select(NoticeSetting.user_id, NoticeSetting.language).where(
            NoticeSetting.user_id.in_({n.user_id for n in texts.values()}))).all())
        attached = {d.id: (d.name, d.media_type, d.sha256) for d in session.scalars(select(Document).where(
            Document.id.in_({n.document_id for n in texts.values() if n.document_id}),
            Document.size <= ATTACH_LIMIT))}
        claimed = []
        for row in rows:
            token = str(uuid.uuid4())
            # Compare and set: a row another dispatcher claimed since our read (SQLite reads outside the write
            # lock) is left to it.
            taken = session.execute(
                update(NoticeDelivery).where(NoticeDelivery.id == row.id, NoticeDelivery.state == row.state,
                                             NoticeDelivery.attempts == row.attempts,
                                             NoticeDelivery.next_attempt_at <= now)
                .values(state="sending", claim_token=token, claimed_at=now, attempts=row.attempts + 1,
                        next_attempt_at=now + lease).execution_options(synchronize_session=False))
            if taken.rowcount != 1:
                continue
            notice = texts[row.notice_id]
            link = channels_link(settings, notice)
            attachment = attached.get(notice.document_id) if row.channel == "email" else None
            language = languages.get(notice.user_id, "vi")
            title, body = (codeseal.unsealed(settings, notice, text, language)
                           for text in (notice.title, notice.body))
            claimed.append((channels.Outgoing(row.id, row.channel, row.address, title, body, link,
                                              language, attachment), token,
                            row.attempts + 1))
        session.expunge_all()  # the rows were read only: the statements above changed them
        return claimed


def channels_link(settings: Settings, notice: Notice) -> str | None:
    return settings.public_url.rstrip("/") + notice.link if notice.link else None


def _record(sessions: sessionmaker, delivery_id: int, token: str, values: dict) -> bool:
    """The outcome of one send, only if this dispatcher's claim still holds the row."""
    with sessions.begin() as session:
        done = session.execute(update(NoticeDelivery).where(NoticeDelivery.id == delivery_id,
                                                            NoticeDelivery.claim_token == token)
                               .values(**values).execution_options(synchronize_session=False))
        return done.rowcount == 1


def dispatch(sessions: sessionmaker, settings: Settings, now: datetime, limit: int | None = None,
             clock=None, after_send=None) -> DispatchResult:
    """One batch: claim, send, record each outcome. ``clock`` gives the instant each outcome is recorded at
    (default: ``now``); ``after_send`` is called after each send (tests stop here)."""
    result = DispatchResult()
    claimed = claim(sessions, settings, now, limit)
    result.claimed = len(claimed)
    for out, token, attempts in claimed:
        try:
            channels.send(settings, out)
        except channels.SendFailed as exc:
            at = clock.now() if clock is not None else now
            dead = attempts >= settings.notify_max_attempts
            values = {"state": "dead" if dead else "pending", "claim_token": None, "last_error": str(exc)[:2000],
                      "next_attempt_at": at + (timedelta(0) if dead else backoff(settings, attempts))}
            if _record(sessions, out.delivery_id, token, values):
                result.dead += dead
                result.retried += not dead
            else:
                result.lost += 1
            result.errors.append(str(exc))
            log.warning("delivery %s (%s) failed, attempt %s: %s", out.delivery_id, out.channel, attempts, exc)
            continue
        at = clock.now() if clock is not None else now
        if _record(sessions, out.delivery_id, token, {"state": "sent", "sent_at": at, "claim_token": None,
                                                      "last_error": None}):
            result.sent += 1
        else:
            result.lost += 1
        if after_send is not None:
            after_send(out)
    return result


def drain(sessions: sessionmaker, settings: Settings, clock, max_batches: int = 20) -> DispatchResult:
    """Batches until nothing is due (or ``max_batches``): the worker's step and the web process's drain. Never
    raises: a failure is logged and the next beat tries again."""
    total = DispatchResult()
    try:
        for _ in range(max_batches):
            done = dispatch(sessions, settings, clock.now(), clock=clock)
            for name in ("claimed", "sent", "retried", "dead", "lost"):
                setattr(total, name, getattr(total, name) + getattr(done, name))
            if done.claimed == 0:
                break
    except Exception:
        log.exception("notice dispatch failed")
    return total


# -- dead letters ----------------------------------------------------------------------------------------------
def _in_scope(query, agency_ids):
    """D29: an administrator of a subtree sees the notices of the dossiers received or processed in it and those
    sent to its officers, never another agency's citizens and their addresses (``agency_ids``: the subquery of
    engine.cases.administration.agency_ids; None: the whole province, or the operator's command line)."""
    if agency_ids is None:
        return query
    return (query.outerjoin(Dossier, Dossier.id == Notice.dossier_id).join(User, User.id == Notice.user_id)
            .where(or_(administration.held_in(agency_ids), User.agency_id.in_(agency_ids))))


def dead_letters(session: Session, *, before_id: int | None = None, limit: int = 50, agency_ids=None) -> list[tuple]:
    """(delivery, notice) of the dead letters, newest first, a page at a time (the partial index on dead rows)."""
    query = (select(NoticeDelivery, Notice).join(Notice, Notice.id == NoticeDelivery.notice_id)
             .where(NoticeDelivery.state == "dead").order_by(NoticeDelivery.id.desc()).limit(limit))
    if before_id is not None:
        query = query.where(NoticeDelivery.id < before_id)
    return list(session.execute(_in_scope(query, agency_ids)).all())


def resend_addresses(session: Session, rows: list[tuple]) -> dict[int, str | None]:
    """Where "send again" (``retry``) would send each dead letter of ``rows`` (dead_letters' pairs), by delivery
    id: the person's address on its channel now (D28), the account's own notices their written one; None when
    the person no longer has that channel. One query for the page, whatever its length."""
    people = {u.id: u for u in session.scalars(select(User).where(User.id.in_({n.user_id for _, n in rows})))} \
        if rows else {}
    return {d.id: d.address if n.event in notices.KEPT_ADDRESS else notices.address_of(people[n.user_id], d.channel)
            for d, n in rows}


def retry(session: Session, delivery_id: int, now: datetime, *, actor: User | None = None,
          agency_ids=None) -> bool:
    """An administrator (``actor``; None: the operator's command line) sends a dead letter of their scope again:
    pending now, with its attempts counted from zero, to the person's address on its channel now (D28: most
    often the address was wrong and has just been corrected; the account's own notices excepted); the action goes
    to the administrators' trail (D29). False when there is no such dead letter in scope; Conflict when the
    person no longer has the channel (nowhere to send it: the administrator is told to update the contact)."""
    found = session.execute(_in_scope(select(Notice.dossier_id, Notice.user_id, Notice.event, NoticeDelivery.channel,
                                             NoticeDelivery.address)
                                      .join(NoticeDelivery, NoticeDelivery.notice_id == Notice.id)
                                      .where(NoticeDelivery.id == delivery_id, NoticeDelivery.state == "dead"),
                                      agency_ids)).first()
    if found is None:
        return False
    person = session.get(User, found.user_id)
    # a code goes only where it was asked, while one is live: not once expired or used, nor to an address the
    # account no longer has (ended when it changed hands, citizens.take_over: the holder got a code of their own)
    if found.event == "one_time_code" and (found.address != notices.address_of(person, found.channel) or
                                           session.scalar(select(OneTimeCode.id).where(
                                               OneTimeCode.user_id == person.id, OneTimeCode.used_at.is_(None),
                                               OneTimeCode.expires_at > now).limit(1)) is None):
        raise Conflict("Không gửi lại được: mã xác thực một lần đã hết hiệu lực; người dùng cần yêu cầu mã mới.",
                       code="code_expired")
    address = found.address  # the account's own notices go where they were written to (notices.KEPT_ADDRESS)
    if found.event not in notices.KEPT_ADDRESS:
        # D28: to the person's address now (the administrator has most often just corrected a wrong one)
        address = notices.address_of(person, found.channel)
        if not address:
            why = notices.no_address(found.channel)
            raise Conflict(f"Không gửi lại được: {why[0].lower()}{why[1:]} Hãy cập nhật thông tin liên hệ trước.",
                           code="no_address")
    done = session.execute(update(NoticeDelivery).where(NoticeDelivery.id == delivery_id,
                                                        NoticeDelivery.state == "dead")
                           .values(state="pending", attempts=0, next_attempt_at=now, claim_token=None,
                                   address=address)
                           .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        return False
    dossier = session.get(Dossier, found.dossier_id) if found.dossier_id is not None else None
    # the agency of the actor's subtree that holds it (D29): the dossier's (the processing agency's administrator
    # acts on their own trail, not on the receiving ward's), then the addressed officer's
    held = administration.holders(dossier) if dossier is not None else ()
    candidates = [a for a in (*held, person.agency_id) if a is not None]
    agency = administration.holding(session, candidates, agency_ids)
    if agency is None and candidates:
        agency = session.get(Agency, candidates[0])
    administration.audit(session, now, actor, "notice.resend", "notice_delivery", str(delivery_id), agency)
    return True
