"""Signed checkpoints of every audit chain's head, and the verification of every chain against the last one.

The dossier row keeps its chain's head and count, so whoever can delete the last events can roll the head back
with them. A checkpoint copies every dossier's (head, count) into rows of its own and signs their digest with an
HMAC whose key is derived from the secret key (configured, or kept in the data folder), which a database alone
does not hold, and each entry on its own too (one dossier is verified by reading its entry alone); the id of the
newest checkpoint is also kept in a file of the data folder, so that deleting whole checkpoints shows too. Any
chain that has lost events since the last checkpoint, or was rewritten before it, no longer reaches the
checkpointed head at the checkpointed count; and a new checkpoint never blesses such a loss (the chain keeps its
old entry), nor a missing or broken checkpoint (an alarm file keeps it said). Everything is read in pages
(dossiers by id, events streamed), never the whole history at once.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby
from types import SimpleNamespace
from typing import Any, Callable, Iterable

from sqlalchemy import delete, func, insert, literal_column, or_, select
from sqlalchemy.orm import Session, sessionmaker

from engine.core.clock import VN_TZ, iso_vn
from engine.core.settings import Settings
from engine.data import audit
from engine.data.model import AuditCheckpoint, AuditCheckpointEntry, AuditEvent, Dossier


class Unreadable(str):
    """A stored value its column's type cannot read back (edited by hand): the event is reported as changed."""


_EVENTS, _E = AuditEvent.__table__, AuditCheckpointEntry
_MISSING = SimpleNamespace(mac=None)  # a dossier's entry, gone from a checkpoint whose rows no longer hold


def _event_rows(session: Session, where, order) -> Iterable:
    """The events' plain rows, streamed (no identity map: a chain of any length is never held in memory). On
    SQLite, which stores any text in any column, each value is read back by its column's type one row at a time,
    so that a value no type can read (``{{{`` as the data, ``garbage`` as the time) is one changed event, not the
    end of the verification; PostgreSQL's typed columns cannot hold such values."""
    dialect = session.get_bind().dialect
    if dialect.name != "sqlite":
        yield from session.execute(select(*_EVENTS.c).where(where).order_by(*order).execution_options(yield_per=1000))
        return
    readers = {c.key: c.type.dialect_impl(dialect).result_processor(dialect, None) for c in _EVENTS.c}
    raw = select(*(literal_column(f"audit_event.{c.name}").label(c.key) for c in _EVENTS.c)).select_from(_EVENTS)
    for row in session.execute(raw.where(where).order_by(*order).execution_options(yield_per=1000)):
        values = {}
        for key, value in row._mapping.items():
            reader = readers.get(key)
            try:
                values[key] = reader(value) if reader is not None and value is not None else value
            except Exception:  # noqa: BLE001 - any reader's complaint: the stored text is not what was written
                values[key] = Unreadable(value)
        yield SimpleNamespace(**values)

log = logging.getLogger(__name__)
PAGE = 500
ANCHOR_FILE = "audit_checkpoint.json"
ALARM_FILE = "audit_checkpoint_alarm.txt"  # checkpoints found missing; kept until an operator has looked


def latest(session: Session) -> AuditCheckpoint | None:
    return session.scalar(select(AuditCheckpoint).where(AuditCheckpoint.mac.is_not(None))
                          .order_by(AuditCheckpoint.id.desc()).limit(1))


def _continues(session: Session, dossier_id: int, old: tuple[str, int], head: str, count: int) -> bool:
    """Whether a chain now at (head, count) still passes through its checkpointed (head, count): never fewer
    events, the same head at the same count, and the old head at the old position (one indexed read)."""
    old_head, old_count = old
    if count < old_count or (count == old_count and head != old_head):
        return False
    if count == old_count:
        return True
    at_old = session.scalar(select(AuditEvent.hash).where(AuditEvent.dossier_id == dossier_id)
                            .order_by(AuditEvent.id).offset(old_count - 1).limit(1))
    return at_old == old_head


