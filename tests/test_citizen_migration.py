"""The migration of citizen accounts (cancellation, the phone index, recovery requests per address) upgrades and
downgrades on SQLite and PostgreSQL, keeping the accounts."""
from __future__ import annotations

from datetime import datetime, timezone

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.pool import NullPool
from test_migrations import _alembic, migrated_url  # noqa: F401  (the fixture)

from engine.core.settings import PROJECT_ROOT
from engine.data.db import make_engine


def citizens_revision():
    """(its revision, the one before): found by its file, whatever number the merge gives it."""
    cfg = Config()
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    script = next(s for s in ScriptDirectory.from_config(cfg).walk_revisions() if s.path.endswith("_citizens.py"))
    return script.revision, script.down_revision


def shape(url: str) -> tuple[bool, bool, bool, int]:
    engine = make_engine(url, poolclass=NullPool)
    try:
        seen = inspect(engine)
        columns = {c["name"] for c in seen.get_columns("user_account")}
        indexed = any(i["column_names"] == ["phone"] for i in seen.get_indexes("user_account"))
        with engine.connect() as conn:
            people = conn.scalar(text("SELECT count(*) FROM user_account"))
        return "cancelled_at" in columns, indexed, "recovery_attempt" in seen.get_table_names(), people
    finally:
        engine.dispose()


def test_citizens_migration_upgrades_and_downgrades_keeping_the_accounts(migrated_url):  # noqa: F811
    engine = make_engine(migrated_url, poolclass=NullPool)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO user_account (username, password_hash, full_name, roles, phone, standardised, "
                          "created_at) VALUES ('046190000123', '!', 'Lê Thị Hoa', 'citizen', '0905111222', :f, :t)"),
                     {"f": False, "t": datetime(2026, 12, 1, tzinfo=timezone.utc)})
    engine.dispose()
    assert shape(migrated_url) == (True, True, True, 1)
    revision, before = citizens_revision()
    _alembic(migrated_url, "downgrade", before)
    assert shape(migrated_url) == (False, False, False, 1)
    _alembic(migrated_url, "upgrade", "head")
    assert shape(migrated_url) == (True, True, True, 1)
