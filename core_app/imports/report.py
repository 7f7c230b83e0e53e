"""What an import did: counts, rejected rows, data-quality summary, and the rejected-rows CSV."""

import csv
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd

from core_app.config import LOCAL_TZ, get_settings

TOP_REASONS = 5
REPORT_COLUMNS = ("row", "field", "column", "value", "reason", "code")


@dataclass(frozen=True)
class RejectedRow:
    """One problem with one row; `row` is the line number as the user sees it (header = 1)."""

    row: int
    field: str
    column: str
    value: str
    reason: str
    code: str


@dataclass
class QualitySummary:
    """Completeness per column, validity and duplicates of one imported file."""

    completeness: dict[str, float] = field(default_factory=dict)
    valid_share: float = 0.0
    top_reasons: list[tuple[str, int]] = field(default_factory=list)
    duplicates_in_file: int = 0
    duplicates_in_database: int = 0


@dataclass
class ImportReport:
    """The outcome of `import_file`; `written` is False when strict mode refused the file."""

    kind: str
    path: Path
    rows_read: int = 0
    valid: int = 0
    rejected: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    written: bool = False
    partial: bool = False
    rejects: list[RejectedRow] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    created: dict[str, int] = field(default_factory=dict)
    quality: QualitySummary = field(default_factory=QualitySummary)
    report_path: Path | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True when every row was valid (strict success) or partial mode wrote the valid rows."""
        return self.written and (self.rejected == 0 or self.partial)


def completeness(frame: pd.DataFrame) -> dict[str, float]:
    """Share of non-empty cells per column."""
    if frame.empty:
        return dict.fromkeys(frame.columns, 0.0)
    return {str(k): round(float(v), 4) for k, v in frame.notna().mean().items()}


def top_reasons(rejects: list[RejectedRow]) -> list[tuple[str, int]]:
    """Most frequent `field: reason` pairs among the rejects."""
    return Counter(f"{r.field}: {r.reason}" for r in rejects).most_common(TOP_REASONS)


def write_rejects_csv(kind: str, source: Path, rejects: list[RejectedRow]) -> Path:
    """Write the rejected rows under data_dir/import_reports and return the file path."""
    folder = get_settings().data_dir / "import_reports"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(LOCAL_TZ).strftime("%Y%m%d-%H%M%S-%f")
    path = folder / f"{kind}-{source.stem}-{stamp}-rejects.csv"
    with path.open("w", newline="", encoding="utf-8-sig") as handle:  # BOM: Excel opens it as UTF-8
        writer = csv.DictWriter(handle, fieldnames=REPORT_COLUMNS)
        writer.writeheader()
        writer.writerows(asdict(r) for r in sorted(rejects, key=lambda r: (r.row, r.field)))
    return path