def write_checkpoint(sessions: sessionmaker, settings: Settings, now: datetime,
                     page: int = PAGE) -> tuple[AuditCheckpoint, int]:
    """Copy every chain's (head, count) into a new checkpoint, page by page (one transaction a page, so that
    appends are never held up for long), then sign it and keep its id beside the data. Each pair is read from
    one dossier row, so it is a state its chain really had, whatever commits between pages.

    A checkpoint never blesses a loss: a chain that no longer passes through its entry of the previous
    checkpoint (events removed, or rewritten) keeps that entry, and so does a dossier that is gone, so
    `tthc audit verify` goes on reporting them. Returns the checkpoint and how many chains were held so."""
    with sessions.begin() as session:
        prev = latest(session)
        _keep_alarm(session, settings, prev, now)
        cp = AuditCheckpoint(at=now, dossiers=0, events=0, digest="", prev_mac=prev.mac if prev else "", mac=None)
        session.add(cp)
        session.flush()
        cp_id, prev_id = cp.id, prev.id if prev else None
    last, held = 0, 0
    while True:
        with sessions.begin() as session:
            rows = session.execute(select(Dossier.id, Dossier.audit_head, Dossier.audit_count)
                                   .where(Dossier.id > last).order_by(Dossier.id).limit(page)).all()
            if not rows:
                break
            last = rows[-1].id
            before = {} if prev_id is None else {e.dossier_id: (e.head, e.events) for e in session.execute(
                select(_E.dossier_id, _E.head, _E.events)
                .where(_E.checkpoint_id == prev_id, _E.dossier_id.in_([r.id for r in rows])))}
            entries = []
            for r in rows:
                head, count = r.audit_head or "", r.audit_count or 0
                old = before.get(r.id)
                if old is not None and not _continues(session, r.id, old, head, count):
                    log.error("audit chain of dossier %s lost events since checkpoint %s: its entry is kept",
                              r.id, prev_id)
                    (head, count), held = old, held + 1
                if count:
                    entries.append({"checkpoint_id": cp_id, "dossier_id": r.id, "head": head, "events": count,
                                    "mac": _E.signature(settings.session_secret, cp_id, now, r.id, head, count)})
            if entries:
                session.execute(insert(AuditCheckpointEntry), entries)
    with sessions.begin() as session:
        if prev_id is not None:  # dossiers deleted outright stay named
            gone = session.execute(select(_E.dossier_id, _E.head, _E.events).where(
                _E.checkpoint_id == prev_id, ~_E.dossier_id.in_(select(Dossier.id)))).all()
            if gone:
                session.execute(insert(AuditCheckpointEntry), [
                    {"checkpoint_id": cp_id, "dossier_id": g.dossier_id, "head": g.head, "events": g.events,
                     "mac": _E.signature(settings.session_secret, cp_id, now, g.dossier_id, g.head, g.events)}
                    for g in gone])
                held += len(gone)
    with sessions.begin() as session:
        cp = session.get(AuditCheckpoint, cp_id)
        cp.digest, cp.dossiers, cp.events = _digest_of(session, cp_id)
        cp.mac = cp.signature(settings.session_secret)
        # the newest checkpoint is verified against, the one before it if the newest goes missing: older
        # entries go (their signed headers stay)
        older = select(AuditCheckpoint.id).where(AuditCheckpoint.id < (prev_id or cp_id))
        session.execute(delete(AuditCheckpointEntry).where(AuditCheckpointEntry.checkpoint_id.in_(older)))
    _write_anchor(settings, cp)
    log.info("audit checkpoint %s: %s chains, %s events, %s held", cp_id, cp.dossiers, cp.events, held)
    return cp, held


def _digest_of(session: Session, cp_id: int) -> tuple[str, int, int]:
    """The digest of a checkpoint's entries (in dossier order, streamed) and how many chains and events they hold."""
    digest, dossiers, events = hashlib.sha256(), 0, 0
    rows = session.execute(select(_E.dossier_id, _E.head, _E.events).where(_E.checkpoint_id == cp_id)
                           .order_by(_E.dossier_id).execution_options(yield_per=2000))
    for r in rows:
        digest.update(_E.line(r.dossier_id, r.head, r.events))
        dossiers, events = dossiers + 1, events + r.events
    return digest.hexdigest(), dossiers, events


def _anchor_path(settings: Settings):
    return settings.data_dir / ANCHOR_FILE


def _read_anchor(settings: Settings) -> dict | None:
    try:
        anchor = json.loads(_anchor_path(settings).read_text())
    except (OSError, ValueError):
        return None
    ok = isinstance(anchor, dict) and isinstance(anchor.get("id"), int) and isinstance(anchor.get("mac"), str)
    return anchor if ok else None


