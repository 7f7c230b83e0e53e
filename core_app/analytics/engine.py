"""The indicator engine: measures declared once, counted in SQL per period and dimension, with 环比/同比.

An analysis is a list of measures over sources (a table or join with its dimension columns and data
scope). Four kinds of measure:

- ``Flow``: rows whose timestamp ``on`` falls in the period (and meet ``when``), counted or summed. One
  SQL statement per (source, ``on``) groups by the dimensions and the local day; the days are then
  summed into each period in pandas (a few thousand rows at most, never the records themselves).
- ``Level``: rows in a state at the period's end (e.g. open and overdue), one conditional count per
  period, clamped to now for a period still running.
- ``Ratio``: a derived figure, numerator / denominator of two other measures (rates, means).
- ``Sum``: a derived count, the sum of other measures (e.g. overdue = completed late + open late).
- ``Custom``: a measure whose SQL does not fit the above (union of intervals, percentiles); it returns
  its own per-period frame.

Every requested period also gets its previous period (环比) and last year's (同比): counts and means
change by the relative difference, rates (``Unit.RATE``) by the difference in points; a zero or missing
divisor gives None ("—").
"""

import enum
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import (
    ColumnElement,
    FromClause,
    Integer,
    Select,
    and_,
    case,
    column,
    func,
    literal,
    or_,
    select,
    text,
    union,
    values,
)
from sqlalchemy.orm import Session

from core_app.access.principal import Principal
from core_app.access.scope import ScopeRule
from core_app.analytics.periods import Period
from core_app.db.base import TZDateTime, utcnow
from core_app.db.sqltime import as_date, local_day

PERMISSION = "analytics:read"
LEVEL_PERIODS_PER_STATEMENT = 48
WORK_MEM = "64MB"  # per sort or hash of an analysis statement, on PostgreSQL
CONCURRENT_STATEMENTS = 4  # statements of one request run at once (PostgreSQL)


class Unit(enum.StrEnum):
    COUNT = "count"
    RATE = "rate"  # a share in [0, 1]; its change is shown in points
    MINUTES = "minutes"  # working minutes unless the label says otherwise
    DAYS = "days"  # working days
    NUMBER = "number"  # any other figure (per-subject averages, heat)


@dataclass(frozen=True)
class Dimension:
    """A way to slice an analysis: its display label and how its keys are named."""

    name: str
    label: str
    key_type: type = int  # int ids, or str codes (channel, matter type...)
    names: Callable[[Session, list[Any]], dict[Any, str]] | None = None
    values: tuple[str, ...] = ()  # the allowed codes of a str dimension (checked on input)


@dataclass(frozen=True, eq=False)
class Source:
    """Where rows come from: a table or join, its dimension columns, its data-scope rule."""

    name: str
    table: FromClause
    dimensions: Mapping[str, ColumnElement]
    scope: ScopeRule | None = None
    where: ColumnElement[bool] | None = None  # rows that never count (e.g. invalid reviews)
    record_id: ColumnElement | None = None  # the id listed when drilling to records
    records: Callable[[Session, Select], list[dict[str, Any]]] | None = None  # ids -> display rows


@dataclass(frozen=True, eq=False)
class Flow:
    name: str
    label: str
    source: Source
    on: ColumnElement
    when: ColumnElement[bool] | None = None
    value: ColumnElement | None = None  # summed; None counts rows
    unit: Unit = Unit.COUNT
    appraisal: bool = False  # ⇄: sent to the appraisal system
    help: str = ""


@dataclass(frozen=True, eq=False)
class Level:
    name: str
    label: str
    source: Source
    holds: Callable[[datetime], ColumnElement[bool]]  # true for the rows counted at this instant
    # Rows that may hold at some instant in [earliest, latest] (implied by ``holds``): an index can find them.
    among: Callable[[datetime, datetime], ColumnElement[bool]] | None = None
    unit: Unit = Unit.COUNT
    appraisal: bool = False
    help: str = ""


@dataclass(frozen=True, eq=False)
class Ratio:
    name: str
    label: str
    numerator: str
    denominator: str
    unit: Unit = Unit.RATE
    appraisal: bool = False
    help: str = ""
    scale: float = 1.0  # e.g. 1/450 to turn working minutes into working days


