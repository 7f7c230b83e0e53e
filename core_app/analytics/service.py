"""Requests for an analysis: read and check the parameters, refresh the mart, compute, name the keys.

The HTTP route, the CLI and the cockpit all come through here, so the numbers on screen, in an export
and on the big screen are the same computation.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core_app.access.principal import Principal
from core_app.analytics.dimensions import DIMENSIONS
from core_app.analytics.engine import (
    Analysis,
    Query,
    Result,
    compute,
    listable,
    record_ids,
    record_source,
    roomy_sorts,
)
from core_app.analytics.facts import refresh_case_facts
from core_app.analytics.periods import Granularity, buckets, default_range
from core_app.analytics.registry import analyses
from core_app.config import LOCAL_TZ
from core_app.db.base import utcnow

RECORDS = "cases"  # by=cases lists the records behind one indicator
MAX_PAGE_SIZE = 500
MAX_EXPORT_RECORDS = 50_000


class AnalyticsInputError(ValueError):
    """A parameter that cannot be used, with the parameter's name."""

    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(f"{field_name}: {reason}")
        self.field = field_name
        self.reason = reason


@dataclass(frozen=True)
class Request:
    analysis: Analysis
    granularity: Granularity
    start: date
    end: date
    by: tuple[str, ...] = ()
    filters: Mapping[str, Any] = field(default_factory=dict)
    indicator: str | None = None  # for by=cases

    @property
    def wants_records(self) -> bool:
        return self.by == (RECORDS,)


def today() -> date:
    return datetime.now(LOCAL_TZ).date()


def find_analysis(name: str) -> Analysis:
    try:
        return analyses()[name]
    except KeyError:
        known = ", ".join(sorted(analyses()))
        raise AnalyticsInputError("analysis", f"unknown analysis {name!r}: choose one of {known}") from None


def parse_request(
    analysis: Analysis,
    *,
    granularity: str | None,
    start: str | None,
    end: str | None,
    by: str | None,
    filters: Mapping[str, str],
    indicator: str | None = None,
    as_of: date | None = None,
) -> Request:
    """Check every parameter against the analysis; raise AnalyticsInputError naming the first bad one."""
    grain = _granularity(granularity)
    first, last = _range(start, end, as_of or today())
    dimensions = tuple(d for d in (by or "").split(",") if d.strip())
    dimensions = tuple(d.strip() for d in dimensions)
    if dimensions == (RECORDS,):
        _check_indicator(analysis, indicator)
    else:
        for name in dimensions:
            _check_dimension(analysis, name, "by")
        if len(set(dimensions)) != len(dimensions):
            raise AnalyticsInputError("by", "a dimension is named twice")
    values = {name: _filter_value(analysis, name, raw) for name, raw in filters.items()}
    try:
        buckets(first, last, grain)
    except ValueError as error:
        raise AnalyticsInputError("granularity", str(error)) from None
    return Request(analysis, grain, first, last, dimensions, values, indicator)


def _granularity(value: str | None) -> Granularity:
    try:
        return Granularity(value or Granularity.MONTH)
    except ValueError:
        allowed = ", ".join(g.value for g in Granularity)
        raise AnalyticsInputError("granularity", f"{value!r} is not one of {allowed}") from None


def _range(start: str | None, end: str | None, today: date) -> tuple[date, date]:
    default_start, default_end = default_range(today)
    first = _date("from", start) if start else default_start
    last = _date("to", end) if end else default_end
    if last <= first:
        raise AnalyticsInputError(
            "to", "must be after from (to is exclusive: to=2026-11-01 ends with October)"
        )
    return first, last


def _date(name: str, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise AnalyticsInputError(name, f"{value!r} is not a date (YYYY-MM-DD)") from None


def _check_dimension(analysis: Analysis, name: str, field_name: str) -> None:
    if name not in analysis.dimensions:
        allowed = ", ".join(analysis.dimensions)
        raise AnalyticsInputError(field_name, f"{analysis.name} is not sliced by {name!r}: use {allowed}")


def _check_indicator(analysis: Analysis, indicator: str | None) -> None:
    names = [m.name for m in analysis.measures]
    if not indicator:
        raise AnalyticsInputError("indicator", "by=cases lists the records behind one indicator: name it")
    if indicator not in names:
        raise AnalyticsInputError("indicator", f"{analysis.name} has no indicator {indicator!r}")
    if not listable(analysis.measure(indicator), analysis):
        raise AnalyticsInputError("indicator", f"{indicator} is not counted over records that can be listed")


def _filter_value(analysis: Analysis, name: str, raw: str) -> Any:
    _check_dimension(analysis, name, name)
    dimension = DIMENSIONS[name]
    if dimension.key_type is int:
        try:
            value = int(raw)
        except ValueError:
            raise AnalyticsInputError(name, f"{raw!r} is not an id") from None
        if not 0 < value < 2**31:
            raise AnalyticsInputError(name, f"{raw!r} is out of range")
        return value
    if dimension.values and raw not in dimension.values:
        raise AnalyticsInputError(name, f"{raw!r} is not one of {', '.join(dimension.values)}")
    return raw


def fresh_mart(session: Session) -> None:
    """Bring the case mart up to date and commit, so that every figure counts the latest changes (and the
    statements run on other connections see them)."""
    refresh_case_facts(session)
    session.commit()


def run(session: Session, request: Request, principal: Principal | None) -> Result:
    """Refresh the mart with whatever changed, then compute the analysis; key names added."""
    fresh_mart(session)
    query = to_query(request)
    roomy_sorts(session)
    result = compute(session, query, principal, utcnow(), concurrent=True)
    result.frame = with_names(session, result.frame, request.by)
    return result


def to_query(request: Request) -> Query:
    periods = buckets(request.start, request.end, request.granularity)
    by = () if request.wants_records else request.by
    return Query(request.analysis, periods, by, dict(request.filters))


def with_names(session: Session, frame: pd.DataFrame, by: tuple[str, ...]) -> pd.DataFrame:
    """Add ``<dimension>_name`` after each key column."""
    for name in reversed(by):
        dimension = DIMENSIONS[name]
        keys = frame[name].dropna().unique().tolist()
        names = dimension.names(session, keys) if dimension.names else {}
        position = frame.columns.get_loc(name) + 1
        frame.insert(
            position,
            f"{name}_name",
            frame[name].map(lambda k, n=names: n.get(k, "—" if k is None else str(k))),
        )
    return frame


def records(
    session: Session, request: Request, principal: Principal | None, *, page: int, page_size: int
) -> tuple[list[dict[str, Any]], int]:
    """One page of the records behind the request's indicator, and how many there are."""
    fresh_mart(session)
    query = to_query(request)
    ids = record_ids(request.analysis, query, request.indicator, principal, utcnow()).subquery()
    total = session.scalar(select(func.count()).select_from(ids)) or 0
    source = record_source(request.analysis, request.indicator)
    page_ids = (
        select(ids.c.record_id)
        .order_by(ids.c.record_id.desc())
        .limit(page_size)
        .offset((page - 1) * page_size)
    )
    return source.records(session, page_ids), total


def json_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows with NaN as None and numpy scalars as Python values."""
    clean = frame.astype(object).where(frame.notna(), None)
    rows = clean.to_dict("records")
    for row in rows:
        for key, value in row.items():
            if isinstance(value, np.generic):
                row[key] = value.item()
    return rows
