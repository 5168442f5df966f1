"""Alembic environment: imports only engine.data.db, the model modules and engine.core.settings."""
import os
from contextlib import contextmanager, nullcontext

from alembic import context
from sqlalchemy import pool

from engine.data.db import make_engine
import engine.data.portal_model  # noqa: F401  (its tables belong to the same metadata)
import engine.data.payment_model  # noqa: F401  (the same)
import engine.data.notice_model  # noqa: F401  (its tables belong to the same metadata)
import engine.data.signing_model  # noqa: F401  (the same)
import engine.data.agency_model  # noqa: F401  (the same)
import engine.data.citizen_model  # noqa: F401  (the same)
import engine.data.operations_model  # noqa: F401  (the same)
import engine.data.handover_model  # noqa: F401  (the same)
from engine.data.model import Base
from engine.core.settings import load_settings

try:
    import fcntl
except ImportError:  # Windows: no lock file (PostgreSQL's lock is the one for several processes)
    fcntl = None

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    return config.get_main_option("sqlalchemy.url") or load_settings().resolved_database_url


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


MIGRATION_LOCK = 0x7474_6863_6D69_6772  # pg_advisory_lock key of this project's migrations ("tthcmigr")


@contextmanager
def _sqlite_file_lock(url):
    """A lock file beside a SQLite database, held for the whole upgrade (fcntl; where it is missing, no lock). A
    lock on the database file itself would meet SQLite's own locks (NFS emulates flock with them)."""
    if url.database in (None, "", ":memory:") or url.query.get("uri") or fcntl is None or \
            not os.path.isdir(os.path.dirname(os.path.abspath(url.database))):
        yield  # no folder: connecting fails with the database's own words (README: the setting is named)
        return
    with open(f"{url.database}.upgrade-lock", "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # waits for another process's upgrade to end
        try:
            yield
        finally:
            fcntl.flock(held, fcntl.LOCK_UN)


def run_migrations_online() -> None:
    """Migrate under a lock: two processes upgrading at once (`tthc serve --no-worker` and `tthc worker` started
    together) both read the old revision and ran the same steps, and the second failed ("column ... already
    exists"). Now the second waits for the first; Alembic reads the revision once the lock is held (in
    run_migrations), finds head and does nothing. PostgreSQL: a session advisory lock on the migration
    connection; SQLite: a lock file beside the database (its DDL runs outside one long transaction)."""
    engine = make_engine(_url(), poolclass=pool.NullPool)
    sqlite = engine.url.get_backend_name() == "sqlite"
    with _sqlite_file_lock(engine.url) if sqlite else nullcontext(), engine.connect() as connection:
        if sqlite:
            # Batch mode rebuilds a table SQLite cannot alter in place (drop, then rename), which a table others
            # point at (agency, dossier) does not survive with the checks on; they are checked once at the end.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        else:
            connection.exec_driver_sql(f"SELECT pg_advisory_lock({MIGRATION_LOCK})")
        connection.commit()  # Alembic commits only a transaction it begins itself
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
            if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first() is not None:
                raise RuntimeError("the migration left rows pointing at nothing (PRAGMA foreign_key_check)")
        if not sqlite:  # after a failed step, closing the connection (NullPool) releases it
            connection.exec_driver_sql(f"SELECT pg_advisory_unlock({MIGRATION_LOCK})")
            connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
