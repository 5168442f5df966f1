"""Vietnam-time expressions in SQL, for grouping and comparing by Vietnam day and month on SQLite and PostgreSQL.

Vietnam has kept UTC+7 without daylight saving since 1975, and times are stored in UTC (engine.data.db), so
the Vietnam day of an instant is the UTC day of the instant plus seven hours on both databases.
"""
from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class vn_day(FunctionElement):
    """The Vietnam calendar day of a stored instant, as text ``YYYY-MM-DD`` (sorts and compares as dates)."""

    type = String()
    inherit_cache = True
    name = "vn_day"


class vn_month(FunctionElement):
    """The Vietnam calendar month of a stored instant, as text ``YYYY-MM``."""

    type = String()
    inherit_cache = True
    name = "vn_month"


@compiles(vn_day, "sqlite")
def _day_sqlite(element, compiler, **kw):
    return "date(%s, '+7 hours')" % compiler.process(element.clauses, **kw)


@compiles(vn_month, "sqlite")
def _month_sqlite(element, compiler, **kw):
    return "strftime('%%Y-%%m', %s, '+7 hours')" % compiler.process(element.clauses, **kw)


@compiles(vn_day, "postgresql")
def _day_pg(element, compiler, **kw):
    return "to_char((%s) AT TIME ZONE 'UTC' + interval '7 hours', 'YYYY-MM-DD')" % compiler.process(
        element.clauses, **kw)


@compiles(vn_month, "postgresql")
def _month_pg(element, compiler, **kw):
    return "to_char((%s) AT TIME ZONE 'UTC' + interval '7 hours', 'YYYY-MM')" % compiler.process(
        element.clauses, **kw)
