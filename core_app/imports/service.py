"""Import a CSV/XLSX file of matters, cases, events, reviews or tickets in one all-or-nothing transaction."""

from pathlib import Path
from time import perf_counter

import pandas as pd
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from core_app.imports.batch import Batch, reject_duplicate_keys, validate_rows
from core_app.imports.columns import plan_columns
from core_app.imports.errors import ImportWriteError
from core_app.imports.kinds import KindSpec, kind_spec
from core_app.imports.reading import read_table
from core_app.imports.report import ImportReport, completeness, top_reasons, write_rejects_csv
from core_app.imports.upsert import BOOKKEEPING, fetch_existing, plan_writes, required_fallbacks, upsert


def import_file(
    kind: str, path: Path, *, engine: Engine, mapping: dict[str, str] | None = None, partial: bool = False
) -> ImportReport:
    """Validate every row, then write the valid ones (strict: only if none failed) in one transaction."""
    started = perf_counter()
    spec = kind_spec(kind)
    path = Path(path)
    raw = read_table(path)
    columns = plan_columns(list(raw.columns), spec.model, mapping or {})
    raw = raw[list(columns.renames)].rename(columns=columns.renames)
    report = ImportReport(
        kind=str(kind), path=path, rows_read=len(raw), partial=partial, ignored_columns=columns.ignored
    )
    batch = validate_rows(raw, spec.model, columns.source_of)
    report.quality.duplicates_in_file = reject_duplicate_keys(batch, spec.model.KEY, spec.model.KEY_FIELD)
    try:
        with engine.begin() as conn:
            _check_and_write(conn, spec, batch, set(raw.columns), report)
    except SQLAlchemyError as exc:
        reason = getattr(exc, "orig", None) or exc
        raise ImportWriteError(f"the database refused the import, nothing was written: {reason}") from exc
    _summarise(report, batch, raw)
    report.seconds = round(perf_counter() - started, 3)
    return report


def _check_and_write(
    conn: Connection, spec: KindSpec, batch: Batch, present: set[str], report: ImportReport
) -> None:
    spec.resolve(conn, batch)
    valid = batch.valid_frame()
    keys = list(valid[list(spec.key)].itertuples(index=False, name=None))
    existing = fetch_existing(conn, spec.table, spec.key, keys)
    report.quality.duplicates_in_database = sum(key in existing for key in keys)
    if batch.rejects and not report.partial:
        return  # strict mode: one bad row keeps the whole file out
    if spec.create_parties:
        report.created = spec.create_parties(conn, valid)
    update_columns = spec.written_columns(present)
    fallbacks = required_fallbacks(spec.table, spec.generators)
    rows = _table_rows(valid, spec, keep=set(update_columns) | set(spec.key) | set(fallbacks))
    plan = plan_writes(rows, spec.key, existing, update_columns, fallbacks)
    upsert(conn, spec.table, spec.key, plan.to_insert + plan.to_update, update_columns)
    report.inserted, report.updated, report.unchanged = (
        len(plan.to_insert),
        len(plan.to_update),
        plan.unchanged,
    )
    report.written = True


def _table_rows(valid: pd.DataFrame, spec: KindSpec, keep: set[str]) -> list[dict]:
    """Rows as dicts of table columns; columns empty in every row are left to their defaults."""
    columns = [
        c
        for c in spec.table.c.keys()
        if c in valid.columns and c not in BOOKKEEPING and (c in keep or valid[c].notna().any())
    ]
    cells = valid[columns].astype(object).where(valid[columns].notna(), None)
    return [dict(zip(columns, values, strict=True)) for values in cells.itertuples(index=False, name=None)]


def _summarise(report: ImportReport, batch: Batch, raw: pd.DataFrame) -> None:
    report.rejects = sorted(batch.rejects, key=lambda r: (r.row, r.field))
    report.rejected = len(batch.rejected_rows())
    report.valid = report.rows_read - report.rejected
    report.quality.completeness = completeness(raw)
    report.quality.valid_share = round(report.valid / report.rows_read, 4) if report.rows_read else 0.0
    report.quality.top_reasons = top_reasons(report.rejects)
    if report.rejects:
        report.report_path = write_rejects_csv(report.kind, report.path, report.rejects)
