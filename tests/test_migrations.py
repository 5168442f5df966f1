"""The Alembic migrations build exactly the schema the engine's mapped classes describe, on SQLite and PostgreSQL.

Two comparisons on the same freshly migrated database: the structure (tables, columns, types, nullability,
indexes, constraints) and, separately, server defaults, so that the known server-default drift (xfail
below) cannot hide a structural one.
"""
from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.pool import NullPool

import engine
from engine.cli import upgrade_database
from engine.data.db import make_engine
from engine.data.model import Base
from engine.core.settings import PROJECT_ROOT, load_settings


# Mapped classes live beyond engine/data/model.py (e.g. engine/data/portal_model.py): import every module so that
# Base.metadata holds every table the engine uses.
for _module in pkgutil.walk_packages(engine.__path__, "engine."):
    importlib.import_module(_module.name)


def head_revision() -> str:
    cfg = Config()
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    return ScriptDirectory.from_config(cfg).get_current_head()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def migrated_url(request, tmp_path):
    """An empty database, upgraded to head twice (the second upgrade is a no-op)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    else:
        pg = request.getfixturevalue("pg_server")
        url = pg.create_database(f"empty_{abs(hash(request.node.nodeid)) % 10**8}")
    settings = load_settings(data_dir=str(tmp_path / "data"), database_url=url)
    upgrade_database(settings)
    upgrade_database(settings)
    return url


def differences(url: str, **opts) -> list:
    engine = make_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True, **opts})
            assert context.get_current_revision() == head_revision()
            return compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()


def flatten(diffs: list) -> list[tuple]:
    """compare_metadata groups column modifications in lists; one tuple per difference."""
    return [op for diff in diffs for op in (diff if isinstance(diff, list) else [diff])]


def shown(value) -> str:
    text = getattr(getattr(value, "arg", None), "text", None)  # a server default: show its SQL
    return repr(text if text is not None else value)


def readable(diffs: list) -> str:
    return "the model differs from the migrated schema (add a migration):\n" + "\n".join(
        f"{op[0]} {op[2]}.{op[3]}: database {shown(op[-2])}, model {shown(op[-1])}"
        if op[0].startswith("modify_") else str(op) for op in flatten(diffs))


def test_migrations_build_the_structure_of_the_model(migrated_url):
    diffs = differences(migrated_url, compare_server_default=False)
    assert diffs == [], readable(diffs)


def test_migrations_leave_the_server_defaults_of_the_model(migrated_url):
    diffs = [op for op in flatten(differences(migrated_url, compare_server_default=True))
             if op[0] == "modify_default"]
    assert diffs == [], readable(diffs)


def test_the_metadata_alembic_sees_holds_every_mapped_table():
    seen_by_env = subprocess.run(  # a fresh interpreter importing what migrations/env.py imports
        [sys.executable, "-c", "import engine.data.db, engine.data.model, engine.data.portal_model, "
                               "engine.data.payment_model, engine.data.notice_model, engine.data.signing_model, engine.data.agency_model, "
                               "engine.data.citizen_model, engine.data.handover_model, "
                               "engine.core.settings\n"
                               "print(*sorted(engine.data.model.Base.metadata.tables))"],
        capture_output=True, text=True, check=True, cwd=PROJECT_ROOT).stdout.split()
    assert sorted(set(Base.metadata.tables) - set(seen_by_env)) == []


def _alembic(url: str, action: str, revision: str) -> None:
    from alembic import command

    cfg = Config()
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url)
    getattr(command, action)(cfg, revision)

def old_database(tmp_path, revision: str, status: int = 2):
    """A SQLite database migrated to ``revision`` holding the least a consistent database needs: an agency, a
    citizen, a procedure version and one dossier (id 1, code X-1) at ``status``. Returns (path, url, connection)."""
    import sqlite3

    path = tmp_path / "old.sqlite3"
    url = f"sqlite:///{path}"
    _alembic(url, "upgrade", revision)
    db = sqlite3.connect(path)
    db.execute("insert into agency (id, code, name) values (1, 'A', 'A')")
    db.execute("insert into user_account (id, username, password_hash, full_name, roles, standardised, created_at) "
               "values (1, 'u', 'x', 'U', 'citizen', 0, '2026-11-23 02:00:00')")
    db.execute("insert into procedure (id, code, name, agency_id) values (1, 'P', 'P', 1)")
    db.execute("insert into procedure_version (id, procedure_id, version, process_id, file_name, content_hash, "
               "bpmn_xml, spec_json, forms, info, deployed_at) values (1, 1, 1, 'p', 'p.bpmn', 'h', '', '{}', '{}', "
               "'{}', '2026-11-23 02:00:00')")
    db.execute("insert into dossier (id, code, procedure_version_id, agency_id, applicant_id, owner_name, channel, "
               "status, form, filed_at, late, supplement_requests, extensions, workflow_state, serializer_version, "
               "intake_late, version) values (1, 'X-1', 1, 1, 1, 'A', 'online', ?, '{}', '2026-11-23 02:00:00', 0, "
               "0, 0, x'00', '1', 0, 1)", (status,))
    return path, url, db


def test_0007_on_sqlite_never_gives_out_the_id_of_a_finished_task_and_downgrades_with_data(tmp_path):
    """An existing database: tasks 2 and 3 were finished (rows removed, 3 still named by the audit trail), so the
    rebuilt AUTOINCREMENT table must start after 3, not after the largest remaining id. The downgrade works while
    dossiers have rows pointing at them."""
    import sqlite3

    path, url, db = old_database(tmp_path, "0006")
    for item in (1, 2, 3):
        db.execute("insert into work_item (id, dossier_id, task_id, spec_name, name, step, role, agency_id, "
                   "created_at) values (?, 1, ?, 's', 'n', 'intake', 'receiving_officer', 1, '2026-11-23 02:00:00')",
                   (item, f"task-{item}"))
    db.execute("delete from work_item where id in (2, 3)")
    db.execute("insert into audit_event (dossier_id, at, actor_name, action, to_status, data, prev_hash, hash, "
               "work_item_id) values (1, '2026-11-23 02:00:00', 'A', 'receive', 2, '{}', 'p', 'h', 3)")
    db.commit()
    db.close()

    _alembic(url, "upgrade", "head")
    db = sqlite3.connect(path)
    assert db.execute("select audit_head from dossier").fetchone() == ("h",)  # the chain's head, backfilled
    db.execute("insert into work_item (dossier_id, task_id, spec_name, name, step, role, agency_id, created_at) "
               "values (1, 'task-4', 's', 'n', 'assessment', 'specialist', 1, '2026-11-23 02:00:00')")
    assert db.execute("select id from work_item where task_id = 'task-4'").fetchone() == (4,)
    db.commit()
    db.close()

    _alembic(url, "downgrade", "0006")  # with rows in work_item and audit_event pointing at the dossier
    db = sqlite3.connect(path)
    assert "audit_head" not in [row[1] for row in db.execute("pragma table_info(dossier)")]
    assert db.execute("select count(*) from work_item").fetchone() == (2,)
    db.close()
    _alembic(url, "upgrade", "head")


def test_0009_idempotency_keys_upgrade_and_downgrade(migrated_url):
    """The table of idempotency keys goes away and comes back; its unique (user, key) is there on both
    backends (the concurrency of double posts rests on it)."""
    from sqlalchemy import inspect

    def tables_and_uniques():
        engine = make_engine(migrated_url, poolclass=NullPool)
        try:
            found = inspect(engine)
            names = set(found.get_table_names())
            uniques = ([u["column_names"] for u in found.get_unique_constraints("idempotency_key")]
                       if "idempotency_key" in names else [])
            return "idempotency_key" in names, uniques
        finally:
            engine.dispose()

    assert tables_and_uniques() == (True, [["user_id", "key"]])
    _alembic(migrated_url, "downgrade", "0008")
    assert tables_and_uniques() == (False, [])
    _alembic(migrated_url, "upgrade", "head")
    assert tables_and_uniques() == (True, [["user_id", "key"]])


def test_0011_payments_upgrade_and_downgrade(migrated_url):
    """The payment tables go away and come back; an order reference is unique on both backends (a gateway's
    notification names one payment)."""
    from sqlalchemy import inspect

    tables = {"payment", "payment_order", "payment_event", "payment_refund", "payment_gateway"}

    def found():
        engine = make_engine(migrated_url, poolclass=NullPool)
        try:
            seen = inspect(engine)
            names = set(seen.get_table_names()) & tables
            uniques = ([u["column_names"] for u in seen.get_unique_constraints("payment")] if "payment" in names
                       else [])
            return names, uniques
        finally:
            engine.dispose()

    assert found() == (tables, [["order_ref"]])
    _alembic(migrated_url, "downgrade", "0010")
    assert found() == (set(), [])
    _alembic(migrated_url, "upgrade", "head")
    assert found() == (tables, [["order_ref"]])


def test_0012_reissue_links_upgrade_and_downgrade_with_documents_and_signatures(tmp_path):
    """The links of re-issued results and the registration number come and go on a database whose documents
    are referenced by signatures (SQLite must not rebuild the document table)."""
    import sqlite3

    path, url, db = old_database(tmp_path, "0011")
    db.execute("insert into document (id, dossier_id, kind, name, media_type, size, sha256, created_at) values "
               "(1, 1, 'result', 'r.pdf', 'application/pdf', 1, 'h', '2026-11-23 02:00:00')")
    db.execute("insert into document_signature (document_id, field, signer, valid, status, message, checked_at) "
               "values (1, 'f', 's', 1, 'valid', '', '2026-11-23 02:00:00')")
    db.commit()
    db.close()
    _alembic(url, "upgrade", "head")
    db = sqlite3.connect(path)
    db.execute("update document set replaces_id = 1, replaced_by_id = 1")
    db.execute("update dossier set registration_number = '33A8000001'")
    db.commit()
    db.close()
    _alembic(url, "downgrade", "0011")
    db = sqlite3.connect(path)
    assert "replaces_id" not in [row[1] for row in db.execute("pragma table_info(document)")]
    assert "registration_number" not in [row[1] for row in db.execute("pragma table_info(dossier)")]
    assert db.execute("select count(*) from document_signature").fetchone() == (1,)
    db.close()
    _alembic(url, "upgrade", "head")


def test_0013_report_indexes_upgrade_and_downgrade(migrated_url):
    """The reports' indexes (the dossier's period columns, the open dossiers, the events' times) go away with
    0013 and come back; the open dossiers' index is partial on both backends."""
    from sqlalchemy import inspect

    def report_indexes():
        engine = make_engine(migrated_url, poolclass=NullPool)
        try:
            found = inspect(engine)
            names = {i["name"] for i in found.get_indexes("dossier")}
            names |= {i["name"] for table in ("audit_event", "letter", "extension", "supplement_request",
                                              "satisfaction_rating") for i in found.get_indexes(table)}
            with engine.connect() as conn:
                if engine.dialect.name == "sqlite":
                    where = conn.exec_driver_sql("select sql from sqlite_master where name = 'ix_dossier_unresolved'")
                else:
                    where = conn.exec_driver_sql("select indexdef from pg_indexes where indexname = 'ix_dossier_unresolved'")
                definition = where.scalar() or ""
            return {n for n in names if n and ("agency_re" in n or n.endswith(("_at", "unresolved")))}, definition
        finally:
            engine.dispose()

    expected = {"ix_dossier_agency_received", "ix_dossier_agency_resolved", "ix_dossier_received_at",
                "ix_dossier_resolved_at", "ix_dossier_unresolved", "ix_audit_event_at", "ix_letter_issued_at",
                "ix_extension_decided_at", "ix_supplement_request_at", "ix_satisfaction_rating_at"}
    names, definition = report_indexes()
    assert expected <= names and "resolved_at IS NULL" in definition.replace("(", "").replace(")", "")
    _alembic(migrated_url, "downgrade", "0012")
    assert not expected & report_indexes()[0]
    _alembic(migrated_url, "upgrade", "head")
    assert expected <= report_indexes()[0]


