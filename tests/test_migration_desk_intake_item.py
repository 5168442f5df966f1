"""Migration 0031 takes the intake hour a desk dossier was wrongly given (D5, D7) off its intake task too: the
officers' inbox counts (overdue, at risk, due today) read the task's due, so a desk dossier waiting for its check at
the upgrade showed as overdue at intake. An online dossier's task keeps its hour."""
from __future__ import annotations

import sqlite3

from test_migrations import _alembic, old_database

# the dossier's intake task at revision 0030, due at its intake hour (Mon 23/11/2026 10:00 Vietnam time)
INTAKE_TASK = ("insert into work_item (id, dossier_id, task_id, spec_name, name, step, role, agency_id, created_at, "
               "due_at) values (1, 1, 't1', 's', 'n', 'intake', 'receiving_officer', 1, '2026-11-23 02:00:00', "
               "'2026-11-23 03:00:00')")


def test_a_waiting_desk_dossiers_intake_task_loses_the_hour_too(tmp_path):
    path, url, db = old_database(tmp_path, "0030", status=1)
    db.execute("update dossier set channel='desk', intake_due_at='2026-11-23 03:00:00' where id = 1")
    db.execute(INTAKE_TASK)
    db.commit()
    db.close()
    _alembic(url, "upgrade", "head")
    db = sqlite3.connect(path)
    assert db.execute("select intake_due_at from dossier where id = 1").fetchone() == (None,)
    assert db.execute("select due_at from work_item where id = 1").fetchone() == (None,)
    db.close()


def test_an_online_dossiers_intake_task_keeps_its_hour(tmp_path):
    path, url, db = old_database(tmp_path, "0030", status=1)
    db.execute("update dossier set channel='online', intake_due_at='2026-11-23 03:00:00' where id = 1")
    db.execute(INTAKE_TASK)
    db.commit()
    db.close()
    _alembic(url, "upgrade", "head")
    db = sqlite3.connect(path)
    assert db.execute("select due_at from work_item where id = 1").fetchone()[0].startswith("2026-11-23 03:00")
    db.close()
