"""A table as a download: CSV (UTF-8 with BOM, so Excel reads Chinese) or XLSX, with what it shows.

One form for every export: ``# name, value`` lines saying what the table shows, a blank line, the header,
the rows (XLSX: the rows on sheet ``data``, the lines on sheet ``filters``). Callers turn their values into
cells; this module only lays them out.
"""

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

from openpyxl import Workbook

BOM = "\ufeff"
Line = Sequence[Any]  # (name, value, ...): written as "# name", value, ...


def write_csv(
    out: TextIO, header: Sequence[Any], rows: Iterable[Sequence[Any]], lines: Iterable[Line] = ()
) -> int:
    """Write BOM, lines and a blank line (if any), header and rows to a text stream; the rows written."""
    writer = csv.writer(out, lineterminator="\r\n")
    out.write(BOM)
    lines = list(lines)
    for name, *values in lines:
        writer.writerow([f"# {name}", *values])
    if lines:
        writer.writerow([])
    writer.writerow(header)
    written = 0
    for row in rows:
        writer.writerow(row)
        written += 1
    return written


def csv_text(header: Sequence[Any], rows: Iterable[Sequence[Any]], lines: Iterable[Line] = ()) -> str:
    """The whole CSV file as text, BOM first."""
    buffer = io.StringIO()
    write_csv(buffer, header, rows, lines)
    return buffer.getvalue()


def xlsx_bytes(header: Sequence[Any], rows: Iterable[Sequence[Any]], lines: Iterable[Line] = ()) -> bytes:
    """The table on sheet ``data`` and the lines saying what it shows on sheet ``filters``."""
    book = Workbook()
    data = book.active
    data.title = "data"
    data.append(list(header))
    for row in rows:
        data.append(list(row))
    filters = book.create_sheet("filters")
    for line in lines:
        filters.append(list(line))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