def test_0016_step_times_upgrade_and_downgrade_fill_the_last_hand_over(tmp_path):
    """The kept step times and the dossier's last hand-over come and go; the upgrade fills the last hand-over
    from the trail (the latest hand-over event, not a later note), so the next completed step is kept too."""
    import sqlite3

    path, url, db = old_database(tmp_path, "0015")
    db.execute("delete from audit_event")
    for n, (action, at) in enumerate((("file", "2026-11-23 02:00:00"), ("receive", "2026-11-23 03:00:00"),
                                      ("note", "2026-11-23 04:00:00")), start=1):
        db.execute("insert into audit_event (id, dossier_id, at, actor_name, action, to_status, data, prev_hash, "
                   "hash) values (?, 1, ?, 'x', ?, 1, '{}', '', '')", (n, at, action))
    db.commit()
    db.close()
    _alembic(url, "upgrade", "head")
    db = sqlite3.connect(path)
    assert db.execute("select handed_over_at from dossier where id = 1").fetchone()[0].startswith("2026-11-23 03:00")
    assert db.execute("select count(*) from audit_event where working_minutes is null and late is null"
                      ).fetchone() == (3,)
    assert "working_minutes IS NULL" in db.execute("select sql from sqlite_master where name = "
                                                   "'ix_audit_event_unkept'").fetchone()[0]
    db.close()
    _alembic(url, "downgrade", "0015")
    db = sqlite3.connect(path)
    assert "handed_over_at" not in [row[1] for row in db.execute("pragma table_info(dossier)")]
    assert not {"working_minutes", "late"} & {row[1] for row in db.execute("pragma table_info(audit_event)")}
    assert db.execute("select count(*) from sqlite_master where name = 'ix_audit_event_unkept'").fetchone() == (0,)
    assert db.execute("select count(*) from audit_event").fetchone() == (3,)
    db.close()
    _alembic(url, "upgrade", "head")


