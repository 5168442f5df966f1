"""The notification centre (D28): a person's own notices, newest first, a page at a time; the unread count of
the bell; marking read. Every query is by the person's id on an index (``ix_notice_user_id_id`` for pages,
the partial ``ix_notice_unread`` for the count), never a read of the whole history."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload

from engine.cases.notices import UNLISTED
from engine.core.clock import iso_vn
from engine.core.errors import NotFound
from engine.data.model import Dossier, User
from engine.data.notice_model import Notice

PAGE = 20
COUNT_CAP = 100  # the bell says "99+" beyond: counting further would read a long unread history for nothing
# A delivery's state as the API says it (api.md: sent, failed, pending).
SHOWN_STATE = {"pending": "pending", "sending": "pending", "sent": "sent", "dead": "failed"}


def unread_count(session: Session, user: User) -> int:
    """Unread notices of ``user``, counted up to COUNT_CAP (one index range, bounded)."""
    unread = (select(Notice.id).where(Notice.user_id == user.id, Notice.read_at.is_(None))
              .limit(COUNT_CAP).subquery())
    return session.scalar(select(func.count()).select_from(unread)) or 0


def page(session: Session, user: User, before: int | None = None, limit: int = PAGE) -> tuple[list, int | None]:
    """(rows of (notice, dossier code), the id to pass as ``before`` for the next page or None)."""
    query = (select(Notice, Dossier.code).outerjoin(Dossier, Dossier.id == Notice.dossier_id)
             .where(Notice.user_id == user.id, Notice.event.not_in(sorted(UNLISTED)))
             .order_by(Notice.id.desc()).limit(limit + 1).options(selectinload(Notice.deliveries)))
    if before is not None:
        query = query.where(Notice.id < before)
    rows = list(session.execute(query).all())
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1][0].id if more else None)


def describe(notice: Notice, code: str | None) -> dict:
    """A notice as the API shows it (api.md "Notifications")."""
    shown = {"id": notice.id, "event": notice.event, "title": notice.title, "body": notice.body}
    if code is not None:
        shown["dossier"] = code
    shown.update(created_at=iso_vn(notice.created_at), read_at=iso_vn(notice.read_at), link=notice.link,
                 deliveries={d.channel: SHOWN_STATE.get(d.state, "pending") for d in notice.deliveries})
    return shown


def mark_read(session: Session, user: User, notice_id: int, now: datetime) -> Notice:
    """The person's own notice, read now (already read: unchanged); another's is not found."""
    notice = session.get(Notice, notice_id)
    if notice is None or notice.user_id != user.id or notice.event in UNLISTED:
        raise NotFound("Không tìm thấy thông báo", code="notification_not_found")
    if notice.read_at is None:
        notice.read_at = now
    return notice


def mark_all_read(session: Session, user: User, now: datetime) -> int:
    done = session.execute(update(Notice).where(Notice.user_id == user.id, Notice.read_at.is_(None))
                           .values(read_at=now).execution_options(synchronize_session=False))
    return done.rowcount
