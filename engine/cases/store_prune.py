"""Letting go of the stored files nobody refers to: `tthc db prune-files`.

The document store (engine.paperwork.documents) names each file by its SHA-256 and never writes it over. A file
is written before the row that refers to it is committed, so some files end up referred to by no row: the files
of a refused filing (its transaction rolled back), the held files of a refused page never sent again
(engine.cases.held_uploads: their row goes after a day), a file a crash left half written (``tmp…``). Nothing
read them again, and nothing removed them: a province's disk grew with every refused upload.

A file goes when it is older than the grace period (two days by default, at least one: far longer than any
request that writes a file and then commits its row) and no document nor live held file refers to it. The race
with a request storing the same bytes at that moment is closed by two steps:
- ``store_bytes`` touches a file it finds already stored (its modification time is now), or writes it again when
  it is gone by then;
- a file to remove is first renamed aside (``.prune-<sha>``), then looked at again: touched since (a request
  reuses it), or referred to by a row committed since, it is renamed back; otherwise removed.
A request that touched the file before the rename left the renamed file young (kept); one that came after found
the file gone and wrote it again. A prune stopped half way leaves ``.prune-`` files: the next run decides them
as any other.

Reads the store one folder (``ab/``) at a time and asks the database about 500 names at a time (the document
table's index on ``sha256``): memory stays the same at a million files.
"""
from __future__ import annotations

import os
import re
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Callable

from sqlalchemy import delete, func, select
from sqlalchemy.orm import sessionmaker

from engine.cases.held_uploads import HOLD_FOR
from engine.data.model import Document
from engine.data.portal_model import HeldUpload

GRACE = timedelta(days=2)
ASIDE = ".prune-"
BATCH = 500
_NAME = re.compile(r"[0-9a-f]{64}")


@dataclass
class Pruned:
    folders: int = 0
    files: int = 0  # stored files looked at
    removed: int = 0  # files referred to by nothing, older than the grace period
    freed_bytes: int = 0
    in_use: int = 0  # referred to by a document or a live held file
    young: int = 0  # written or reused within the grace period
    leftovers: int = 0  # half-written files (tmp…) of a stopped write, older than the grace period
    held_rows: int = 0  # held files past their day, whose rows went first

    def as_dict(self) -> dict:
        return asdict(self)


def prune(sessions: sessionmaker, data_dir: Path, now: datetime, *, older_than: timedelta = GRACE,
          dry_run: bool = False, progress: Callable[[int, int, Pruned], None] | None = None) -> Pruned:
    """Remove the stored files no document nor live held file refers to, older than ``older_than`` (``dry_run``:
    count them, change nothing); ``progress(folder, folders, counts)`` after each folder."""
    done = Pruned()
    stale = HeldUpload.created_at <= now - HOLD_FOR
    with sessions.begin() as session:  # a held file past its day is nobody's: its row goes first
        if dry_run:
            done.held_rows = session.scalar(select(func.count()).select_from(HeldUpload).where(stale))
        else:
            done.held_rows = session.execute(delete(HeldUpload).where(stale)).rowcount
    root = data_dir / "documents"
    folders = sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
    cutoff = (now - older_than).timestamp()
    for number, folder in enumerate(folders, 1):
        with os.scandir(folder) as entries:  # read whole first: renaming while a scan runs may show a name twice
            found = [(entry.name, entry.stat(follow_symlinks=False)) for entry in entries
                     if entry.is_file(follow_symlinks=False)]
        stored: dict[str, tuple[float, int]] = {}  # sha: its newest modification time, its size
        for name, stat in found:
            sha = name[len(ASIDE):] if name.startswith(ASIDE) else name
            if _NAME.fullmatch(sha):
                if name != sha and not dry_run:  # set aside by a prune that stopped: back, then decided
                    _put_back(folder, sha)
                mtime = max(stat.st_mtime, stored.get(sha, (0.0, 0))[0])
                stored[sha] = (mtime, stat.st_size)
            elif name.startswith("tmp") and stat.st_mtime < cutoff:  # a write that stopped half way
                done.leftovers += 1
                if not dry_run:
                    _unlink(folder / name)
        done.files += len(stored)
        old = [(sha, size) for sha, (mtime, size) in stored.items() if mtime < cutoff]
        done.young += len(stored) - len(old)
        for start in range(0, len(old), BATCH):
            _decide(sessions, folder, old[start:start + BATCH], now, cutoff, dry_run, done)
        done.folders = number
        if progress is not None:
            progress(number, len(folders), done)
    return done


def _referred(sessions: sessionmaker, names: list[str], now: datetime) -> set[str]:
    with sessions() as session:
        used = set(session.scalars(select(Document.sha256).where(Document.sha256.in_(names))))
        used.update(session.scalars(select(HeldUpload.sha256).where(HeldUpload.sha256.in_(names),
                                                                    HeldUpload.created_at > now - HOLD_FOR)))
    return used


def _decide(sessions: sessionmaker, folder: Path, batch: list[tuple[str, int]], now: datetime, cutoff: float,
            dry_run: bool, done: Pruned) -> None:
    used = _referred(sessions, [sha for sha, _ in batch], now)
    done.in_use += sum(1 for sha, _ in batch if sha in used)
    unused = [(sha, size) for sha, size in batch if sha not in used]
    if dry_run:
        done.removed += len(unused)
        done.freed_bytes += sum(size for _, size in unused)
        return
    aside = []
    for sha, size in unused:
        try:
            os.replace(folder / sha, folder / (ASIDE + sha))
        except FileNotFoundError:
            continue
        if (folder / (ASIDE + sha)).stat().st_mtime >= cutoff:  # stored again just now: a request reuses it
            _put_back(folder, sha)
            done.young += 1
        else:
            aside.append((sha, size))
    used = _referred(sessions, [sha for sha, _ in aside], now) if aside else set()
    for sha, size in aside:
        if sha in used:  # its row was committed since the first look
            _put_back(folder, sha)
            done.in_use += 1
        elif _unlink(folder / (ASIDE + sha)):
            done.removed += 1
            done.freed_bytes += size


def _put_back(folder: Path, sha: str) -> None:
    """The file set aside goes back under its name; when a request has written the same bytes there since, that
    newer file stays (a link, not a rename: a rename would put the older modification time over it)."""
    aside = folder / (ASIDE + sha)
    try:
        os.link(aside, folder / sha)
    except FileExistsError:
        pass
    except FileNotFoundError:
        return
    except OSError:  # a file system without hard links: renamed back (a newer copy there holds the same bytes)
        os.replace(aside, folder / sha)
        return
    _unlink(aside)


def _unlink(path: Path) -> bool:
    try:
        path.unlink()
        return True
    except FileNotFoundError:
        return False
