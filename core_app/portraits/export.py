"""Portraits and lifecycles as CSV: exactly the JSON rows, flattened, in the analytics export's form.

Laid out by core_app/api/tables.py (BOM, ``# name, value`` lines, a blank line, the header, the rows),
with a header of "中文 name" cells. A portrait's features become one column each; lists and dicts (top
matters, channel shares) stay compact JSON in their cell; tags are joined with ``;``.
"""

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from core_app.portraits import lifecycle
from features.portraits.labels import FEATURES, LABELS

PORTRAIT_BASE = ("subject_type", "subject_id", "label", "uscc", "score", "tags", "as_of", "computed_at")
PORTRAIT_BASE_LABELS = {
    "subject_type": "画像类型",
    "subject_id": "对象ID",
    "label": "名称",
    "uscc": "统一社会信用代码",
    "score": "评分",
    "tags": "标签",
    "as_of": "数据截至",
    "computed_at": "计算时间",
}
TAG_SEPARATOR = ";"


def portrait_columns(kind: str) -> list[str]:
    return [*PORTRAIT_BASE, *FEATURES[kind]]


def portrait_cells(row: Mapping[str, Any], kind: str) -> list[Any]:
    """One JSON row (as the API serialises it) as CSV cells in ``portrait_columns`` order."""
    features = row["features"]
    cells = [row[c] for c in PORTRAIT_BASE]
    cells[PORTRAIT_BASE.index("tags")] = TAG_SEPARATOR.join(row["tags"])
    cells += [features.get(name) for name in FEATURES[kind]]
    return [_cell(value) for value in cells]


def portrait_header(kind: str) -> list[str]:
    labels = {**PORTRAIT_BASE_LABELS, **LABELS}
    return [f"{labels.get(c, c)} {c}" for c in portrait_columns(kind)]


def lifecycle_header() -> list[str]:
    return [f"{lifecycle.LABELS[c]} {c}" for c in lifecycle.COLUMNS]


def lifecycle_cells(row: Mapping[str, Any]) -> list[Any]:
    return [_cell(row[c]) for c in lifecycle.COLUMNS]


def meta_lines(what: str, filters: Mapping[str, Any], generated_at: datetime) -> list[tuple[str, str]]:
    lines = [("table", what)]
    lines += [(name, _text(value)) for name, value in filters.items() if value not in (None, (), [])]
    lines.append(("generated_at", generated_at.isoformat(timespec="seconds")))
    return lines


def _text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return str(value)


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return value
