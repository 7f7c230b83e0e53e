"""An analysis table as CSV or XLSX: the same rows as the API, with the filters that produced them."""

from datetime import datetime
from typing import Any

import pandas as pd

from core_app.analytics.dimensions import DIMENSIONS
from core_app.analytics.service import Request, json_rows
from core_app.api import tables

CHANGE_LABELS = {"pop": "环比", "yoy": "同比"}
BASE_LABELS = {"period": "周期", "period_from": "开始", "period_to": "结束（不含）"}


def filter_lines(request: Request, generated_at: datetime) -> list[tuple[str, str]]:
    """What the table shows, as (name, value) pairs."""
    analysis = request.analysis
    lines = [
        ("analysis", f"{analysis.name} {analysis.title} (S1 §{analysis.section})"),
        ("granularity", request.granularity.value),
        ("from", request.start.isoformat()),
        ("to", request.end.isoformat()),
        ("by", ",".join(request.by) or "(total)"),
    ]
    lines += [(name, str(value)) for name, value in request.filters.items()]
    if request.indicator:
        lines.append(("indicator", request.indicator))
    lines.append(("generated_at", generated_at.isoformat(timespec="seconds")))
    return lines


def column_label(request: Request, column: str) -> str:
    """ "受理数 accepted_count": readable in Excel, and the machine name stays the last word."""
    if column in BASE_LABELS:
        return f"{BASE_LABELS[column]} {column}"
    for name in request.by:
        if column == name:
            return f"{DIMENSIONS[name].label}ID {column}"
        if column == f"{name}_name":
            return f"{DIMENSIONS[name].label} {column}"
    for measure in request.analysis.measures:
        if column == measure.name:
            return f"{measure.label} {column}"
        for suffix, label in CHANGE_LABELS.items():
            if column == f"{measure.name}_{suffix}":
                return f"{measure.label}{label} {column}"
    return column


def _cell(value: Any) -> Any:
    return "" if value is None else value


def to_csv(request: Request, frame: pd.DataFrame, generated_at: datetime) -> str:
    return tables.csv_text(*_table(request, frame), filter_lines(request, generated_at))


def to_xlsx(request: Request, frame: pd.DataFrame, generated_at: datetime) -> bytes:
    return tables.xlsx_bytes(*_table(request, frame), filter_lines(request, generated_at))


def _table(request: Request, frame: pd.DataFrame) -> tuple[list[str], list[list[Any]]]:
    header = [column_label(request, c) for c in frame.columns]
    return header, [[_cell(row[c]) for c in frame.columns] for row in json_rows(frame)]