@dataclass(frozen=True)
class Context:
    """What a custom measure needs: the periods, the dimensions, the filters and the caller's scope."""

    periods: list[Period]
    by: tuple[str, ...]
    filters: Mapping[str, Any]
    principal: Principal | None
    now: datetime

    _shared: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def conditions(self, source: Source) -> list[ColumnElement[bool]]:
        """The filters and the data scope as conditions on ``source``."""
        return _conditions(source, self.filters, self.principal)

    def shared(self, key: str, make: Callable[[], Any]) -> Any:
        """``make()`` once per request: custom measures built on the same intermediate result share it."""
        with self._lock:  # measures may run at once on several connections: the second one waits
            if key not in self._shared:
                self._shared[key] = make()
            return self._shared[key]


@dataclass(frozen=True, eq=False)
class Custom:
    """A measure with its own SQL. ``compute`` returns columns ``*by, "period", "value"`` where
    ``period`` indexes ``context.periods``."""

    name: str
    label: str
    compute: Callable[[Session, Context], pd.DataFrame]
    unit: Unit = Unit.NUMBER
    appraisal: bool = False
    help: str = ""
    source: Source | None = None  # for drilling to records, if the measure has any


@dataclass(frozen=True, eq=False)
class Sum:
    """A derived figure: the sum of other measures, e.g. a flow and a level counted apart and together."""

    name: str
    label: str
    parts: tuple[str, ...]
    unit: Unit = Unit.COUNT
    appraisal: bool = False
    help: str = ""


Measure = Flow | Level | Ratio | Custom | Sum


@dataclass(frozen=True, eq=False)
class Analysis:
    name: str
    title: str
    section: str
    measures: tuple[Measure, ...]
    dimensions: tuple[str, ...]
    drill: tuple[str, ...] = ()  # the suggested drill path, coarse to fine
    compare: bool = True  # False where 环比/同比 mean nothing
    finish: Callable[[pd.DataFrame], pd.DataFrame] | None = None  # e.g. labels derived from the figures

    def __post_init__(self) -> None:
        names = [m.name for m in self.measures]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.name}: duplicate measure names")
        for measure in self.measures:
            if isinstance(measure, Ratio):
                for part in (measure.numerator, measure.denominator):
                    if part not in names:
                        raise ValueError(f"{self.name}.{measure.name}: unknown measure {part}")
            if isinstance(measure, Sum):
                earlier = names[: names.index(measure.name)]
                for part in measure.parts:
                    if part not in earlier:
                        raise ValueError(f"{self.name}.{measure.name}: {part} must be declared before")
            source = getattr(measure, "source", None)
            if source is not None:
                missing = [d for d in self.dimensions if d not in source.dimensions]
                if missing:
                    raise ValueError(f"{self.name}.{measure.name}: source {source.name} lacks {missing}")

    def measure(self, name: str) -> Measure:
        for measure in self.measures:
            if measure.name == name:
                return measure
        raise KeyError(name)


@dataclass(frozen=True)
class Query:
    analysis: Analysis
    periods: list[Period]
    by: tuple[str, ...] = ()
    filters: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class Result:
    """Rows per requested period and dimension key: key columns, names, then each measure with
    ``<name>_pop`` and ``<name>_yoy``."""

    query: Query
    frame: pd.DataFrame
    generated_at: datetime


# ---------------------------------------------------------------- SQL helpers


def _conditions(source: Source, filters: Mapping[str, Any], principal: Principal | None) -> list:
    conditions = [source.dimensions[name] == value for name, value in filters.items()]
    if source.where is not None:
        conditions.append(source.where)
    if principal is not None and source.scope is not None:
        conditions.append(source.scope.condition(principal, PERMISSION))
    return conditions


def merged_ranges(periods: Sequence[Period]) -> list[tuple[datetime, datetime]]:
    """The union of the periods as few disjoint instant ranges."""
    spans: list[list[date]] = []
    for period in sorted(periods):
        if spans and period.start <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], period.end)
        else:
            spans.append([period.start, period.end])
    return [
        (Period(a, b, periods[0].granularity).start_instant, Period(a, b, periods[0].granularity).end_instant)
        for a, b in spans
    ]


def periods_table(indexed: Iterable[tuple[int, Period]], name: str = "periods"):
    """Periods as rows (period index, start instant, end instant), a VALUES CTE: records join every period
    their stamp falls in, even where periods overlap (a long custom range and last year's)."""
    rows = [(index, p.start_instant, p.end_instant) for index, p in indexed]
    table = values(
        column("period", Integer), column("starts", TZDateTime()), column("ends", TZDateTime()), name=name
    ).data(rows)
    return table.cte(name)


def in_ranges(column: ColumnElement, ranges: list[tuple[datetime, datetime]]) -> ColumnElement[bool]:
    return or_(*(and_(column >= a, column < b) for a, b in ranges))


# ---------------------------------------------------------------- computing


