"""Migration 0015: the rows of the old ``notification`` table become notices per person, and come back on downgrade."""
from __future__ import annotations

import sqlite3

from test_migrations import _alembic, old_database


def test_0015_moves_the_old_notifications_to_notices_per_person_and_back(tmp_path):
    path, url, db = old_database(tmp_path, "0014")
    db.execute("insert into user_account (id, username, password_hash, full_name, roles, agency_id, standardised, "
               "created_at) values (2, 'cv', 'x', 'Chuyên viên', 'specialist', 1, 0, '2026-11-23 02:00:00'), "
               "(3, 'ld', 'x', 'Lãnh đạo', 'department_leader,specialist', 1, 0, '2026-11-23 02:00:00'), "
               "(4, 'vt', 'x', 'Văn thư', 'clerk', 1, 0, '2026-11-23 02:00:00')")
    db.execute("insert into notification (dossier_id, agency_id, role, user_id, kind, text, at) values "
               "(1, 1, 'specialist', null, 'warning', 'Hồ sơ X-1 sắp đến hạn', '2026-11-25 02:00:00'), "
               "(1, null, null, 1, 'letter', 'Hồ sơ X-1: thư xin lỗi', '2026-11-26 02:00:00')")
    db.commit()
    db.close()

    _alembic(url, "upgrade", "0015")
    db = sqlite3.connect(path)
    rows = db.execute("select user_id, event, title, body, dossier_id, role, read_at from notice order by user_id").fetchall()
    assert rows == [(1, "letter", "Hồ sơ X-1: thư xin lỗi", "Hồ sơ X-1: thư xin lỗi", 1, None, None),
                    (2, "warning", "Hồ sơ X-1 sắp đến hạn", "Hồ sơ X-1 sắp đến hạn", 1, "specialist", None),
                    (3, "warning", "Hồ sơ X-1 sắp đến hạn", "Hồ sơ X-1 sắp đến hạn", 1, "specialist", None)]
    assert "notification" not in {r[0] for r in db.execute("select name from sqlite_master where type = 'table'")}
    db.close()

    _alembic(url, "downgrade", "0014")
    db = sqlite3.connect(path)
    assert db.execute("select user_id, kind, text from notification order by user_id").fetchall() == [
        (1, "letter", "Hồ sơ X-1: thư xin lỗi"), (2, "warning", "Hồ sơ X-1 sắp đến hạn"),
        (3, "warning", "Hồ sơ X-1 sắp đến hạn")]
    assert "notice" not in {r[0] for r in db.execute("select name from sqlite_master where type = 'table'")}
    db.close()
    _alembic(url, "upgrade", "head")
