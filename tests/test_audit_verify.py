"""Tamper evidence of the audit trail (issue #11, item 5): every field a person is shown is in the hash, signed
checkpoints of every chain's head show a cut tail or an emptied chain, and `tthc audit verify` finds each
change, one line per problem, exit 1. Real SQLite and PostgreSQL, real BPMN, the real command."""
from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner
import prebuilt
from conftest import CITIZEN, STEP_DATA, Api, database_copy
from sqlalchemy import delete, func, select, update
from sqlalchemy.pool import NullPool
from test_migrations import _alembic, old_database

from engine import timers
from engine.cli import main
from engine.core.clock import VN_TZ
from engine.core.settings import load_settings, with_secrets
from engine.data import audit, audit_checkpoints
from engine.data.db import make_engine, make_sessionmaker
from engine.data.model import AuditCheckpoint, AuditCheckpointEntry, AuditEvent, Document, DocumentSignature, Dossier

RECEIVER, SPECIALIST, DEPT_LEADER = "demo.tiepnhan", "demo.chuyenvien", "demo.lanhdao"


def tthc(settings, *args: str):
    env = {"TTHC_DATA_DIR": str(settings.data_dir), "TTHC_DATABASE_URL": settings.database_url,
           "TTHC_PKI_DIR": str(settings.pki_dir), "TTHC_PKI_PASSPHRASE": settings.pki_passphrase}
    return CliRunner().invoke(main, list(args), env=env)


def approved(api) -> str:
    """A dossier received, assessed and approved: events with actor names, task names, work items, due times
    (the approval is the last event: its result is left waiting for the leader's signature)."""
    api.auto_sign = False
    code = api.file(CITIZEN)["code"]
    api.act(RECEIVER, code, "receive")
    api.act(SPECIALIST, code, "propose_approval", STEP_DATA["propose_approval"])
    api.act(DEPT_LEADER, code, "approve")
    return code


def sessions(app):
    return app.extensions["tthc"]["sessions"]


def event_of(app, code: str, action: str) -> AuditEvent:
    with sessions(app)() as session:
        return session.scalar(select(AuditEvent).join(Dossier, Dossier.id == AuditEvent.dossier_id)
                              .where(Dossier.code == code, AuditEvent.action == action))


def change(app, statement) -> None:
    with sessions(app).begin() as session:
        session.execute(statement)


def verify(settings, *args: str) -> tuple[int, list[str]]:
    result = tthc(settings, "audit", "verify", *args)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.stdout.splitlines()


def make_trail(api, app, settings) -> list[str]:
    """Two approved dossiers and a checkpoint of both chains, written by the command."""
    codes = [approved(api), approved(api)]
    result = tthc(settings, "audit", "checkpoint")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("checkpoint 1: 2 chains, 10 events")
    assert verify(settings) == (0, ["2 hồ sơ, 10 sự kiện; điểm kiểm tra #1 lúc "
                                    f"{_checkpoint_at(app)}; 0 vấn đề"])
    return codes


@pytest.fixture(scope="module")
def built_trails(tmp_path_factory, demo_template, pki_dir, request):
    """Per backend, the demo with the trail made (make_trail: the codes of its two dossiers), built on first use,
    once for the module (tests/prebuilt.py). Each test that asks for ``trail`` gets its own copy."""
    return prebuilt.builder(tmp_path_factory, demo_template, pki_dir, request, "audit_verify_trail",
                            lambda application, settings, _clock: make_trail(Api(application.test_client()),
                                                                             application, settings))


@pytest.fixture
def database_url(backend, tmp_path, request, demo_template, built_trails):
    """A test with ``trail`` gets a copy of the module's trail (its database and data folder, where the settings
    fixture looks for the secrets and the command for the checkpoint file); any other a copy of the demo."""
    if "trail" not in request.fixturenames:
        yield from database_copy(backend, tmp_path, request, demo_template)
        return
    yield from prebuilt.copy_for(built_trails(backend), backend, tmp_path, request)