def _keep_alarm(session: Session, settings: Settings, prev: AuditCheckpoint | None, now: datetime) -> None:
    """Before a new checkpoint replaces the anchor and carries the previous entries on: if the checkpoint the
    anchor names is gone from the database (or differs), or the previous one no longer holds its signature, say
    so in a file of the data folder that only an operator removes (the next checkpoint must not hide the loss)."""
    anchor = _read_anchor(settings)
    problems = []
    if anchor is not None and (prev is None or anchor["id"] > prev.id or
                               (anchor["id"] == prev.id and anchor["mac"] != prev.mac)):
        problems.append(f"điểm kiểm tra #{anchor['id']} ({anchor.get('at')}) không còn trong cơ sở dữ liệu hoặc đã "
                        "bị thay (điểm kiểm tra bị xóa)")
    if prev is not None and not (hmac.compare_digest(prev.mac or "", prev.signature(settings.session_secret)) and
                                 _digest_of(session, prev.id) == (prev.digest, prev.dossiers, prev.events)):
        problems.append(f"điểm kiểm tra #{prev.id}: chữ ký hoặc các dòng không hợp lệ khi ghi điểm kiểm tra sau")
    if problems:
        log.error("audit checkpoints: %s", "; ".join(problems))
        with open(settings.data_dir / ALARM_FILE, "a", encoding="utf-8") as fh:
            fh.writelines(f"{now.isoformat()}: {problem}\n" for problem in problems)


def _write_anchor(settings: Settings, cp: AuditCheckpoint) -> None:
    """The newest checkpoint's id and signature, outside the database (never moved back by an older writer)."""
    known = _read_anchor(settings)
    if known and known["id"] > cp.id:
        return
    path = _anchor_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"id": cp.id, "at": cp.at.isoformat(), "mac": cp.mac}))
    tmp.replace(path)


def write_if_due(sessions: sessionmaker, settings: Settings, now: datetime) -> tuple[AuditCheckpoint, int] | None:
    """The timer service's call: a checkpoint when the last one is older than ``audit_checkpoint_minutes``."""
    with sessions() as session:
        last_at = session.scalar(select(func.max(AuditCheckpoint.at)).where(AuditCheckpoint.mac.is_not(None)))
    if last_at is not None and now - last_at < timedelta(minutes=settings.audit_checkpoint_minutes):
        return None
    return write_checkpoint(sessions, settings, now)


# -- verification ---------------------------------------------------------------------------------------------
@dataclass
class Verification:
    dossiers: int = 0
    events: int = 0
    problems: int = 0
    checkpoint: AuditCheckpoint | None = None


def _check_checkpoint(session: Session, settings: Settings, say: Callable[[str], None],
                      code: str | None = None) -> tuple[AuditCheckpoint | None, Any]:
    """The newest signed checkpoint, if its signature and entries hold (problems are said), and the entry of
    dossier ``code`` in it. For one dossier only its own entry is read (signed, checked by _anchor); the whole digest
    is, for an entry without a signature (checkpoints before migration 0036) or one missing though the dossier was
    there (_existed): if it no longer holds, the entry is _MISSING (said by _anchor)."""
    cp = latest(session)
    anchor = _read_anchor(settings)
    try:
        alarms = (settings.data_dir / ALARM_FILE).read_text(encoding="utf-8").splitlines()
    except OSError:
        alarms = []
    for alarm in alarms:
        say(f"{alarm} — ghi trong {settings.data_dir / ALARM_FILE}")
    if anchor is not None and (cp is None or anchor["id"] > cp.id):
        say(f"điểm kiểm tra #{anchor.get('id')} ({anchor.get('at')}) ghi trong {_anchor_path(settings)} không còn "
            "trong cơ sở dữ liệu (điểm kiểm tra bị xóa)")
    if cp is None:
        return None, None
    if not hmac.compare_digest(cp.mac or "", cp.signature(settings.session_secret)) or (
            anchor is not None and anchor["id"] == cp.id and anchor["mac"] != cp.mac):
        say(f"điểm kiểm tra #{cp.id}: chữ ký không hợp lệ (điểm kiểm tra bị sửa, hoặc khóa bí mật đã đổi)")
        return None, None
    one = None if code is None else session.execute(select(_E.dossier_id, _E.head, _E.events, _E.mac).join(
        Dossier, Dossier.id == _E.dossier_id).where(_E.checkpoint_id == cp.id, Dossier.code == code)).first()
    if code is not None and (one.mac is not None if one is not None else not _existed(session, cp, code)):
        return cp, one
    digest, dossiers, events = _digest_of(session, cp.id)
    if (digest, dossiers, events) != (cp.digest, cp.dossiers, cp.events):
        say(f"điểm kiểm tra #{cp.id}: các dòng của điểm kiểm tra bị sửa hoặc xóa ({dossiers}/{cp.dossiers} chuỗi)")
        return (cp, _MISSING) if code is not None and one is None else (None, None)
    return cp, one


