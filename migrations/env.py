"""Alembic environment: imports only engine.data.db, the model modules and engine.core.settings."""
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

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    return config.get_main_option("sqlalchemy.url") or load_settings().resolved_database_url


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(_url(), poolclass=pool.NullPool)
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch mode rebuilds a table SQLite cannot alter in place (drop, then rename), which a table others
            # point at (agency, dossier) does not survive with the checks on; they are checked once at the end.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
            if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first() is not None:
                raise RuntimeError("the migration left rows pointing at nothing (PRAGMA foreign_key_check)")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