@pytest.fixture
def trail(backend, built_trails, database_url):
    """The codes of the trail's two dossiers (make_trail), in this test's copy of it."""
    return list(built_trails(backend).made)


def _checkpoint_at(app) -> str:
    with sessions(app)() as session:
        return session.scalar(select(AuditCheckpoint.at)).astimezone(VN_TZ).isoformat()


def test_editing_any_shown_field_of_an_event_is_detected(app, settings, trail):
    code = trail[0]
    target = event_of(app, code, "approve")
    assert target.actor_name and target.task_name and target.work_item_id and target.hash_version == 2
    citizen_id = event_of(app, code, "file").actor_id
    edits = {"actor_name": "Người khác", "task_name": "Bước khác", "work_item_id": target.work_item_id + 1000,
             "actor_id": citizen_id, "action": "refuse", "from_status": 9, "to_status": 3, "step": "intake",
             "data": {"y_kien": "thêm sau"}, "due_at": target.at + timedelta(days=3),
             "at": target.at + timedelta(minutes=1)}
    for field, value in edits.items():
        original = getattr(target, field)
        change(app, update(AuditEvent).where(AuditEvent.id == target.id).values({field: value}))
        status, lines = verify(settings)
        assert status == 1, field
        assert lines[0] == f"{code}: sự kiện #{target.id} (thứ 5, " \
                           f"{value if field == 'action' else 'approve'}): nội dung bị sửa (mã băm không khớp)", field
        assert lines[-1].endswith("; 1 vấn đề"), (field, lines)
        change(app, update(AuditEvent).where(AuditEvent.id == target.id).values({field: original}))
        assert verify(settings)[0] == 0, field
    # the other dossier is not named, and --dossier verifies one chain
    change(app, update(AuditEvent).where(AuditEvent.id == target.id).values(actor_name="Người khác"))
    assert verify(settings, "--dossier", trail[1])[0] == 0
    status, lines = verify(settings, "--dossier", code)
    assert status == 1 and lines[-1].startswith("1 hồ sơ, 5 sự kiện;")


def test_moving_an_event_to_the_old_formula_is_detected(app, settings, trail):
    target = event_of(app, trail[0], "approve")
    change(app, update(AuditEvent).where(AuditEvent.id == target.id).values(hash_version=None))
    status, lines = verify(settings)
    assert status == 1
    assert any("nội dung bị sửa" in line for line in lines) and any("bị hạ cấp" in line for line in lines)


def test_a_cut_tail_with_the_head_rolled_back_is_detected(app, settings, trail):
    code = trail[0]
    last = event_of(app, code, "approve")
    change(app, delete(AuditEvent).where(AuditEvent.id == last.id))
    change(app, update(Dossier).where(Dossier.code == code).values(audit_head=last.prev_hash,
                                                                   audit_count=Dossier.audit_count - 1))
    with sessions(app)() as session:  # the chain alone still verifies: only the checkpoint can tell
        row = session.scalar(select(Dossier).where(Dossier.code == code))
        assert audit.verify_chain(audit.history(session, row.id), row.audit_head)
    status, lines = verify(settings)
    assert status == 1
    assert lines[0].startswith(f"{code}: chuỗi còn 4 sự kiện, điểm kiểm tra #1 lúc ")
    assert lines[0].endswith(" ghi 5 (sự kiện cuối bị xóa)")
    assert lines[-1].endswith("; 1 vấn đề")

    # a later checkpoint (the timer service's, or this command's) never blesses the loss
    result = tthc(settings, "audit", "checkpoint")
    assert result.stdout.startswith("checkpoint 2: 2 chains, 10 events")
    assert "1 chains that lost events keep their previous entry" in result.stdout
    status, lines = verify(settings)
    assert status == 1 and lines[0].startswith(f"{code}: chuỗi còn 4 sự kiện, điểm kiểm tra #2 lúc ")


