"""Before a command works: what an operator can get wrong (database_url, calendar_file, a duration) is found at
once and told in one line that names it, instead of a traceback later (README, issue 11); and what the WSGI
server takes from the settings."""
from __future__ import annotations

import functools
import math
import re
from datetime import datetime
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.pool import NullPool

from engine.core.clock import VN_TZ
from engine.core.errors import EngineError
from engine.core.settings import Settings, SettingsError, load_settings, writable_data_dir
from engine.data.db import make_engine, make_sessionmaker
from engine.data import calendars

DURATION_LIMITS = {"working_day": 3650, "working_hour": 3650 * 8, "calendar_day": 3650}  # ten years
OPTIONS = {"working_day": "--working-days", "working_hour": "--working-hours", "calendar_day": "--calendar-days"}
_loaded: list[Settings] = []  # the settings of the running command, to name its database in an error


def command_settings(*, calendar: bool = False) -> Settings:
    """The settings of a command (kept to name the database in an error); ``calendar``: check calendar_file
    now, so that a broken calendar stops the command at once."""
    _loaded[:] = [load_settings()]
    if calendar:
        check_calendar(_loaded[0])
    return _loaded[0]


def shown_url(url: str) -> str:
    """The database URL without its password, to print."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


def command_sessions(settings: Settings):
    """A sessionmaker whose connections are not pooled: CLI commands are short and leave nothing open. A SQLite
    file is never created here (only `tthc db upgrade` and the commands that migrate first create it)."""
    engine = database_engine(settings, poolclass=NullPool)
    _open_existing_only(engine)
    return make_sessionmaker(engine)


def _open_existing_only(engine) -> None:
    """Open the engine's SQLite file read-write without creating it (SQLite's ``mode=rw``) when it is missing at
    connect time: sqlite3 made an empty file that a command not migrating the database left behind once it had
    failed with "no such table" (`tthc deploy`, `tthc calendar clear` before `tthc db upgrade`). Now it is
    "unable to open database file", told with what to do (``_upgrade_hint``), and nothing is left."""
    url = engine.url
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:") or url.query.get("uri"):
        return
    path = Path(url.database)

    @event.listens_for(engine, "do_connect")
    def _existing_only(_dialect, _record, cargs, cparams):
        if not path.exists():
            cargs[:] = [path.absolute().as_uri() + "?mode=rw"]
            cparams["uri"] = True


def database_engine(settings: Settings, **kwargs):
    """The engine of database_url; a URL that names no usable database kind or driver, or a data folder that
    cannot be written, is a SettingsError."""
    writable_data_dir(settings)
    url = settings.resolved_database_url
    try:
        make_url(url).get_dialect().import_dbapi()
        return make_engine(url, **kwargs)
    except (ArgumentError, ImportError) as exc:
        raise SettingsError(f"thiết lập database_url: không dùng được địa chỉ cơ sở dữ liệu {shown_url(url)!r}: "
                            f"{str(exc).splitlines()[0]}") from None


def check_calendar(settings: Settings) -> None:
    """Read the working calendar now, so that a broken calendar_file stops the command at once instead of
    failing every dossier later (the worker used to sweep, fail each deadline and exit 0)."""
    try:
        calendars.calendar_config(settings).calendar().due(datetime(2026, 1, 5, 9, tzinfo=VN_TZ), 1, "working_day")
    except OSError as exc:
        reason = exc.strerror or str(exc)
    except (ValueError, TypeError, KeyError, AttributeError, IndexError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    else:
        return
    raise SettingsError(f"thiết lập calendar_file ({settings.calendar_file}): {reason}")


def operator_line(exc: Exception) -> str:
    """The one line an operator reads for a wrong setting, or a database that cannot be used (unreachable,
    missing, damaged: the driver's first line; at a revision this version does not know: Alembic's), naming
    database_url without its password."""
    if isinstance(exc, SettingsError):
        return f"lỗi cấu hình: {exc}"
    url = shown_url(_loaded[0].resolved_database_url) if _loaded else "?"
    if not isinstance(exc, DBAPIError):  # Alembic: e.g. a newer tthc migrated the database
        return f"lỗi cơ sở dữ liệu (thiết lập database_url = {url}): phiên bản này của tthc không nâng cấp được: {exc}"
    reason = (str(exc.orig) if exc.orig is not None else str(exc)).strip().splitlines() or [type(exc).__name__]
    return f"lỗi cơ sở dữ liệu (thiết lập database_url = {url}): {reason[0]}{_upgrade_hint(exc)}"


UNDEFINED_TABLE_OR_COLUMN = ("42P01", "42703")  # PostgreSQL's codes for a table or column the schema lacks
NOT_UPGRADED = "cơ sở dữ liệu chưa được nâng cấp lên phiên bản này: chạy `tthc db upgrade`"


def _undefined(exc: DBAPIError) -> bool:
    """The schema lacks a table or a column: the database is not created or not migrated yet."""
    said = str(exc.orig) if exc.orig is not None else ""
    return getattr(exc.orig, "sqlstate", None) in UNDEFINED_TABLE_OR_COLUMN or said.startswith(("no such table",
                                                                                               "no such column"))


def _upgrade_hint(exc: DBAPIError) -> str:
    """What to do when the database is not created or not migrated yet (a command that does not migrate it itself
    said only "no such table: agency", or "unable to open database file" for the report's read-only connection)."""
    said = str(exc.orig) if exc.orig is not None else ""
    if _undefined(exc):
        return f"; {NOT_UPGRADED}"
    url = make_url(_loaded[0].resolved_database_url) if _loaded else None
    if said.startswith("unable to open database file") and url is not None and url.get_backend_name() == "sqlite" \
            and url.database and url.database != ":memory:" and not Path(url.database).exists() \
            and Path(url.database).parent.is_dir():
        return f"; chưa có tệp cơ sở dữ liệu {url.database}: chạy `tthc db upgrade` để tạo"
    return ""


def duration_problem(value: float, unit: str) -> str | None:
    """Why a duration typed on the command line cannot be counted (not finite, negative, beyond ten years; a
    fraction of a calendar day, D13: such a deadline ends at the same clock time N days later)."""
    if unit == "calendar_day" and math.isfinite(value) and value != int(value):
        return f"{OPTIONS[unit]}: số ngày theo lịch phải là số nguyên, không phải {value:g}"
    if math.isfinite(value) and 0 <= value <= DURATION_LIMITS[unit]:
        return None
    return f"{OPTIONS[unit]}: thời hạn phải là số từ 0 đến {DURATION_LIMITS[unit]}, không phải {value:g}"


def server_options(settings: Settings) -> dict:
    """What the WSGI server of `tthc serve` (waitress) needs from the settings. Its own body limit, so that a body announced larger than
    max_request_bytes is refused at the headers instead of being read in full first (waitress refuses at
    ``>=``, hence the + 1). And the proxies in front (proxy_hops): waitress clears X-Forwarded-* headers from
    peers it does not trust before the application sees them, so without this every client behind a proxy
    would be the proxy's address for the login lockout and the lookup limit. The proxy's own address is not
    known here: like ProxyFix, the setting trusts the nearest hops of whatever connects, which is why the
    service must then be reachable only through the proxy (config/default.toml). X-Forwarded-Host stays
    untrusted."""
    options = {"max_request_body_size": settings.max_request_bytes + 1}
    if settings.proxy_hops:
        options.update(trusted_proxy="*", trusted_proxy_count=settings.proxy_hops,
                       trusted_proxy_headers={"x-forwarded-for", "x-forwarded-proto"})
    return options


def upgrade_database(settings: Settings, revision: str = "head") -> None:
    """Migrate the configured database (Alembic), after checking its URL and the data folder."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy.pool import NullPool

    from engine.core.settings import PROJECT_ROOT

    database_engine(settings, poolclass=NullPool).dispose()  # the URL and the data folder, checked
    cfg = Config()
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    cfg.set_main_option("sqlalchemy.url", settings.resolved_database_url.replace("%", "%%"))
    command.upgrade(cfg, revision)


class SchemaNotCurrent(EngineError):
    """The database is not at the revision of this code: nothing can be served on it (engine.web answers 503)."""

    status, code = 503, "database_not_upgraded"


@functools.cache
def script_revisions() -> tuple[str, frozenset[str]]:
    """The head of migrations/ and every revision it knows; read once per process (parsing the ~40 scripts costs
    more than the query that compares the database with them, and every create_app does that query)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from engine.core.settings import PROJECT_ROOT

    cfg = Config()
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    scripts = ScriptDirectory.from_config(cfg)
    return scripts.get_current_head(), frozenset(s.revision for s in scripts.walk_revisions())


def schema_problem(engine) -> str | None:
    """None when the database of ``engine`` is at the head revision; else the one line saying what to do. One
    query (alembic_version). A SQLite file that does not exist is not created (the web app's engine would)."""
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:") \
            and not url.query.get("uri") and not Path(url.database).exists():
        return f"chưa có tệp cơ sở dữ liệu {url.database}: chạy `tthc db upgrade` để tạo"
    try:
        with engine.connect() as connection:
            found = {row[0] for row in connection.exec_driver_sql("SELECT version_num FROM alembic_version")}
    except DBAPIError as exc:
        if not _undefined(exc):
            raise
        found = set()
    head, known = script_revisions()
    if found == {head}:
        return None
    unknown = sorted(found - known)
    if unknown:
        return (f"cơ sở dữ liệu ở phiên bản {', '.join(unknown)} mà phiên bản này của tthc không biết (một bản tthc "
                f"mới hơn đã nâng cấp nó): hãy chạy bản tthc mới hơn đó")
    return NOT_UPGRADED