def test_0024_calendar_scope_keeps_the_days_province_wide_and_downgrades_with_them(tmp_path):
    """The days entered before 0024 become the province's (agency NULL); one day per scope; the downgrade keeps the
    province's days and drops an agency's own."""
    import sqlite3

    path, url, db = old_database(tmp_path, "0018")
    db.execute("insert into calendar_override (day, kind, name, created_by, created_at) values "
               "('2027-02-02', 'off', 'Tết Nguyên đán', 'cli', '2026-12-01 02:00:00')")
    db.commit()
    db.close()
    _alembic(url, "upgrade", "0024")
    db = sqlite3.connect(path)
    assert db.execute("select day, kind, name, agency_id from calendar_override").fetchall() == [
        ("2027-02-02", "off", "Tết Nguyên đán", None)]
    with pytest.raises(sqlite3.IntegrityError):  # the province has one row a day
        db.execute("insert into calendar_override (day, kind, name, created_at) values "
                   "('2027-02-02', 'working', 'x', '2026-12-01 02:00:00')")
    db.execute("insert into calendar_override (day, kind, name, agency_id, created_at) values "
               "('2027-02-02', 'working', 'Phường làm', 1, '2026-12-01 02:00:00')")
    with pytest.raises(sqlite3.IntegrityError):  # and so has an agency
        db.execute("insert into calendar_override (day, kind, name, agency_id, created_at) values "
                   "('2027-02-02', 'off', 'y', 1, '2026-12-01 02:00:00')")
    db.commit()
    db.close()
    _alembic(url, "downgrade", "0018")
    db = sqlite3.connect(path)
    assert db.execute("select day, kind, name from calendar_override").fetchall() == [
        ("2027-02-02", "off", "Tết Nguyên đán")]
    db.close()
    _alembic(url, "upgrade", "head")