def test_an_emptied_chain_with_the_head_nulled_is_detected(app, settings, trail):
    code = trail[1]
    change(app, delete(AuditEvent).where(AuditEvent.dossier_id == select(Dossier.id).where(Dossier.code == code)
                                         .scalar_subquery()))
    change(app, update(Dossier).where(Dossier.code == code).values(audit_head=None, audit_count=0))
    status, lines = verify(settings)
    assert status == 1 and lines[0].startswith(f"{code}: chuỗi còn 0 sự kiện") and len(lines) == 2
    assert tthc(settings, "audit", "checkpoint").exit_code == 0
    status, lines = verify(settings)
    assert status == 1 and lines[0].startswith(f"{code}: chuỗi còn 0 sự kiện, điểm kiểm tra #2")


def test_a_rewritten_chain_and_a_forged_checkpoint_are_detected(app, settings, trail):
    """Whoever edits an event and recomputes every hash after it (and the head) still differs from the signed
    checkpoint; and moving the checkpoint's entry along breaks the checkpoint's signature."""
    code = trail[0]
    with sessions(app).begin() as session:
        row = session.scalar(select(Dossier).where(Dossier.code == code))
        prev = audit.GENESIS
        for event in audit.history(session, row.id):
            if event.action == "approve":
                event.actor_name = "Người khác"
            event.prev_hash = prev
            event.hash = prev = audit._digest(prev, event)
        session.execute(update(Dossier).where(Dossier.id == row.id).values(audit_head=prev))
        dossier_id = row.id
    status, lines = verify(settings)
    assert status == 1 and lines[0] == f"{code}: sự kiện thứ 5 khác với điểm kiểm tra #1 lúc " \
                                       f"{lines[0].split(' lúc ')[1].split(' (')[0]} (chuỗi bị viết lại)"
    change(app, update(AuditCheckpointEntry).where(AuditCheckpointEntry.dossier_id == dossier_id)
           .values(head=prev))
    status, lines = verify(settings)
    assert status == 1 and lines[0].startswith("điểm kiểm tra #1: các dòng của điểm kiểm tra bị sửa hoặc xóa")


def test_deleting_the_checkpoints_or_the_dossier_is_detected(app, settings, trail):
    assert tthc(settings, "audit", "checkpoint").exit_code == 0  # #2
    assert tthc(settings, "audit", "checkpoint").exit_code == 0  # #3; #1 keeps its signed header only
    with sessions(app)() as session:
        assert session.scalars(select(AuditCheckpointEntry.checkpoint_id).distinct()
                               .order_by(AuditCheckpointEntry.checkpoint_id)).all() == [2, 3]
    change(app, delete(AuditCheckpointEntry).where(AuditCheckpointEntry.checkpoint_id == 3))
    change(app, delete(AuditCheckpoint).where(AuditCheckpoint.id == 3))
    status, lines = verify(settings)  # said, and the chains are verified against #2
    assert status == 1 and len(lines) == 2 and lines[0].startswith("điểm kiểm tra #3 (")
    assert "(điểm kiểm tra bị xóa)" in lines[0] and "điểm kiểm tra #2 lúc" in lines[1]
    assert json.loads((settings.data_dir / "audit_checkpoint.json").read_text())["id"] == 3
    assert tthc(settings, "audit", "checkpoint").exit_code == 0  # the next checkpoint does not hide it
    status, lines = verify(settings)
    assert status == 1 and "điểm kiểm tra #3 (" in lines[0] and "audit_checkpoint_alarm.txt" in lines[0]
    (settings.data_dir / "audit_checkpoint_alarm.txt").unlink()  # the operator has looked
    assert verify(settings)[0] == 0

    code = trail[0]
    dossier_id = event_of(app, code, "file").dossier_id
    with sessions(app).begin() as session:  # the dossier and everything of it gone
        documents = select(Document.id).where(Document.dossier_id == dossier_id).scalar_subquery()
        session.execute(delete(DocumentSignature).where(DocumentSignature.document_id.in_(documents)))
        for table in Dossier.metadata.sorted_tables[::-1]:
            if "dossier_id" in table.c and table.name != "audit_checkpoint_entry":
                session.execute(table.delete().where(table.c.dossier_id == dossier_id))
        session.execute(delete(Dossier).where(Dossier.id == dossier_id))
    for _ in range(2):  # and still after the next checkpoint
        status, lines = verify(settings)
        number = lines[-1].split("điểm kiểm tra #")[1].split(" ")[0]
        assert status == 1 and lines == [f"hồ sơ id {dossier_id}: có trong điểm kiểm tra #{number} (5 sự kiện) "
                                         "nhưng không còn trong cơ sở dữ liệu (hồ sơ bị xóa)", lines[-1]]
        assert tthc(settings, "audit", "checkpoint").exit_code == 0


