"""Read a CSV or XLSX file into a frame of raw text cells, keeping the row numbers the user sees."""

from pathlib import Path

import pandas as pd

from core_app.imports.errors import ImportInputError

CSV_ENCODINGS = ("utf-8-sig", "gb18030")  # Chinese Excel saves "CSV" as GB18030 unless told otherwise
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
FIRST_DATA_ROW = 2  # header is row 1 in both Excel and a text editor


def read_table(path: Path) -> pd.DataFrame:
    """Return the file's cells as stripped text (None when empty), indexed by file row number."""
    if not path.is_file():
        raise ImportInputError(f"file not found: {path}")
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        frame = _read_excel(path)
    elif suffix in {".csv", ".txt"}:
        frame = _read_csv(path)
    else:
        raise ImportInputError(f"unsupported file type {suffix or '(none)'}: use .csv or .xlsx")
    frame.columns = [str(c).strip() for c in frame.columns]
    frame.index = pd.RangeIndex(FIRST_DATA_ROW, FIRST_DATA_ROW + len(frame), name="row")
    frame = frame.apply(lambda col: col.str.strip()).astype(object)
    frame = frame.where(frame.notna() & frame.ne(""), None)
    return frame.dropna(how="all")


def _read_csv(path: Path) -> pd.DataFrame:
    for encoding in CSV_ENCODINGS:
        try:
            return pd.read_csv(
                path, dtype=str, keep_default_na=False, skip_blank_lines=False, encoding=encoding
            )
        except UnicodeDecodeError:
            continue
        except (pd.errors.ParserError, pd.errors.EmptyDataError, OSError) as exc:
            raise ImportInputError(f"cannot read {path.name} as CSV: {exc}") from None
    raise ImportInputError(f"cannot read {path.name}: not UTF-8 or GB18030 text")


def _read_excel(path: Path) -> pd.DataFrame:
    try:
        # dtype=str: Excel datetimes arrive as "2026-03-01 09:30:00", long numbers keep their digits.
        return pd.read_excel(path, dtype=str, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many types for a broken or foreign file
        raise ImportInputError(f"cannot read {path.name} as XLSX: {exc.__class__.__name__}: {exc}") from None