def _flow_frame(
    session: Session, flows: list[Flow], query: Query, periods: list[Period], principal
) -> pd.DataFrame:
    """Flows sharing a source and timestamp: per dimension key and needed period."""
    source, on = flows[0].source, flows[0].on
    dialect = session.get_bind().dialect.name
    keys = [source.dimensions[d].label(d) for d in query.by]
    day = local_day(on, dialect).label("day")
    values = []
    for flow in flows:
        value = literal(1) if flow.value is None else flow.value
        if flow.when is None:
            values.append(func.sum(value).label(flow.name))
        else:
            values.append(func.sum(case((flow.when, value), else_=0)).label(flow.name))
    statement = (
        select(*keys, day, *values)
        .select_from(source.table)
        .where(in_ranges(on, merged_ranges(periods)), *_conditions(source, query.filters, principal))
        .group_by(*[source.dimensions[d] for d in query.by], day)
    )
    daily = pd.DataFrame(
        session.execute(statement).all(), columns=[*query.by, "day", *(f.name for f in flows)]
    )
    if daily.empty:
        return pd.DataFrame(columns=[*query.by, "period", *(f.name for f in flows)])
    daily["day"] = pd.to_datetime(daily["day"].map(as_date))
    return sum_into_periods(daily, list(query.by), [f.name for f in flows], periods)


def sum_into_periods(
    daily: pd.DataFrame, keys: list[str], columns: list[str], periods: Sequence[Period]
) -> pd.DataFrame:
    """Day rows (a ``day`` column of timestamps) summed into each period per key: ``*keys, period, *columns``.

    Periods may overlap (a custom range's previous period and last year's), so each is summed on its own.
    """
    parts = []
    for index, period in enumerate(periods):
        inside = daily[
            (daily["day"] >= pd.Timestamp(period.start)) & (daily["day"] < pd.Timestamp(period.end))
        ]
        if inside.empty:
            continue
        summed = (
            inside.groupby(keys, dropna=False)[columns].sum().reset_index()
            if keys
            else inside[columns].sum().to_frame().T
        )
        summed["period"] = index
        parts.append(summed)
    ordered = [*keys, "period", *columns]
    return pd.concat(parts, ignore_index=True)[ordered] if parts else pd.DataFrame(columns=ordered)


def _level_frame(
    session: Session, levels: list[Level], query: Query, periods: list[Period], principal, now: datetime
) -> pd.DataFrame:
    """Levels sharing a source: one conditional count per (measure, period end)."""
    source = levels[0].source
    keys = [source.dimensions[d].label(d) for d in query.by]
    frames = []
    for chunk_start in range(0, len(periods), LEVEL_PERIODS_PER_STATEMENT):
        chunk = list(enumerate(periods))[chunk_start : chunk_start + LEVEL_PERIODS_PER_STATEMENT]
        columns = []
        for level in levels:
            for index, period in chunk:
                at = min(period.end_instant, now)
                columns.append(func.sum(case((level.holds(at), 1), else_=0)).label(f"{level.name}__{index}"))
        statement = (
            select(*keys, *columns)
            .select_from(source.table)
            .where(*_conditions(source, query.filters, principal), *_among(levels, chunk, now))
            .group_by(*[source.dimensions[d] for d in query.by])
        )
        wide = pd.DataFrame(session.execute(statement).all(), columns=[*query.by, *(c.name for c in columns)])
        long = wide.melt(id_vars=list(query.by), var_name="measure_period", value_name="value")
        split = long["measure_period"].str.rsplit("__", n=1, expand=True)
        long["measure"], long["period"] = split[0], split[1].astype(int)
        frames.append(long.drop(columns="measure_period"))
    long = pd.concat(frames, ignore_index=True)
    wide = long.pivot_table(
        index=[*query.by, "period"], columns="measure", values="value", aggfunc="sum", dropna=False
    ).reset_index()
    wide.columns.name = None
    return wide


def _among(
    levels: list[Level], periods: list[tuple[int, Period]], now: datetime
) -> list[ColumnElement[bool]]:
    """The rows any of these levels can count at the periods' ends: the union of their ``among``, or all."""
    if any(level.among is None for level in levels):
        return []
    ends = [min(period.end_instant, now) for _, period in periods]
    return [or_(*(level.among(min(ends), max(ends)) for level in levels))]


def _custom_frame(session: Session, custom: Custom, context: Context) -> pd.DataFrame:
    frame = custom.compute(session, context)
    return frame.rename(columns={"value": custom.name})[[*context.by, "period", custom.name]]