def test_a_changed_key_or_header_breaks_the_signature(app, settings, trail):
    change(app, update(AuditCheckpoint).values(events=AuditCheckpoint.events - 1))
    status, lines = verify(settings)
    assert status == 1 and lines[0].startswith("điểm kiểm tra #1: chữ ký không hợp lệ")
    assert tthc(settings, "audit", "checkpoint").exit_code == 0  # the next checkpoint keeps it said
    status, lines = verify(settings)
    assert status == 1 and len(lines) == 2
    assert "điểm kiểm tra #1: chữ ký hoặc các dòng không hợp lệ khi ghi điểm kiểm tra sau" in lines[0]


def test_the_timer_service_writes_a_checkpoint_when_one_is_due(app, settings, clock, api):
    approved(api)
    timers.checkpoint(sessions(app), settings, clock.now())
    clock.advance(minutes=59)
    timers.checkpoint(sessions(app), settings, clock.now())
    with sessions(app)() as session:
        assert session.scalar(select(func.count()).select_from(AuditCheckpoint)) == 1
    clock.advance(minutes=1)
    timers.checkpoint(sessions(app), settings, clock.now())
    with sessions(app)() as session:
        assert [c.id for c in session.scalars(select(AuditCheckpoint))] == [1, 2]


def test_verification_reads_in_pages_and_reports_progress(app, settings, api, clock):
    for _ in range(3):
        approved(api)
    assert audit_checkpoints.write_checkpoint(sessions(app), settings, clock.now(), page=2)[1] == 0
    seen, said = [], []
    result = audit_checkpoints.verify(sessions(app), settings, said.append, page=2,
                                      progress=lambda done, total: seen.append((done, total)))
    assert (result.dossiers, result.events, result.problems, said) == (3, 15, 0, [])
    assert seen == [(2, 3), (3, 3)]


def test_without_a_checkpoint_the_summary_says_what_cannot_be_seen(app, settings, api):
    approved(api)
    status, lines = verify(settings)
    assert status == 0 and "chưa có điểm kiểm tra hợp lệ" in lines[-1]
    status, lines = verify(settings, "--dossier", "KHONG-CO")
    assert status == 1 and lines[0] == "KHONG-CO: không có hồ sơ này"


