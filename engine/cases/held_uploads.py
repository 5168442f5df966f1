"""The files chosen on a filing page (the citizen's filing and supplement, the receiving officer's desk filing),
held when the post was refused, so that the page sent again need not choose them again (the guide: nothing lost
on any error).

A refused filing (a field to mend, a repeat to confirm, one file of several not a PDF) rolled back everything,
the files chosen with it: the page said "chọn lại tệp đính kèm" and the citizen picked each file again. Now the
files of the components not at fault are written to the document store (by SHA-256, as documents are) and
listed, each with a ticked box "keep", on the page that comes back; the page sent again attaches the kept ones
through the same checks as an upload (engine.cases.attachments.attach), then lets them go. A file held is its
chooser's alone (another's id is ignored), for a day (HOLD_FOR); a person holds MOST_HELD files at most.
"""
from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine.cases.dossiers import Context
from engine.data.portal_model import HeldUpload
from engine.paperwork.documents import path_for, store_bytes

HOLD_FOR = timedelta(hours=24)
MOST_HELD = 30


def hold(session: Session, ctx: Context, files: list[tuple[str, str, bytes]],
         kept_ids: list[str] = ()) -> list[HeldUpload]:
    """Hold ``files`` (component key, file name, bytes) for the citizen besides those of ``kept_ids`` (the
    page's ticked boxes, as ``take`` reads them); the files held, kept ones first. Empty or too large files are
    not held (the upload's own check says why)."""
    session.execute(delete(HeldUpload).where(HeldUpload.created_at <= ctx.now - HOLD_FOR))  # a day: let go
    kept = take(session, ctx, list(kept_ids))
    rows = [HeldUpload(user_id=ctx.user.id, component=key[:100], name=name[:255], sha256=store_bytes(
                ctx.settings.data_dir, content), size=len(content), created_at=ctx.now)
            for key, name, content in files if content and len(content) <= ctx.settings.max_request_bytes]
    session.add_all(rows)
    session.flush()
    mine = session.scalars(select(HeldUpload.id).where(HeldUpload.user_id == ctx.user.id)
                           .order_by(HeldUpload.created_at.desc(), HeldUpload.id.desc())).all()
    if len(mine) > MOST_HELD:  # the oldest let go
        session.execute(delete(HeldUpload).where(HeldUpload.id.in_(mine[MOST_HELD:])))
    still = set(mine[:MOST_HELD])
    return [row for row in [*kept, *rows] if row.id in still]


def take(session: Session, ctx: Context, posted: list[str]) -> list[HeldUpload]:
    """The files held for this citizen among the ids ``posted`` (the page's ticked boxes), still held; any other
    id (another's, let go, not a number) is ignored: the page lists what it keeps."""
    ids = {int(raw) for raw in posted if raw.isascii() and raw.isdigit() and len(raw) <= 12}
    if not ids:
        return []
    return list(session.scalars(select(HeldUpload).where(
        HeldUpload.id.in_(sorted(ids)), HeldUpload.user_id == ctx.user.id,
        HeldUpload.created_at > ctx.now - HOLD_FOR).order_by(HeldUpload.id)))


def files(ctx: Context, held: list[HeldUpload]) -> list[tuple[str, str, bytes]]:
    """(component key, file name, bytes) of each file held whose bytes are still the ones held."""
    found = []
    for row in held:
        path = path_for(ctx.settings.data_dir, row.sha256)
        content = path.read_bytes() if path.exists() else b""
        if hashlib.sha256(content).hexdigest() == row.sha256:
            found.append((row.component, row.name, content))
    return found


def release(session: Session, held: list[HeldUpload]) -> None:
    """The files attached: held no longer (their bytes are the documents')."""
    if held:
        session.execute(delete(HeldUpload).where(HeldUpload.id.in_([row.id for row in held])))
