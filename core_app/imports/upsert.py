"""Compare prepared rows with what the database holds, then upsert only the new and changed ones."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Row, Table
from sqlalchemy.dialects import postgresql, sqlite

from core_app.db.base import utcnow
from core_app.imports.lookups import rows_by_pairs

UPSERT_BATCH = 1000
BOOKKEEPING = frozenset({"id", "created_at", "updated_at"})
DIALECT_INSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


@dataclass
class WritePlan:
    """Rows split by what the database already holds."""

    to_insert: list[dict] = field(default_factory=list)
    to_update: list[dict] = field(default_factory=list)
    unchanged: int = 0


def fetch_existing(conn: Connection, table: Table, key: Sequence[str], keys: list[tuple]) -> dict[tuple, Row]:
    """The current rows for these natural keys, keyed by the key tuple."""
    key_columns = [table.c[k] for k in key]
    return rows_by_pairs(conn, key_columns, keys, *table.c)


def _fill_required(row: dict, current: Row | None, fallbacks: dict[str, Callable[[dict], Any]]) -> None:
    """An empty cell in a NOT NULL column keeps the stored value, or takes the column default on insert."""
    for column, fallback in fallbacks.items():
        if row.get(column) is None:
            row[column] = getattr(current, column) if current is not None else fallback(row)


def plan_writes(
    rows: list[dict],
    key: Sequence[str],
    existing: dict[tuple, Row],
    compared: Sequence[str],
    fallbacks: dict[str, Callable[[dict], Any]],
) -> WritePlan:
    """Classify rows as new, changed (in a `compared` column) or unchanged."""
    plan = WritePlan()
    for row in rows:
        current = existing.get(tuple(row[k] for k in key))
        _fill_required(row, current, fallbacks)
        if current is None:
            plan.to_insert.append(row)
        elif any(row[c] != getattr(current, c) for c in compared):
            plan.to_update.append(row)
        else:
            plan.unchanged += 1
    return plan


def required_fallbacks(
    table: Table, generators: dict[str, Callable[[dict], Any]]
) -> dict[str, Callable[[dict], Any]]:
    """For each NOT NULL column without a value: generator, else the column's scalar default."""
    fallbacks: dict[str, Callable[[dict], Any]] = {}
    for column in table.c:
        if column.nullable or column.name in BOOKKEEPING:
            continue
        if column.name in generators:
            fallbacks[column.name] = generators[column.name]
        elif column.default is not None and column.default.is_scalar:
            fallbacks[column.name] = lambda _row, value=column.default.arg: value
    return fallbacks


def upsert(
    conn: Connection, table: Table, key: Sequence[str], rows: list[dict], update_columns: Sequence[str]
) -> None:
    """INSERT ... ON CONFLICT (key) DO UPDATE the given columns, in batches."""
    if not rows:
        return
    make_insert = DIALECT_INSERTS.get(conn.dialect.name)
    if make_insert is None:
        raise NotImplementedError(f"upsert is implemented for sqlite and postgresql, not {conn.dialect.name}")
    now = utcnow()
    columns = sorted({c for row in rows for c in row} | {"created_at", "updated_at"})
    statement = make_insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=list(key),
        set_={c: statement.excluded[c] for c in (*update_columns, "updated_at")},
    )
    for start in range(0, len(rows), UPSERT_BATCH):
        batch = [
            {c: row.get(c) for c in columns} | {"created_at": now, "updated_at": now}
            for row in rows[start : start + UPSERT_BATCH]
        ]
        conn.execute(statement, batch)
