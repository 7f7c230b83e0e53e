"""Time arithmetic in SQL that differs between SQLite and PostgreSQL, in one place.

TZDateTime keeps UTC text on SQLite and timestamptz on PostgreSQL; these helpers give the same answers on
both: the local (Asia/Shanghai) date of a timestamp, and clock minutes between two timestamps.
"""

from datetime import date, datetime

from sqlalchemy import ColumnElement, Date, Float, cast, extract, func, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from core_app.config import LOCAL_TZ

LOCAL_OFFSET_HOURS = int(datetime(2000, 1, 1, tzinfo=LOCAL_TZ).utcoffset().total_seconds() // 3600)


def local_day(column: ColumnElement, dialect: str) -> ColumnElement:
    """The local calendar date of a timestamp column (China has kept UTC+8 without DST since 1991)."""
    if dialect == "sqlite":
        return func.date(column, f"{LOCAL_OFFSET_HOURS:+d} hours")
    return cast(func.timezone(literal(str(LOCAL_TZ)), column), Date)


def as_date(value) -> date:
    """A local day as either backend returns it (SQLite gives text)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def minutes_between(a: ColumnElement, b: ColumnElement, dialect: str) -> ColumnElement[float]:
    """Clock minutes from timestamp ``a`` to ``b`` in the dialect's own arithmetic (fractions kept)."""
    if dialect == "sqlite":
        return (func.julianday(b) - func.julianday(a)) * 1440.0
    return cast(extract("epoch", b - a), Float) / 60.0


class clock_minutes(FunctionElement):  # noqa: N801 - used like an SQL function
    """``minutes_between`` decided when the statement is compiled, so that declarations need no dialect."""

    type = Float()
    name = "clock_minutes"
    inherit_cache = True


@compiles(clock_minutes)
def _compile_clock_minutes(element: clock_minutes, compiler, **kw) -> str:
    a, b = list(element.clauses)
    return compiler.process(minutes_between(a, b, compiler.dialect.name), **kw)


class epoch_seconds(FunctionElement):  # noqa: N801 - used like an SQL function
    """Whole seconds since 1970-01-01 UTC of a timestamp column, for reading millions of stamps as numbers."""

    type = Float()
    name = "epoch_seconds"
    inherit_cache = True


@compiles(epoch_seconds)
def _compile_epoch_seconds(element: epoch_seconds, compiler, **kw) -> str:
    (column,) = list(element.clauses)
    if compiler.dialect.name == "sqlite":
        return compiler.process(cast(func.strftime("%s", column), Float), **kw)
    return compiler.process(cast(func.floor(extract("epoch", column)), Float), **kw)
