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
from engine.db import make_engine
from engine.model import Base
from engine.settings import PROJECT_ROOT, load_settings


# Mapped classes live beyond engine/model.py (e.g. engine/portal_model.py): import every module so that
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
        [sys.executable, "-c", "import engine.db, engine.model, engine.portal_model, engine.settings\n"
                               "print(*sorted(engine.model.Base.metadata.tables))"],
        capture_output=True, text=True, check=True, cwd=PROJECT_ROOT).stdout.split()
    assert sorted(set(Base.metadata.tables) - set(seen_by_env)) == []
