"""The officers' daily digest (D28): each working morning, every officer whose open work is overdue or due within
one working day gets one notice listing it.

Per agency, in a transaction of its own (on PostgreSQL the agency's row is locked FOR NO KEY UPDATE SKIP
LOCKED, so two workers never write the same digest, and an agency skipped is looked at again at the next
beat): the open work items of the agency due before one working day from now (the work item index by agency;
open items only, never the history), split by officer — the items of their roles not held by someone else.
``NoticeSetting.digest_on`` records the day of each officer's last digest, set by a conditional update before
the notice is written (the claim: on SQLite nothing else keeps two workers apart).
"""
from __future__ import annotations

import logging
from datetime import date, datetime

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from engine.cases import notices
from engine.core.clock import VN_TZ
from engine.core.settings import Settings
from engine.data import calendars
from engine.data.model import Agency, Dossier, WorkItem
from engine.data.notice_model import NoticeSetting

log = logging.getLogger(__name__)
DIGEST_HOUR = 7  # local time from which the day's digest is written (before the office opens)
LISTED = 20  # items named in one digest; the counts cover all
_finished: dict[tuple[str, int], object] = {}  # (database, agency) -> the day whose digests are all written


def _agency_digest(sessions: sessionmaker, settings: Settings, agency_id: int, now: datetime) -> int | None:
    """The digests of one agency written now; None when another worker holds the agency's row (skipped: it is
    tried again at the next beat). The lock is FOR NO KEY UPDATE: it excludes another digest worker but not the
    FOR KEY SHARE every transaction inserting a row that references the agency takes (FOR UPDATE would, and the
    agency's digest would be skipped whenever an officer was filing or receiving there)."""
    today = now.astimezone(VN_TZ).date()
    with sessions.begin() as session:
        query = select(Agency).where(Agency.id == agency_id)
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True, key_share=True)  # FOR NO KEY UPDATE SKIP LOCKED
        agency = session.scalar(query)
        if agency is None:  # locked by another worker, or gone
            return None if session.scalar(select(Agency.id).where(Agency.id == agency_id)) is not None else 0
        cal = calendars.calendar_for(session, settings, agency.code)
        if not cal.is_working_day(today):
            return 0
        people = notices.Officers().holding(session, agency.id, notices.OFFICER_ROLES)
        choices = notices.settings_of(session, [p.id for p in people])
        people = [p for p in people if choices.get(p.id) is None or choices[p.id].digest_on != today]
        if not people:
            return 0
        horizon = cal.add_working_time(now, cal.day_length)
        items = session.execute(
            select(WorkItem.role, WorkItem.assignee_id, WorkItem.due_at, WorkItem.name, Dossier.code)
            .join(Dossier, Dossier.id == WorkItem.dossier_id)
            .where(WorkItem.agency_id == agency.id, WorkItem.due_at.is_not(None), WorkItem.due_at <= horizon)
            .order_by(WorkItem.due_at)).all()
        written = 0
        for person in people:
            if not _claim(session, person, choices.get(person.id), today):
                continue  # another worker wrote this officer's digest of today since it was read (D28: once)
            mine = [i for i in items if i.role in person.roles and i.assignee_id in (None, person.id)]
            if mine:
                overdue = sum(1 for i in mine if i.due_at <= now)
                notices.notify(session, settings, "digest", now=now, users=[person], context={
                    "day": today, "agency_name": agency.name, "overdue": overdue, "soon": len(mine) - overdue,
                    "items": [{"code": i.code, "name": i.name, "due_at": i.due_at} for i in mine[:LISTED]]})
                written += 1
        return written


def _claim(session: Session, person, choice: NoticeSetting | None, today: date) -> bool:
    """Take today's digest of ``person``: their settings row's ``digest_on`` set to ``today`` only where it is not
    already, in the database (a compare-and-set, so that two workers never both write it, also on SQLite where
    the agency's row is not locked); False when another worker took it first."""
    if choice is None:  # no row yet: made (another worker may be making it too: then theirs is kept)
        try:
            with session.begin_nested():
                session.add(NoticeSetting(user_id=person.id, language="vi", email_on=True, sms_on=True))
        except IntegrityError:
            pass
    claimed = session.execute(
        update(NoticeSetting).where(NoticeSetting.user_id == person.id,
                                    or_(NoticeSetting.digest_on.is_(None), NoticeSetting.digest_on != today))
        .values(digest_on=today).execution_options(synchronize_session=False))
    return claimed.rowcount == 1


def send_digests(sessions: sessionmaker, settings: Settings, now: datetime) -> int:
    """Today's digests not yet written (from DIGEST_HOUR on); returns how many. Never raises (logged)."""
    if now.astimezone(VN_TZ).hour < DIGEST_HOUR:
        return 0
    today = now.astimezone(VN_TZ).date()
    with sessions() as session:
        agency_ids = list(session.scalars(select(Agency.id).order_by(Agency.id)))
        database = str(session.get_bind().url)
    written = 0
    for agency_id in agency_ids:
        if _finished.get((database, agency_id)) == today:
            continue  # this process wrote or found them all today: no query until tomorrow
        try:
            done = _agency_digest(sessions, settings, agency_id, now)
            if done is None:
                continue  # another worker holds it: it may fail, so this one looks again at its next beat
            written += done
            _finished[(database, agency_id)] = today
        except Exception:
            log.exception("daily digest failed for agency %s", agency_id)
    return written