def compute(
    session: Session,
    query: Query,
    principal: Principal | None = None,
    now: datetime | None = None,
    *,
    concurrent: bool = False,
) -> Result:
    """Every measure of the analysis for each requested period, with 环比 and 同比.

    ``concurrent`` runs the statements on separate PostgreSQL connections at once (they only read
    committed data, so the caller must have committed); SQLite always runs them one after another.
    """
    now = now or utcnow()
    analysis, by = query.analysis, list(query.by)
    requested = list(query.periods)
    previous = [p.previous() for p in requested]
    last_year = [p.last_year() for p in requested]
    needed = list(dict.fromkeys([*requested, *previous, *last_year])) if analysis.compare else requested
    position = {p: i for i, p in enumerate(needed)}
    context = Context(needed, query.by, query.filters, principal, now)

    tasks: list[Callable[[Session], pd.DataFrame]] = []
    flows: dict[tuple[int, str], list[Flow]] = {}
    levels: dict[int, list[Level]] = {}
    for measure in analysis.measures:
        if isinstance(measure, Flow):
            flows.setdefault((id(measure.source), str(measure.on)), []).append(measure)
        elif isinstance(measure, Level):
            levels.setdefault(id(measure.source), []).append(measure)
        elif isinstance(measure, Custom):
            tasks.append(partial(_custom_frame, custom=measure, context=context))
    tasks += [
        partial(_flow_frame, flows=g, query=query, periods=needed, principal=principal)
        for g in flows.values()
    ]
    tasks += [
        partial(_level_frame, levels=g, query=query, periods=needed, principal=principal, now=now)
        for g in levels.values()
    ]
    parts = _run_all(session, tasks, concurrent)

    base = _combine(parts, by)
    for measure in analysis.measures:
        if measure.name not in base:
            base[measure.name] = 0 if measure.unit == Unit.COUNT else np.nan
    base = _fill_counts(base, analysis)
    for measure in analysis.measures:  # derived measures in declaration order: a ratio may use a sum
        if isinstance(measure, Sum):
            base[measure.name] = sum((base[part] for part in measure.parts), start=0)
        elif isinstance(measure, Ratio):
            base[measure.name] = _divide(base[measure.numerator], base[measure.denominator]) * measure.scale

    frame = _with_changes(base, analysis, by, requested, previous, last_year, position)
    if analysis.finish is not None:
        frame = analysis.finish(frame)
    return Result(query=query, frame=frame, generated_at=now)


def roomy_sorts(session: Session) -> None:
    """Let this transaction sort and hash in memory (medians, distinct counts) instead of spilling to disk."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"SET LOCAL work_mem = '{WORK_MEM}'"))


def _run_all(session: Session, tasks: list[Callable[[Session], pd.DataFrame]], concurrent: bool) -> list:
    """Run each statement's task; on PostgreSQL, optionally several at once, each on its own connection."""
    bind = session.get_bind()
    if not concurrent or len(tasks) < 2 or bind.dialect.name != "postgresql":
        return [task(session) for task in tasks]

    def on_own_connection(task: Callable[[Session], pd.DataFrame]) -> pd.DataFrame:
        with Session(bind) as own:
            roomy_sorts(own)
            return task(own)

    with ThreadPoolExecutor(max_workers=min(len(tasks), CONCURRENT_STATEMENTS)) as pool:
        return list(pool.map(on_own_connection, tasks))


def _combine(parts: list[pd.DataFrame], by: list[str]) -> pd.DataFrame:
    keys = [*by, "period"]
    parts = [_numeric_keys(p, by) for p in parts if not p.empty]
    if not parts:
        return pd.DataFrame(columns=keys)
    merged = parts[0]
    for part in parts[1:]:
        merged = merged.merge(part, on=keys, how="outer")
    return merged


