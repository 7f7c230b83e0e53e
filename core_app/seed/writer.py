"""Bulk writing of generated frames: COPY on PostgreSQL, batched executemany on SQLite.

Frames hold local (Asia/Shanghai) naive datetime64 values. PostgreSQL receives them as ISO text with
the +08:00 offset; SQLite receives naive UTC text in SQLAlchemy's own storage format, so that the
TZDateTime type reads them back exactly as rows inserted through the ORM.
"""

import csv
import io
import time
from collections.abc import Iterable

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Date, DateTime, Integer, Table, text

from core_app.db.registry import metadata

LOCAL_OFFSET = np.timedelta64(8, "h")  # China has kept UTC+8 without daylight saving since 1991
SQLITE_BATCH = 20_000


class TableWriter:
    """Write frames into one open transaction and count the rows per table."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.dialect = connection.dialect.name
        self.rows: dict[str, int] = {}
        self.seconds: dict[str, float] = {}
        if self.dialect == "postgresql":
            connection.exec_driver_sql("SET LOCAL TimeZone = 'Asia/Shanghai'")

    def write(self, table_name: str, frame: pd.DataFrame) -> None:
        """Insert the frame's columns (helper columns starting with ``_`` are skipped)."""
        if frame.empty:
            self.rows.setdefault(table_name, 0)
            return
        table = metadata.tables[table_name]
        columns = [c for c in frame.columns if not c.startswith("_")]
        unknown = set(columns) - set(table.columns.keys())
        if unknown:
            raise ValueError(f"{table_name} has no columns {sorted(unknown)}")
        began = time.perf_counter()
        prepared = _prepare(frame[columns], table, self.dialect)
        if self.dialect == "postgresql":
            self._copy(table_name, prepared)
        else:
            self._insert_many(table_name, prepared)
        self.rows[table_name] = self.rows.get(table_name, 0) + len(frame)
        self.seconds[table_name] = self.seconds.get(table_name, 0.0) + time.perf_counter() - began

    def _copy(self, table_name: str, frame: pd.DataFrame) -> None:
        buffer = io.StringIO()
        # Generated text never holds tabs, newlines or backslashes, so plain text format needs no escaping;
        # the quote character is one that never occurs, which keeps the csv module from quoting.
        frame.to_csv(
            buffer,
            sep="\t",
            header=False,
            index=False,
            na_rep="\\N",
            quoting=csv.QUOTE_NONE,
            quotechar="\x07",
            lineterminator="\n",
        )
        columns = ", ".join(frame.columns)
        cursor = self.connection.connection.driver_connection.cursor()
        with cursor.copy(f"COPY {table_name} ({columns}) FROM STDIN") as copy:
            copy.write(buffer.getvalue())

    def _insert_many(self, table_name: str, frame: pd.DataFrame) -> None:
        columns = ", ".join(frame.columns)
        marks = ", ".join("?" for _ in frame.columns)
        sql = f"INSERT INTO {table_name} ({columns}) VALUES ({marks})"
        values = frame.astype(object).where(frame.notna(), None).to_numpy().tolist()
        cursor = self.connection.connection.driver_connection.cursor()
        for start in range(0, len(values), SQLITE_BATCH):
            cursor.executemany(sql, values[start : start + SQLITE_BATCH])

    def reset_sequences(self, table_names: Iterable[str]) -> None:
        """Move PostgreSQL id sequences past the explicitly assigned ids."""
        if self.dialect != "postgresql":
            return
        for name in table_names:
            if "id" not in metadata.tables[name].columns or not metadata.tables[name].c.id.primary_key:
                continue
            sequence = f"pg_get_serial_sequence('{name}', 'id')"
            self.connection.execute(
                text(f"SELECT setval({sequence}, COALESCE(MAX(id), 0) + 1, false) FROM {name}")
            )


def _prepare(frame: pd.DataFrame, table: Table, dialect: str) -> pd.DataFrame:
    """Render timestamps and dates as text the backend stores faithfully; booleans as 0/1 on SQLite."""
    out = {}
    for name in frame.columns:
        column_type = table.c[name].type
        values = frame[name]
        if (
            isinstance(column_type, DateTime)
            or hasattr(column_type, "impl")
            and isinstance(column_type.impl, DateTime)
        ):
            out[name] = _timestamps(values, dialect)
        elif isinstance(column_type, Date):
            out[name] = _dates(values)
        elif isinstance(column_type, Integer) and values.dtype.kind in "fO":
            out[name] = values.astype("Int64")  # ids next to missing values arrive as floats
        elif values.dtype == bool and dialect == "sqlite":
            out[name] = values.astype(int)
        else:
            out[name] = values
    return pd.DataFrame(out)


def _timestamps(values: pd.Series, dialect: str) -> pd.Series:
    stamps = values.to_numpy(dtype="datetime64[us]")
    missing = np.isnat(stamps)
    if dialect == "postgresql":
        rendered = np.char.add(np.datetime_as_string(stamps, unit="s"), "+08:00")
    else:
        rendered = np.char.replace(np.datetime_as_string(stamps - LOCAL_OFFSET, unit="us"), "T", " ")
    result = rendered.astype(object)
    result[missing] = None
    return pd.Series(result, index=values.index)


def _dates(values: pd.Series) -> pd.Series:
    days = values.to_numpy(dtype="datetime64[D]")
    result = np.datetime_as_string(days, unit="D").astype(object)
    result[np.isnat(days)] = None
    return pd.Series(result, index=values.index)