def test_0028_dossier_path_comes_and_goes_and_an_existing_dossier_keeps_null(tmp_path):
    """The stored path of a dossier (the diagram's, engine.cases.paths): an existing row keeps NULL (its page reads
    the workflow once); the downgrade drops the column and keeps the dossier."""
    import sqlite3

    path, url, db = old_database(tmp_path, "0027", status=4)
    db.commit()
    db.close()
    _alembic(url, "upgrade", "head")
    db = sqlite3.connect(path)
    assert db.execute("select path_nodes from dossier where id = 1").fetchone() == (None,)
    db.execute("""update dossier set path_nodes = '["StartEvent_1", "tiep_nhan"]' where id = 1""")
    db.commit()
    db.close()
    _alembic(url, "downgrade", "0027")
    db = sqlite3.connect(path)
    assert "path_nodes" not in [row[1] for row in db.execute("pragma table_info(dossier)")]
    assert db.execute("select code, status from dossier").fetchall() == [("X-1", 4)]
    db.close()
    _alembic(url, "upgrade", "head")


def test_0029_return_channel_comes_and_goes_and_an_existing_dossier_returns_as_filed(tmp_path):
    """D23: the citizen's return choice; a dossier filed before it keeps NULL and returns by its filing channel
    (Dossier.return_via); the downgrade drops both columns and keeps the dossier."""
    import sqlite3

    path, url, db = old_database(tmp_path, "0028", status=4)
    db.commit()
    db.close()
    _alembic(url, "upgrade", "head")
    db = sqlite3.connect(path)
    assert db.execute("select return_channel, return_address from dossier where id = 1").fetchone() == (None, None)
    db.execute("update dossier set return_channel = 'post', return_address = '18 Lê Lợi, Huế' where id = 1")
    db.commit()
    db.close()
    _alembic(url, "downgrade", "0028")
    db = sqlite3.connect(path)
    assert not {"return_channel", "return_address"} & {row[1] for row in db.execute("pragma table_info(dossier)")}
    assert db.execute("select code, status from dossier").fetchall() == [("X-1", 4)]
    db.close()
    _alembic(url, "upgrade", "head")
