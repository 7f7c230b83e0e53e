"""Set-based reads: resolve all codes of one reference type with one query (chunked for huge files)."""

from collections.abc import Hashable, Iterable, Sequence
from typing import Any

import pandas as pd
from sqlalchemy import Column, Connection, Row, select, tuple_

CHUNK = 2000  # well under SQLite's and PostgreSQL's bound-parameter limits


def _chunks(values: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def distinct_values(*series: pd.Series) -> list[Any]:
    """Non-empty distinct values across columns, ready for an IN list."""
    values: set[Any] = set()
    for s in series:
        values.update(s.dropna().tolist())
    return sorted(values, key=str)


def rows_by(conn: Connection, key: Column, values: Sequence[Hashable], *columns: Column) -> dict[Any, Row]:
    """Fetch `columns` of the rows whose `key` is in `values`, keyed by that value."""
    found: dict[Any, Row] = {}
    for chunk in _chunks(list(values)):
        for row in conn.execute(select(key, *columns).where(key.in_(chunk))):
            found[row[0]] = row
    return found


def ids_by(conn: Connection, key: Column, values: Sequence[Hashable]) -> dict[Any, int]:
    """Map each known value of `key` to its row id."""
    id_column = key.table.c.id
    return {value: row.id for value, row in rows_by(conn, key, values, id_column).items()}


def rows_by_pairs(
    conn: Connection, keys: Sequence[Column], values: Sequence[tuple], *columns: Column
) -> dict[tuple, Row]:
    """Like `rows_by` for a composite key."""
    found: dict[tuple, Row] = {}
    for chunk in _chunks(list(values)):
        statement = select(*keys, *columns).where(tuple_(*keys).in_(chunk))
        for row in conn.execute(statement):
            found[tuple(row[: len(keys)])] = row
    return found


def map_values(series: pd.Series, mapping: dict[Any, Any]) -> pd.Series:
    """Map a column through a dict, keeping Python objects; missing -> None."""
    mapped = series.map(pd.Series(mapping, dtype=object)) if mapping else pd.Series(None, index=series.index)
    return mapped.astype(object).where(mapped.notna(), None)


def unknown(codes: pd.Series, resolved: pd.Series) -> pd.Series:
    """Rows that name a reference which does not exist."""
    return codes.notna() & resolved.isna()