def _numeric_keys(part: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """A part ready to merge: id keys as nullable integers (an all-None key column is object), period int."""
    part = id_keys(part.copy(), by)
    part["period"] = part["period"].astype("int64")
    return part


def id_keys(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Key columns holding ids (or nothing at all), not codes, as nullable integers, in place."""
    for name in by:
        numbers = pd.to_numeric(frame[name], errors="coerce")
        if numbers.notna().sum() == frame[name].notna().sum():
            frame[name] = numbers.astype("Int64")
    return frame


def _fill_counts(base: pd.DataFrame, analysis: Analysis) -> pd.DataFrame:
    for measure in analysis.measures:
        if not isinstance(measure, Ratio | Custom | Sum) and measure.name in base:
            base[measure.name] = pd.to_numeric(base[measure.name]).fillna(0)
            if measure.unit == Unit.COUNT:
                base[measure.name] = base[measure.name].astype("int64")
    return base


def _divide(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    numerator = pd.to_numeric(numerator, errors="coerce").astype(float)
    denominator = pd.to_numeric(denominator, errors="coerce").astype(float)
    return (numerator / denominator.where(denominator != 0)).astype(float)


def change(current: Any, before: Any, unit: Unit) -> float | None:
    """环比/同比 of one figure: relative change, or the difference in points for a rate."""
    if current is None or before is None or pd.isna(current) or pd.isna(before):
        return None
    if unit == Unit.RATE:
        return float(current) - float(before)
    if float(before) == 0:
        return None
    return (float(current) - float(before)) / float(before)


def _with_changes(base, analysis, by, requested, previous, last_year, position) -> pd.DataFrame:
    records = base.to_dict("records")
    for record in records:  # a missing key (NaN) must match itself in the lookup: make it None
        for d in by:
            if _missing(record[d]):
                record[d] = None
    lookup = {(*(r[d] for d in by), r["period"]): r for r in records}
    rows = []
    for index, period in enumerate(requested):
        here = [r for r in records if r["period"] == position[period]]
        if not here and not by:
            here = [{"period": position[period]}]  # a total row, even for a period without any record
        for row in here:
            key = tuple(row[d] for d in by)
            out: dict[str, Any] = {
                "period": period.label,
                "period_from": period.start,
                "period_to": period.end,
            }
            out.update(zip(by, key, strict=True))
            before = lookup.get((*key, position.get(previous[index])))
            year_ago = lookup.get((*key, position.get(last_year[index])))
            for measure in analysis.measures:
                value = _clean(row.get(measure.name), measure.unit)
                out[measure.name] = value
                if analysis.compare:
                    for suffix, other in (("pop", before), ("yoy", year_ago)):
                        # No row at all then: a count was zero, a rate or mean undefined (see _clean).
                        earlier = _clean(None if other is None else other.get(measure.name), measure.unit)
                        out[f"{measure.name}_{suffix}"] = change(value, earlier, measure.unit)
            rows.append(out)
    columns = ["period", "period_from", "period_to", *by]
    for measure in analysis.measures:
        name = measure.name
        columns += [name, f"{name}_pop", f"{name}_yoy"] if analysis.compare else [name]
    return id_keys(pd.DataFrame(rows, columns=columns), by)


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))


def _clean(value: Any, unit: Unit) -> Any:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return 0 if unit == Unit.COUNT else None
    if unit == Unit.COUNT:
        return int(value)
    return float(value)


# ---------------------------------------------------------------- drilling to records


def listable(measure: Measure, analysis: "Analysis | None" = None) -> bool:
    """Whether the records behind this measure can be listed: a flow's or level's, a ratio's numerator's,
    a sum's parts' (all of them)."""
    if isinstance(measure, Ratio | Sum):
        if analysis is None:
            return False
        parts = [measure.numerator] if isinstance(measure, Ratio) else list(measure.parts)
        if not all(listable(analysis.measure(p), analysis) for p in parts):
            return False
        return len({id(record_source(analysis, p)) for p in parts}) == 1  # one kind of record to list
    if isinstance(measure, Custom):
        return False
    return measure.source.record_id is not None


def record_ids(
    analysis: Analysis, query: Query, indicator: str, principal: Principal | None, now: datetime
) -> Select:
    """The ids of the records behind ``indicator`` over the whole requested range."""
    measure = analysis.measure(indicator)
    if not listable(measure, analysis):
        raise ValueError(f"{indicator} is not counted over records that can be listed")
    if isinstance(measure, Ratio):
        return record_ids(analysis, query, measure.numerator, principal, now)
    if isinstance(measure, Sum):
        parts = [record_ids(analysis, query, part, principal, now) for part in measure.parts]
        return union(*parts) if len(parts) > 1 else parts[0]
    source = measure.source
    first, last = query.periods[0], query.periods[-1]
    statement = (
        select(source.record_id.label("record_id"))
        .select_from(source.table)
        .where(*_conditions(source, query.filters, principal))
    )
    if isinstance(measure, Level):
        return statement.where(
            *_among([measure], [(0, last)], now), measure.holds(min(last.end_instant, now))
        )
    statement = statement.where(measure.on >= first.start_instant, measure.on < last.end_instant)
    return statement if measure.when is None else statement.where(measure.when)


def record_source(analysis: Analysis, indicator: str) -> Source:
    """The source whose records stand behind an indicator (a sum's parts share one, see Analysis)."""
    measure = analysis.measure(indicator)
    if isinstance(measure, Ratio):
        return record_source(analysis, measure.numerator)
    if isinstance(measure, Sum):
        return record_source(analysis, measure.parts[0])
    return measure.source
