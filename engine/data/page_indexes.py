"""The orders the pages read, each served by an index (issue 15: no page reads the history or sorts it), and the
stored instant the register reads. Declared beside the entities of engine.data.model (which imports this module
last), so that the schema and the migrations see them like the others.
"""
from __future__ import annotations

from sqlalchemy import Index, event

from engine.data.model import Dossier, WorkItem

# The inbox: a role's open work of an agency in due order (or arrival order), a page at a time, read off the index.
Index("ix_work_item_inbox_due", WorkItem.agency_id, WorkItem.role, WorkItem.due_at, WorkItem.id)
Index("ix_work_item_inbox_created", WorkItem.agency_id, WorkItem.role, WorkItem.created_at, WorkItem.id)
# The register of a period: the dossiers received (or, not yet received, filed) in it, in that order; the instant
# is a stored column (an expression index would not be seen by SQLite's reflection, hence by the schema checks).
Index("ix_dossier_register", Dossier.agency_id, Dossier.registered_at, Dossier.id)


@event.listens_for(Dossier.filed_at, "set")
def _filed(dossier: Dossier, value, _old, _initiator) -> None:
    if dossier.received_at is None:
        dossier.registered_at = value


@event.listens_for(Dossier.received_at, "set")
def _received(dossier: Dossier, value, _old, _initiator) -> None:
    """The register lists a dossier at its receipt, or at its filing while it is not received."""
    dossier.registered_at = value if value is not None else dossier.filed_at
# An agency's (and a citizen's) list, newest filing first, a page at a time.
Index("ix_dossier_agency_filed", Dossier.agency_id, Dossier.filed_at, Dossier.id)
# The leaders' watch: open dossiers of an agency by the due instant of their stage (intake, or the result).
Index("ix_dossier_watch_due", Dossier.agency_id, Dossier.status, Dossier.due_at)
Index("ix_dossier_watch_intake", Dossier.agency_id, Dossier.status, Dossier.intake_due_at)
