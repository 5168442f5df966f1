"""The dossier row is written with one UPDATE of its changed columns under the version counter
(engine.data.rowwrite), instead of the unit of work: what a command changed reaches the row, the version moves with
each write (by one for a command that writes the row once), a write over a newer version is refused as the unit of work refused it (409), and a command
whose only ORM change is the dossier leaves nothing for the unit of work to flush."""
from __future__ import annotations

from conftest import CITIZEN, OFFICERS, STEP_DATA, vn
from sqlalchemy import event, select
from sqlalchemy.orm import undefer
from sqlalchemy.orm.exc import StaleDataError

import pytest

from engine.data import rowwrite
from engine.data.model import Dossier


def _row(app, code: str) -> dict:
    engine = app.extensions["tthc"]["engine"]
    with engine.connect() as conn:
        t = Dossier.__table__
        return dict(conn.execute(select(t.c.status, t.c.version, t.c.received_at, t.c.due_at, t.c.audit_head,
                                        t.c.audit_count, t.c.path_nodes, t.c.workflow_state)
                                 .where(t.c.code == code)).one()._mapping)


def test_each_command_moves_the_row_and_its_version(app, api):
    code = api.file()["code"]
    filed = _row(app, code)
    api.act(OFFICERS["intake"], code, "receive")
    received = _row(app, code)
    assert received["version"] > filed["version"]  # (the fee asked on receipt writes the row once more)
    shown = api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()
    assert received["status"] == shown["status"] != 1 and "receive" in [h["action"] for h in shown["history"]]
    assert received["received_at"] is not None and received["due_at"] is not None
    assert received["audit_count"] == len(shown["history"]) > filed["audit_count"]
    assert received["audit_head"] != filed["audit_head"]
    assert received["workflow_state"] != filed["workflow_state"] and received["path_nodes"] != filed["path_nodes"]
    api.act(OFFICERS["assessment"], code, "propose_approval", STEP_DATA["propose_approval"])
    assert _row(app, code)["version"] == received["version"] + 1


def test_a_write_over_a_newer_version_is_refused_and_the_newer_row_stays(app, api):
    code = api.file()["code"]
    sessions = app.extensions["tthc"]["sessions"]
    with sessions() as first, sessions() as second:
        mine = first.scalar(select(Dossier).where(Dossier.code == code))
        theirs = second.scalar(select(Dossier).where(Dossier.code == code))
        theirs.owner_name = "Người Thứ Hai"
        second.commit()
        mine.owner_name = "Người Thứ Nhất"
        with pytest.raises(StaleDataError):
            first.commit()
    with sessions() as session:
        stored = session.scalar(select(Dossier).where(Dossier.code == code))
        assert stored.owner_name == "Người Thứ Hai"


def test_a_change_set_back_writes_nothing_and_a_real_one_one_statement(app, api):
    code = api.file()["code"]
    sessions = app.extensions["tthc"]["sessions"]
    statements: list[str] = []
    engine = app.extensions["tthc"]["engine"]

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement.split()[0])

    event.listen(engine, "before_cursor_execute", record)
    try:
        with sessions() as session:
            dossier = session.scalar(select(Dossier).where(Dossier.code == code).options(undefer(Dossier.workflow_state)))
            before = dossier.version
            name = dossier.owner_name
            dossier.owner_name = "Tạm"
            dossier.owner_name = name  # set back: no change
            statements.clear()
            session.commit()
            assert statements == [] or "UPDATE" not in statements
            dossier.owner_name, dossier.due_at = "Tên Mới", vn(2026, 12, 31, 17)
            assert rowwrite.changed_columns(dossier) == {"owner_name": "Tên Mới", "due_at": vn(2026, 12, 31, 17)}
            statements.clear()
            session.commit()
            assert statements.count("UPDATE") == 1 and "INSERT" not in statements, statements
            assert dossier.version == before + 1 and not session.dirty
    finally:
        event.remove(engine, "before_cursor_execute", record)
    row = _row(app, code)
    assert row["version"] == before + 1
    with sessions() as session:
        stored = session.scalar(select(Dossier).where(Dossier.code == code))
        assert stored.owner_name == "Tên Mới" and stored.due_at == vn(2026, 12, 31, 17)