def _existed(session: Session, cp: AuditCheckpoint, code: str) -> bool:
    """Whether dossier ``code`` (without an entry in ``cp``) was there when ``cp`` was written, filed or its first
    event recorded by then or an id below one ``cp`` holds (one indexed read): then its entry ought to be there."""
    first = select(AuditEvent.at).where(AuditEvent.dossier_id == Dossier.id).order_by(AuditEvent.id).limit(1)
    top = select(func.max(_E.dossier_id)).where(_E.checkpoint_id == cp.id).scalar_subquery()
    return session.scalar(select(Dossier.id).where(Dossier.code == code, or_(
        Dossier.filed_at <= cp.at, first.scalar_subquery() <= cp.at, Dossier.id < top))) is not None


def _anchor(settings: Settings, cp: AuditCheckpoint | None, code: str, entry, say) -> tuple[str, int] | None:
    """A dossier's entry of the checkpoint as (head, count), unless its own signature does not hold (said)."""
    if cp is None or entry is None:
        return None
    if entry is _MISSING:
        say(f"{code}: dòng của hồ sơ trong điểm kiểm tra #{cp.id} bị xóa hoặc chuyển sang hồ sơ khác")
        return None
    signed = entry.mac is None or hmac.compare_digest(entry.mac, _E.signature(
        settings.session_secret, cp.id, cp.at, entry.dossier_id, entry.head, entry.events))
    if not signed:
        say(f"{code}: dòng của hồ sơ trong điểm kiểm tra #{cp.id} bị sửa (chữ ký của dòng không khớp)")
    return (entry.head, entry.events) if signed else None


def _where(code: str, event, n: int) -> str:
    return f"{code}: sự kiện #{event.id} (thứ {n}, {event.action})"


def _check_chain(code: str, head: str | None, count: int, events, anchored: tuple[str, int] | None,
                 cp: AuditCheckpoint | None, say: Callable[[str], None]) -> int:
    """Walk one chain's events (in id order); returns how many there were."""
    prev, n, newest_formula = audit.GENESIS, 0, None
    for event in events:
        n += 1
        unreadable = [key for key, value in vars(event).items() if isinstance(value, Unreadable)] if isinstance(
            event, SimpleNamespace) else []
        if unreadable:
            say(f"{_where(code, event, n)}: nội dung bị sửa (không đọc được cột {', '.join(unreadable)})")
        elif event.prev_hash != prev:
            say(f"{_where(code, event, n)}: không nối tiếp sự kiện trước (sự kiện bị xóa, chèn hoặc đổi thứ tự)")
        elif audit._digest(prev, event) != event.hash:
            say(f"{_where(code, event, n)}: nội dung bị sửa (mã băm không khớp)")
        version = event.hash_version or 1
        if newest_formula is not None and version < newest_formula:
            say(f"{_where(code, event, n)}: công thức băm cũ sau công thức mới (bị hạ cấp)")
        newest_formula = max(newest_formula or 0, version)
        if anchored is not None and n == anchored[1] and event.hash != anchored[0]:
            say(f"{code}: sự kiện thứ {n} khác với điểm kiểm tra #{cp.id} lúc {iso_vn(cp.at)} (chuỗi bị viết lại)")
        prev = event.hash
    if anchored is not None and n < anchored[1]:
        say(f"{code}: chuỗi còn {n} sự kiện, điểm kiểm tra #{cp.id} lúc {iso_vn(cp.at)} ghi {anchored[1]} "
            "(sự kiện cuối bị xóa)")
    if (head or None) != (prev if n else None) or (count or 0) != n:
        say(f"{code}: đầu chuỗi trên hồ sơ ({(head or '-')[:12]}…, {count or 0} sự kiện) không khớp với các sự kiện "
            f"({prev[:12] if n else '-'}…, {n} sự kiện)")
    return n


