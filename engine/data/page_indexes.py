"""The orders the pages read, each served by an index (issue 15: no page reads the history or sorts it), and the
stored instant the register reads. engine.data.model declares them on its entities as it is imported
(``declare``), so that the schema and the migrations see them like the others; this module imports no entity.
"""
from __future__ import annotations

from sqlalchemy import Index, event, text

# The dossiers whose deadlines still run (or are paused): engine.cases.replanning.OPEN, written as the predicate
# of their partial index so that the walks that use this very text (replanning.affected) read only them.
DEADLINES_RUN = "status IN (1, 2, 4, 5, 6)"
# The accounts that are not a citizen's (officers, administrators, the operator's first account): the predicate of
# their partial index, so that the operator's list, which reads this very text (engine.cases.staff), reads them
# only (a province has a million citizens' accounts, and a few thousand others).
STAFF = "roles <> 'citizen'"


def declare(dossier, item, user) -> None:
    """The indexes and the register's instant, on the entities ``dossier`` (Dossier), ``item`` (WorkItem) and
    ``user`` (User)."""
    # The officers' list, by username (engine.cases.staff): the accounts of an agency only, so that a page or the
    # count never reads the citizens' accounts, who belong to none (a province has a million of them).
    Index("ix_user_account_officer", user.username, postgresql_where=text("agency_id IS NOT NULL"),
          sqlite_where=text("agency_id IS NOT NULL"))
    # ... and every account but the citizens', by username: the operator's list (`tthc officer list`), the
    # officers of no agency included.
    Index("ix_user_account_staff", user.username, postgresql_where=text(STAFF), sqlite_where=text(STAFF))
    # The inbox: a role's open work of an agency in due order (or arrival order), a page at a time, off the index.
    Index("ix_work_item_inbox_due", item.agency_id, item.role, item.due_at, item.id)
    Index("ix_work_item_inbox_created", item.agency_id, item.role, item.created_at, item.id)
    # The items an officer holds ("mine"; and those given back when the officer is suspended or moved).
    Index("ix_work_item_assignee", item.assignee_id)
    # The register of a period: the dossiers received (or, not yet received, filed) in it, in that order; the
    # instant is a stored column (an expression index would not be seen by SQLite's reflection, hence by the
    # schema checks).
    Index("ix_dossier_register", dossier.agency_id, dossier.registered_at, dossier.id)
    event.listen(dossier.filed_at, "set", _filed)
    event.listen(dossier.received_at, "set", _received)
    # An agency's (and a citizen's) list, newest filing first, a page at a time.
    Index("ix_dossier_agency_filed", dossier.agency_id, dossier.filed_at, dossier.id)
    # ... and the processing agency's (D29), the applicant's and the owner's, in the same order; the duplicate
    # check reads the applicant's last minutes only (engine.cases.duplicates).
    Index("ix_dossier_processing_filed", dossier.processing_agency_id, dossier.filed_at, dossier.id)
    Index("ix_dossier_applicant_filed", dossier.applicant_id, dossier.filed_at, dossier.id)
    Index("ix_dossier_owner_filed", dossier.owner_cccd, dossier.filed_at, dossier.id)
    # ... and the same lists of one status (``?status=``): a rare or ended status is not looked for row by row.
    Index("ix_dossier_agency_status_filed", dossier.agency_id, dossier.status, dossier.filed_at, dossier.id)
    Index("ix_dossier_processing_status_filed", dossier.processing_agency_id, dossier.status, dossier.filed_at,
          dossier.id)
    # A calendar change walks the open dossiers by id (engine.cases.replanning, calendar_notices), not the history.
    Index("ix_dossier_deadlines_run", dossier.id, postgresql_where=text(DEADLINES_RUN),
          sqlite_where=text(DEADLINES_RUN))
    # A dossier's sub-dossiers (liên thông, D33): partial, as few have a parent, so that the reports' citizens'
    # dossiers ("no parent") are never read off it (SQLite, without statistics, took that for a selective
    # equality and read the whole history).
    Index("ix_dossier_parent_id", dossier.parent_id, postgresql_where=text("parent_id IS NOT NULL"),
          sqlite_where=text("parent_id IS NOT NULL"))
    # The leaders' watch: open dossiers of an agency by the due instant of their stage (intake, or the result).
    Index("ix_dossier_watch_due", dossier.agency_id, dossier.status, dossier.due_at)
    Index("ix_dossier_watch_intake", dossier.agency_id, dossier.status, dossier.intake_due_at)
    # ... and the dossiers it processes for another agency (D29: engine.cases.offers.watched_by's second branch)
    Index("ix_dossier_watch_processing", dossier.processing_agency_id, dossier.status, dossier.due_at)


def _filed(dossier, value, _old, _initiator) -> None:
    if dossier.received_at is None:
        dossier.registered_at = value


def _received(dossier, value, _old, _initiator) -> None:
    """The register lists a dossier at its receipt, or at its filing while it is not received."""
    dossier.registered_at = value if value is not None else dossier.filed_at
