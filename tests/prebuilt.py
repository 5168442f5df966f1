"""Data built once per test module and backend, and copied for each test that asks for it.

Some files start most tests from the same costly state (a World of every target, a checkpointed audit trail, a
dossier taken to its signed result). ``builder`` makes that state on first use, once per backend, on a copy of the
demo and with an app built as the ``app`` fixture builds one (the same settings, the clock at START, documents made
after each commit); ``copy_for`` gives a test its own copy of it (the database: a file copy, or CREATE DATABASE
... TEMPLATE on PostgreSQL; and the data folder, where the settings find the secrets and the app the documents),
as the ``database_url`` fixture does for the demo itself."""
from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from conftest import START, database_copy, drain_after_commit, make_settings

from engine.core.clock import FixedClock
from engine.core.settings import with_secrets
from engine.web import create_app


@dataclass(frozen=True)
class Prebuilt:
    database: str  # a SQLite file, or a PostgreSQL database to take as TEMPLATE
    data_dir: str  # its data folder (documents, secrets, the checkpoint file)
    made: Any      # what the build returned (codes, tokens, ...)


def builder(tmp_path_factory, demo_template, pki_dir, request, name: str,
            build: Callable[[Any, Any, FixedClock], Any]) -> Callable[[str], Prebuilt]:
    """``get(backend)``: the demo with ``build(app, settings, clock)`` run on it, made on first use for that backend
    (``name`` names its folder and its PostgreSQL database)."""
    built: dict[str, Prebuilt] = {}

    def get(backend: str) -> Prebuilt:
        if backend not in built:
            folder = tmp_path_factory.mktemp(name)
            if backend == "sqlite":
                database = str(folder / f"{name}.sqlite3")
                shutil.copy(demo_template("sqlite"), database)
                url = f"sqlite:///{database}"
            else:
                pg = request.getfixturevalue("pg_server")
                database = name
                url = pg.create_database(database, template=demo_template("postgresql", pg))
            settings = with_secrets(make_settings(folder / "data", url, pki_dir))
            clock = FixedClock(START)
            application = create_app(settings, clock=clock)
            application.testing = True
            drain_after_commit(application)
            try:
                made = build(application, settings, clock)
            finally:
                application.extensions["tthc"]["engine"].dispose()
            built[backend] = Prebuilt(database, str(folder / "data"), made)
        return built[backend]

    return get


def copy_for(prebuilt: Prebuilt, backend: str, tmp_path, request):
    """A ``database_url`` fixture's generator giving the test its own copy of ``prebuilt``."""
    shutil.copytree(prebuilt.data_dir, tmp_path / "data")
    yield from database_copy(backend, tmp_path, request, lambda *_: prebuilt.database)
