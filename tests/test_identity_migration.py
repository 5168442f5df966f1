"""Migration 0035 (D2, D3): an account that only declared its CCCD at self-registration keeps its own filings and
its notices about them, but loses what it was told of a dossier filed for that CCCD by someone else (the desk's
dossier of Mon 07/12/2026: its code, its appointment and a link to the receipt), which it may no longer open."""
from __future__ import annotations

from test_migrations import _alembic, old_database


def test_0035_deletes_what_an_unchecked_account_was_told_of_dossiers_it_did_not_file(tmp_path):
    path, url, db = old_database(tmp_path, "0034")
    db.execute("insert into user_account (id, username, password_hash, full_name, roles, standardised, cccd, "
               "created_at) values (2, '046195000777', 'x', 'Kẻ Lạ Mặt', 'citizen', 1, '046195000777', "
               "'2026-12-07 02:30:00')")
    db.execute("insert into user_account (id, username, password_hash, full_name, roles, standardised, created_at) "
               "values (3, 'demo.tiepnhan', 'x', 'Tiếp Nhận', 'receiving_officer', 0, '2026-12-07 02:00:00')")
    db.execute("insert into dossier (id, code, procedure_version_id, agency_id, applicant_id, owner_name, "
               "owner_cccd, channel, status, form, filed_at, late, supplement_requests, extensions, workflow_state, "
               "serializer_version, intake_late, version) values (2, 'X-2', 1, 1, 3, 'Lê Thị Chủ', '046195000777', "
               "'desk', 2, '{}', '2026-12-07 02:00:00', 0, 0, 0, x'00', '1', 0, 1)")
    db.execute("insert into dossier (id, code, procedure_version_id, agency_id, applicant_id, owner_name, "
               "owner_cccd, channel, status, form, filed_at, late, supplement_requests, extensions, workflow_state, "
               "serializer_version, intake_late, version) values (3, 'X-3', 1, 1, 2, 'Kẻ Lạ Mặt', '046195000777', "
               "'online', 1, '{}', '2026-12-07 03:00:00', 0, 0, 0, x'00', '1', 0, 1)")
    for notice, user, dossier in ((1, 2, 2), (2, 2, 3), (3, 3, 2)):  # the desk's; its own; the officer's
        db.execute("insert into notice (id, user_id, event, title, body, dossier_id, created_at) values "
                   "(?, ?, 'received', 't', 'b', ?, '2026-12-07 02:30:00')", (notice, user, dossier))
        db.execute("insert into notice_delivery (notice_id, channel, address, state, attempts, next_attempt_at) "
                   "values (?, 'sms', '0999888777', 'pending', 0, '2026-12-07 02:30:00')", (notice,))
    db.commit()
    db.close()

    _alembic(url, "upgrade", "0035")
    import sqlite3
    db = sqlite3.connect(path)
    assert [row[0] for row in db.execute("select id from notice order by id")] == [2, 3]
    assert [row[0] for row in db.execute("select notice_id from notice_delivery order by id")] == [2, 3]
    db.close()
    _alembic(url, "upgrade", "head")
