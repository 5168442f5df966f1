"""Idempotency keys: a creating request sent twice (a double click, a retry after a lost answer) acts once.

A client names its request with a key (the `Idempotency-Key` header of the API, a one-time token in the
portal's filing form). The first request with a key claims it, in the same transaction as the work it does,
and keeps its answer there; a later request of the same user with the same key and the same content gets that
answer again instead of doing the work twice, one with other content is refused. Keys belong to a user
(another user's key is another key) and are forgotten after KEPT_FOR.

Concurrency: the claim is a row under a unique constraint (user, key), inserted before the work. Of two
requests at once, the second one's insert waits for the first transaction (PostgreSQL's unique index, SQLite's
single writer); if the first commits, the insert fails and the second answers with the first one's answer; if
the first rolls back (its work failed), the second does the work. A failed request keeps nothing, so it may be
sent again with the same key.

The table is engine.data.portal_model.IdempotencyKey (migration 0009_idempotency_key).
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.core.errors import BadRequest, Invalid
from engine.data.model import User
from engine.data.portal_model import IdempotencyKey

KEPT_FOR = timedelta(hours=24)
KEY_RE = re.compile(r"[\x21-\x7e]{1,255}\Z")  # visible ASCII, as HTTP header values are safely


@dataclass
class Claim:
    """The outcome of claiming a key: ``row`` to record the answer in, or ``replay`` (status, answer) of the
    request that claimed it first."""

    row: IdempotencyKey | None = None
    replay: tuple[int, dict] | None = None


def fingerprint(*parts) -> str:
    """What a request is, to tell a repeat from another request under the same key (method, path, content;
    JSON content is compared by value, not by its spacing or key order)."""
    text = json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def check_key(key: str) -> str:
    if not KEY_RE.match(key):
        raise BadRequest("Idempotency-Key phải gồm 1–255 ký tự ASCII nhìn thấy được (không dấu cách)",
                         code="invalid_idempotency_key")
    return key


def _replay(row: IdempotencyKey, print_: str) -> Claim:
    if row.fingerprint != print_:
        raise Invalid("Idempotency-Key này đã được dùng cho một yêu cầu khác; mỗi yêu cầu cần một khóa riêng",
                      code="idempotency_key_reused", fields={"Idempotency-Key": "Đã dùng cho yêu cầu khác"})
    return Claim(replay=(row.status, row.response))


def claim(session: Session, user: User, key: str, print_: str, now: datetime) -> Claim:
    """Claim ``key`` for ``user`` before doing the work, or get the answer of the request that claimed it.
    Must be the first write of the transaction (a lost race rolls back to the savepoint of the claim only)."""
    check_key(key)
    session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at <= now - KEPT_FOR))
    found = select(IdempotencyKey).where(IdempotencyKey.user_id == user.id, IdempotencyKey.key == key)
    row = session.scalar(found)
    if row is not None:
        return _replay(row, print_)
    row = IdempotencyKey(user_id=user.id, key=key, fingerprint=print_, created_at=now)
    try:
        with session.begin_nested():  # waits here for a concurrent request with the same key
            session.add(row)
    except IntegrityError:  # that request committed first: answer as it did
        return _replay(session.scalar(found.execution_options(populate_existing=True)), print_)
    return Claim(row=row)


def remembered(session: Session, user: User, key: str, now: datetime) -> dict | None:
    """The answer kept for ``user``'s ``key`` while it is kept (KEPT_FOR), if it is an object; None otherwise."""
    row = session.scalar(select(IdempotencyKey).where(IdempotencyKey.user_id == user.id, IdempotencyKey.key == key,
                                                      IdempotencyKey.created_at > now - KEPT_FOR))
    return row.response if row is not None and isinstance(row.response, dict) else None


def remember(session: Session, claimed: Claim, status: int, answer: dict) -> None:
    """Keep the answer of the claiming request, to give it again to a repeat."""
    claimed.row.status, claimed.row.response = status, answer
    session.flush()