def test_migration_0010_keeps_old_chains_verifiable_with_their_formula(tmp_path):
    """A chain written before 0010 (formula 1) is not re-hashed: it keeps verifying as written, its count is
    backfilled, an edit of a field formula 1 covers is still found; downgrade and upgrade again work."""
    path, url, db = old_database(tmp_path, "0009")
    prev = audit.GENESIS
    for action, status in (("file", 1), ("receive", 2)):
        event = {"dossier_id": 1, "at": datetime(2026, 11, 23, 2, tzinfo=timezone.utc), "actor_id": 1,
                 "actor_name": "U", "action": action, "from_status": 1, "to_status": status, "step": None,
                 "task_name": None, "data": {}, "due_at": None, "work_item_id": None, "hash_version": None}
        digest = audit._digest(prev, event)
        db.execute("insert into audit_event (dossier_id, at, actor_id, actor_name, action, from_status, to_status, "
                   "data, prev_hash, hash) values (1, '2026-11-23 02:00:00', 1, 'U', ?, 1, ?, '{}', ?, ?)",
                   (action, status, prev, digest))
        prev = digest
    db.execute("update dossier set audit_head = ?", (prev,))
    db.commit()
    db.close()

    _alembic(url, "upgrade", "head")
    settings = with_secrets(load_settings(data_dir=str(tmp_path / "data"), database_url=url))
    engine_ = make_engine(url, poolclass=NullPool)
    made = make_sessionmaker(engine_)
    with made() as session:
        assert session.execute(select(Dossier.audit_count)).scalar_one() == 2
        assert session.scalars(select(AuditEvent.hash_version)).all() == [None, None]
    said: list[str] = []
    assert audit_checkpoints.verify(made, settings, said.append).problems == 0 and said == []
    audit_checkpoints.write_checkpoint(made, settings, datetime(2026, 12, 2, tzinfo=timezone.utc))
    with made.begin() as session:
        session.execute(update(AuditEvent).where(AuditEvent.action == "file").values(to_status=3))
    assert audit_checkpoints.verify(made, settings, said.append).problems == 1
    assert said == ["X-1: sự kiện #1 (thứ 1, file): nội dung bị sửa (mã băm không khớp)"]
    engine_.dispose()

    _alembic(url, "downgrade", "0009")
    db = sqlite3.connect(path)
    assert "audit_count" not in [row[1] for row in db.execute("pragma table_info(dossier)")]
    assert "hash_version" not in [row[1] for row in db.execute("pragma table_info(audit_event)")]
    assert db.execute("select count(*) from audit_event").fetchone() == (2,)
    db.close()
    _alembic(url, "upgrade", "head")


@pytest.fixture
def sqlite_only(backend):
    """Skips before the app and the trail are made (asked for first by the test)."""
    if backend != "sqlite":
        pytest.skip("PostgreSQL's jsonb and timestamptz columns cannot hold text that is not JSON or a time")


@pytest.mark.parametrize("column, garbage", [("data", "{{{"), ("at", "garbage"), ("due_at", "2026-13-45")])
def test_a_value_no_type_can_read_is_a_changed_event_not_a_crash(sqlite_only, app, settings, trail, backend, column,
                                                                 garbage):
    """SQLite keeps any text in any column: an event whose data or time was overwritten by hand with text no
    type can read stopped `tthc audit verify` with a traceback, the very tool that should report it. It is one
    changed event now, and the walk goes on (PostgreSQL's typed columns refuse such text)."""
    assert backend == "sqlite"   # the sqlite_only fixture skipped the others
    from sqlalchemy import text

    target = event_of(app, trail[0], "approve")
    change(app, text(f"UPDATE audit_event SET {column} = :v WHERE id = :id").bindparams(v=garbage, id=target.id))
    status, lines = verify(settings)
    assert status == 1 and lines[0] == (f"{trail[0]}: sự kiện #{target.id} (thứ 5, approve): nội dung bị sửa "
                                        f"(không đọc được cột {column})"), lines
    assert lines[-1].startswith("2 hồ sơ, 10 sự kiện;") and lines[-1].endswith("; 1 vấn đề"), lines
    status, lines = verify(settings, "--dossier", trail[0])
    assert status == 1 and "không đọc được cột" in lines[0]


def test_the_audit_command_takes_a_dossier_code_in_lower_case(app, settings, trail):
    code = trail[0]
    exact, typed = verify(settings, code), verify(settings, f" {code.lower()} ")
    assert typed == exact and exact[0] == 0 and "không có hồ sơ này" not in " ".join(typed[1])  # was: none such
    wide = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in code)  # a phone's full-width letters
    assert verify(settings, wide) == exact  # as the API and the pages read it (engine.cases.dossiers.typed_code)
