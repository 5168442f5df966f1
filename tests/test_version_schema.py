"""Migration 0022 (a version's state, the index of open dossiers per version) upgrades and downgrades with data,
on SQLite and PostgreSQL, and the count of open dossiers per version is answered from that partial index."""
from __future__ import annotations

from sqlalchemy import inspect, text
from sqlalchemy.pool import NullPool

from engine.cases import versions
from engine.data.db import make_engine, make_sessionmaker
from test_migrations import _alembic, migrated_url  # noqa: F401  (fixture)


def test_0022_upgrade_and_downgrade(migrated_url):  # noqa: F811
    engine = make_engine(migrated_url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            assert {c["name"] for c in inspect(conn).get_columns("procedure_version")} >= {"state"}
            assert "ix_dossier_version_open" in {i["name"] for i in inspect(conn).get_indexes("dossier")}
        _alembic(migrated_url, "downgrade", "0018")
        with engine.connect() as conn:
            assert "state" not in {c["name"] for c in inspect(conn).get_columns("procedure_version")}
            assert "ix_dossier_version_open" not in {i["name"] for i in inspect(conn).get_indexes("dossier")}
            conn.execute(text("INSERT INTO agency (id, code, name, level, path, active) "
                              "VALUES (1, 'A', 'A', 'commune', '/1/', true)"))
            conn.execute(text("INSERT INTO procedure (id, code, name, agency_id) VALUES (1, '1.000001', 'P', 1)"))
            conn.execute(text("INSERT INTO procedure_version (id, procedure_id, version, process_id, file_name, "
                              "content_hash, bpmn_xml, spec_json, forms, info, deployed_at) VALUES (1, 1, 1, 'p', "
                              "'p.bpmn', 'h', '<x/>', '{}', '{}', '{}', CURRENT_TIMESTAMP)"))
            conn.commit()
        _alembic(migrated_url, "upgrade", "head")
        with engine.connect() as conn:  # an existing version is active
            assert conn.execute(text("SELECT state FROM procedure_version")).scalar() == "active"
    finally:
        engine.dispose()


def test_open_dossiers_per_version_come_from_the_partial_index(app, api):
    api.file()
    session = make_sessionmaker(app.extensions["tthc"]["engine"])()
    try:
        assert versions.open_counts(session, [1]) == {1: 1}
        if session.bind.dialect.name == "sqlite":
            plan = " ".join(str(r) for r in session.execute(text(
                "EXPLAIN QUERY PLAN SELECT procedure_version_id, count(*) FROM dossier WHERE procedure_version_id "
                "IN (1) AND status NOT IN (3, 7, 8, 10) GROUP BY procedure_version_id")))
            assert "ix_dossier_version_open" in plan, plan
    finally:
        session.close()
