"""Checks before a command works: what an operator can get wrong (database_url, calendar_file) is found at once
and told in one line that names the setting, instead of a traceback later (README, issue 11)."""
from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from engine.core.clock import VN_TZ
from engine.core.settings import Settings, SettingsError
from engine.data.db import make_engine
from engine.law import deadlines


def shown_url(url: str) -> str:
    """The database URL without its password, to print."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


def database_engine(settings: Settings, **kwargs):
    """The engine of database_url; a URL that names no usable database kind or driver is a SettingsError."""
    url = settings.resolved_database_url
    try:
        make_url(url).get_dialect().import_dbapi()
        return make_engine(url, **kwargs)
    except (ArgumentError, ImportError) as exc:
        raise SettingsError(f"setting database_url: {shown_url(url)!r} cannot be used: "
                            f"{str(exc).splitlines()[0]}") from None


def check_calendar(settings: Settings) -> None:
    """Read the working calendar now, so that a broken calendar_file stops the command at once instead of
    failing every dossier later (the worker used to sweep, fail each deadline and exit 0)."""
    try:
        deadlines.calendar_config(settings).calendar().due(datetime(2026, 1, 5, 9, tzinfo=VN_TZ), 1, "working_day")
    except OSError as exc:
        reason = exc.strerror or str(exc)
    except (ValueError, TypeError, KeyError, AttributeError, IndexError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    else:
        return
    raise SettingsError(f"setting calendar_file ({settings.calendar_file}): {reason}")


def database_error_line(exc: DBAPIError, settings: Settings | None) -> str:
    """One line for a database that cannot be used (unreachable, missing, damaged): the driver's first line
    and the database_url it came from (without its password)."""
    reason = (str(exc.orig) if exc.orig is not None else str(exc)).strip().splitlines() or [type(exc).__name__]
    url = shown_url(settings.resolved_database_url) if settings is not None else "?"
    return f"lỗi cơ sở dữ liệu (setting database_url = {url}): {reason[0]}"