def verify(sessions: sessionmaker, settings: Settings, say: Callable[[str], None], code: str | None = None,
           progress: Callable[[int, int], None] | None = None, page: int = PAGE) -> Verification:
    """Verify the newest checkpoint and every chain (or the chain of dossier ``code``) against it; every problem
    is passed to ``say`` as one line, ``progress(done, total)`` after each page of dossiers."""
    result = Verification()

    def problem(text: str) -> None:
        result.problems += 1
        say(text)

    with sessions() as session:
        cp, one = _check_checkpoint(session, settings, problem, code)
        result.checkpoint = cp
        query = select(Dossier.id, Dossier.code, Dossier.audit_head, Dossier.audit_count)
        if code is not None:
            query = query.where(Dossier.code == code)
        total = session.scalar(select(func.count()).select_from(query.subquery()))
        last = 0
        while True:
            rows = session.execute(query.where(Dossier.id > last).order_by(Dossier.id).limit(page)).all()
            if not rows:
                break
            ids = [r.id for r in rows]
            entries = {r.id: one for r in rows if one is not None} if code is not None or cp is None else {
                e.dossier_id: e for e in session.execute(select(_E.dossier_id, _E.head, _E.events, _E.mac).where(
                    _E.checkpoint_id == cp.id, _E.dossier_id.in_(ids)))}  # one dossier's: read with the checkpoint
            # plain rows (no identity map), streamed: a chain of any length is never held in memory
            stream = _event_rows(session, AuditEvent.dossier_id.in_(ids), (AuditEvent.dossier_id, AuditEvent.id))
            by_dossier = groupby(stream, key=lambda e: e.dossier_id)
            pending = next(by_dossier, None)
            for r in rows:
                matched = pending is not None and pending[0] == r.id
                result.events += _check_chain(r.code, r.audit_head, r.audit_count, pending[1] if matched else (),
                                              _anchor(settings, cp, r.code, entries.get(r.id), problem), cp,
                                              problem)
                if matched:
                    pending = next(by_dossier, None)
            result.dossiers, last = result.dossiers + len(rows), rows[-1].id
            if progress is not None:
                progress(result.dossiers, total)
        if cp is not None and code is None:
            gone = session.execute(select(_E.dossier_id, _E.events).where(
                _E.checkpoint_id == cp.id, ~_E.dossier_id.in_(select(Dossier.id))).execution_options(yield_per=1000))
            for r in gone:
                problem(f"hồ sơ id {r.dossier_id}: có trong điểm kiểm tra #{cp.id} ({r.events} sự kiện) nhưng không "
                        "còn trong cơ sở dữ liệu (hồ sơ bị xóa)")
    return result


def verify_dossier(session: Session, settings: Settings, dossier: Dossier) -> tuple[int, list[str]]:
    """One dossier's chain against the newest sound checkpoint, reading its row and its own entry: (events, problems),
    its entry's included (a checkpoint's or another dossier's are for `tthc audit verify`)."""
    cp, entry = _check_checkpoint(session, settings, lambda _text: None, dossier.code)
    problems: list[str] = []
    events = _event_rows(session, AuditEvent.dossier_id == dossier.id, (AuditEvent.id,))
    count = _check_chain(dossier.code, dossier.audit_head, dossier.audit_count, events,
                         _anchor(settings, cp, dossier.code, entry, problems.append), cp, problems.append)
    return count, problems


def describe(cp: AuditCheckpoint, held: int) -> str:
    """What `tthc audit checkpoint` prints."""
    return (f"checkpoint {cp.id}: {cp.dossiers} chains, {cp.events} events, at {cp.at.astimezone(VN_TZ).isoformat()}"
            + (f"; {held} chains that lost events keep their previous entry (tthc audit verify)" if held else ""))


def report(sessions: sessionmaker, settings: Settings, say: Callable[[str], None], note: Callable[[str], None],
           code: str | None = None) -> int:
    """`tthc audit verify`: one line per problem and a summary to ``say``, progress to ``note``; how many problems."""
    shown = [time.monotonic()]

    def progress(done: int, total: int) -> None:  # every 2 seconds at most, and the last page: "n/N"
        if time.monotonic() - shown[0] >= 2 or done >= total:
            shown[0] = time.monotonic()
            note(f"... {done}/{total} hồ sơ")

    result = verify(sessions, settings, say, code=code, progress=progress if code is None else None)
    if code is not None and result.dossiers == 0:
        say(f"{code}: không có hồ sơ này")
        result.problems += 1
    cp = result.checkpoint
    anchor = f"điểm kiểm tra #{cp.id} lúc {cp.at.astimezone(VN_TZ).isoformat()}" if cp else \
        "chưa có điểm kiểm tra hợp lệ (không phát hiện được sự kiện cuối bị xóa; chạy `tthc audit checkpoint`)"
    say(f"{result.dossiers} hồ sơ, {result.events} sự kiện; {anchor}; {result.problems} vấn đề")
    return result.problems
