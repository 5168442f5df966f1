"""The dossier row is written with one Core UPDATE of its changed columns, under its version counter.

Every command changes the dossier row (status, deadlines, workflow state, audit head) and nothing else through
the ORM's unit of work in most cases; running the unit of work for that one row cost about 1 ms of CPU per
command (its bookkeeping, not the statement). Before each flush, ``_write_dossiers`` writes each changed dossier
itself: ``UPDATE dossier SET <changed columns>, version = v + 1 WHERE id = ? AND version = v``. A row another
transaction changed first matches nothing and raises ``StaleDataError``, exactly as the ORM's own version check
does (the web edge answers 409). The object is then marked as written, as the ORM marks what it flushed, so a
session with nothing else to write has nothing left to flush.
"""
from __future__ import annotations

from functools import lru_cache

from sqlalchemy import bindparam, event, inspect, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from engine.data.model import Dossier

_TABLE = Dossier.__table__
_MAPPER = inspect(Dossier)
_VERSION = _MAPPER.version_id_col.key
_COLUMN_OF = {prop.key: prop.columns[0] for prop in _MAPPER.column_attrs if prop.key != _VERSION}
_RELATIONS = [rel.key for rel in _MAPPER.relationships]


@lru_cache(maxsize=256)  # the sets of columns commands change are few; each UPDATE is built and compiled once
def _statement(keys: frozenset):
    return (update(_TABLE).where(_TABLE.c.id == bindparam("_id"), _TABLE.c.version == bindparam("_version"))
            .values({**{_COLUMN_OF[key]: bindparam(f"set_{key}") for key in keys},
                     _TABLE.c.version: bindparam("_version") + 1}))


def changed_columns(dossier: Dossier) -> dict[str, object]:
    """By attribute: the columns whose value the session changed since the row was read or last written (the
    attributes the session recorded a change of, less those set back to the value read)."""
    state = inspect(dossier)
    values = {}
    for key in state.committed_state:  # the attributes set since the load or the last write
        if key in _COLUMN_OF:
            added = state.attrs[key].history.added
            if added:
                values[key] = added[0]
    return values


def write(session: Session, dossier: Dossier) -> bool:
    """Write ``dossier``'s changed columns now (one UPDATE under the version counter); False when there is
    nothing this writer should write (the unit of work does the rest, as before)."""
    state = inspect(dossier)
    if not state.persistent or not state.modified or _VERSION not in state.dict:
        return False  # new (the unit of work inserts it), untouched, or its version unread
    if any(key in state.committed_state for key in _RELATIONS):
        return False  # a relationship was assigned: the unit of work keeps its foreign key in step
    values = changed_columns(dossier)
    if not values:
        return False
    version = state.dict[_VERSION]
    params = {f"set_{key}": value for key, value in values.items()}
    done = session.connection().execute(_statement(frozenset(values)),
                                        {**params, "_id": dossier.id, "_version": version})
    if done.rowcount != 1:
        raise StaleDataError(f"UPDATE statement on table 'dossier' expected to update 1 row(s); "
                             f"{done.rowcount} were matched.")
    state.dict[_VERSION] = version + 1
    # As the unit of work marks the rows it wrote (SQLAlchemy's own step after a flush; tests/test_row_write.py
    # checks that nothing is left dirty, should a release change it).
    state._commit_all(state.dict, session.identity_map)
    return True


@event.listens_for(Session, "before_flush")
def _write_dossiers(session: Session, _context, _instances) -> None:
    for obj in session.dirty:
        if type(obj) is Dossier:
            write(session, obj)
