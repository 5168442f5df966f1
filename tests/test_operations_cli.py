"""`tthc audit verify CODE|--all` (api.md "Command line"; `--dossier CODE` still works) and migration 0023 (an
incident's state; a dossier's suspension) up and down, with the incidents written before it."""
from __future__ import annotations

import sqlite3

import pytest
from conftest import CITIZEN
from sqlalchemy import func, select, update
from test_audit_verify import tthc
from alembic.config import Config
from alembic.script import ScriptDirectory
from test_migrations import _alembic, old_database

from engine.core.settings import PROJECT_ROOT

from engine.data.model import AuditEvent, Dossier

RECEIVER = "demo.tiepnhan"


def verify(settings, *args: str):
    result = tthc(settings, "audit", "verify", *args)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.stdout.splitlines(), result.stderr.splitlines()


def test_audit_verify_takes_a_code_or_all_and_exits_1_on_a_problem(api, app, settings):
    codes = [api.file(CITIZEN)["code"] for _ in range(3)]
    api.act(RECEIVER, codes[0], "receive")
    assert verify(settings, codes[0])[:2] == (0, ["1 hồ sơ, 3 sự kiện; chưa có điểm kiểm tra hợp lệ (không phát "
                                                  "hiện được sự kiện cuối bị xóa; chạy `tthc audit checkpoint`); "
                                                  "0 vấn đề"])
    assert verify(settings, "--dossier", codes[0])[:2] == verify(settings, codes[0])[:2]
    code, out, err = verify(settings, "--all")
    assert code == 0 and out[-1].startswith("3 hồ sơ, ") and err[-1] == "... 3/3 hồ sơ"  # progress n/N
    with app.extensions["tthc"]["sessions"].begin() as session:
        dossier_id = session.scalar(select(Dossier.id).where(Dossier.code == codes[1]))
        first = session.scalar(select(func.min(AuditEvent.id)).where(AuditEvent.dossier_id == dossier_id))
        session.execute(update(AuditEvent).where(AuditEvent.id == first).values(data={"channel": "post"}))
    code, out, _err = verify(settings, "--all")
    assert code == 1 and any(line.startswith(f"{codes[1]}: sự kiện #") for line in out) and out[-1].endswith("1 vấn đề")
    assert verify(settings, codes[1])[0] == 1 and verify(settings, codes[0])[0] == 0
    assert verify(settings, "KHONG-CO")[0] == 1
    assert verify(settings, codes[0], "--all")[0] == 2  # a usage error, nothing verified


@pytest.fixture
def backend():
    return "sqlite"


def _before(revision: str) -> str:
    """The revision ``revision`` follows (the chain is re-linked when branches merge)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    return ScriptDirectory.from_config(cfg).get_revision(revision).down_revision


def test_0023_gives_incidents_a_state_keeping_only_the_newest_open_and_downgrades(tmp_path):
    path, url, db = old_database(tmp_path, _before("0023"))
    for n, at in enumerate(("2026-11-23 02:00:00", "2026-11-23 02:15:00", "2026-11-23 02:30:00"), start=1):
        db.execute("insert into incident (id, dossier_id, at, message) values (?, 1, ?, ?)", (n, at, f"lỗi {n}"))
    db.commit()
    db.close()
    _alembic(url, "upgrade", "0023")
    db = sqlite3.connect(path)
    rows = db.execute("select id, state, attempts, last_at from incident order by id").fetchall()
    assert [(r[0], r[1], r[2]) for r in rows] == [(1, "resolved", 1), (2, "resolved", 1), (3, "open", 1)]
    assert rows[2][3].startswith("2026-11-23 02:30")
    assert db.execute("select suspended_at from dossier where id = 1").fetchone() == (None,)
    db.close()
    _alembic(url, "downgrade", _before("0023"))
    db = sqlite3.connect(path)
    assert "suspended_at" not in [r[1] for r in db.execute("pragma table_info(dossier)")]
    assert "state" not in [r[1] for r in db.execute("pragma table_info(incident)")]
    assert db.execute("select count(*) from incident").fetchone() == (3,)
    db.close()
    _alembic(url, "upgrade", "head")
