"""Migration 0014 (the pages' indexes): an existing database gets ``registered_at`` filled from what it holds
(received, else filed), and the downgrade gives back the inbox's old index with the data intact."""
from __future__ import annotations

import sqlite3

from test_migrations import _alembic, old_database

BEFORE, THIS = "0013", "0014"


def test_0014_fills_registered_at_and_downgrades(tmp_path):
    path, url, db = old_database(tmp_path, BEFORE)
    db.execute("insert into dossier (id, code, procedure_version_id, agency_id, applicant_id, owner_name, channel, "
               "status, form, filed_at, received_at, late, supplement_requests, extensions, workflow_state, "
               "serializer_version, intake_late, version) values (2, 'X-2', 1, 1, 1, 'A', 'online', 4, '{}', "
               "'2026-11-23 02:00:00', '2026-11-24 03:00:00', 0, 0, 0, x'00', '1', 0, 1)")
    db.commit()
    db.close()

    _alembic(url, "upgrade", THIS)
    db = sqlite3.connect(path)
    assert db.execute("select id, registered_at from dossier order by id").fetchall() == [
        (1, "2026-11-23 02:00:00"), (2, "2026-11-24 03:00:00")]  # not received: filed; received: received
    indexes = {row[1] for row in db.execute("pragma index_list(work_item)")}
    assert {"ix_work_item_inbox_due", "ix_work_item_inbox_created"} <= indexes
    assert "ix_work_item_agency_role" not in indexes
    db.close()

    _alembic(url, "downgrade", BEFORE)  # with dossiers in place
    db = sqlite3.connect(path)
    assert "registered_at" not in [row[1] for row in db.execute("pragma table_info(dossier)")]
    assert "ix_work_item_agency_role" in {row[1] for row in db.execute("pragma index_list(work_item)")}
    assert db.execute("select count(*) from dossier").fetchone() == (2,)
    db.close()
    _alembic(url, "upgrade", "head")
