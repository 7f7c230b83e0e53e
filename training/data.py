"""Reading a complaint history a user brings (CSV or Excel) into the dispatch model's input."""

import io
import logging
from pathlib import Path

import numpy as np
import pandas as pd

from models.dispatch import DispatchError
from models.dispatch.estimator import TEXT

log = logging.getLogger(__name__)

# GB18030 is a superset of GBK and GB2312, the encodings of most Chinese government exports.
ENCODINGS = ("utf-8-sig", "gb18030")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
TEXT_SEPARATOR = "。"


def read_table(path: Path) -> pd.DataFrame:
    """Read a CSV (UTF-8 or GBK/GB18030, detected) or an Excel sheet as strings; refuse empty files."""
    path = Path(path)
    if not path.is_file():
        raise DispatchError(f"{path}: no such file")
    if path.suffix.lower() in EXCEL_SUFFIXES:
        table = pd.read_excel(path, dtype=str, keep_default_na=False)
    else:
        table = pd.read_csv(
            io.StringIO(_decode(path)), dtype=str, keep_default_na=False, sep=_separator(path)
        )
    if table.empty:
        raise DispatchError(f"{path}: the file has no data rows")
    table.columns = [str(column).strip() for column in table.columns]
    return table


def _decode(path: Path) -> str:
    raw = path.read_bytes()
    for encoding in ENCODINGS:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding != ENCODINGS[0]:
            log.info("%s is not UTF-8; read it as %s", path, encoding)
        return text
    raise DispatchError(
        f"{path}: neither UTF-8 nor GBK/GB18030; convert it first, e.g. "
        f"`iconv -f <encoding> -t UTF-8 {path.name} > utf8.csv`, or save it from Excel as 'CSV UTF-8'"
    )


def _separator(path: Path) -> str:
    return "\t" if path.suffix.lower() in (".tsv", ".tab") else ","


def require_columns(table: pd.DataFrame, columns: list[str], role: str) -> None:
    """Refuse names that are not columns of the table, listing the ones it has."""
    unknown = [column for column in columns if column not in table.columns]
    if unknown:
        raise DispatchError(
            f"unknown {role} column(s) {', '.join(map(repr, unknown))}; "
            f"the file has: {', '.join(table.columns)}"
        )


def text_frame(table: pd.DataFrame, text_cols: list[str]) -> pd.DataFrame:
    """Return the model input: a `text` column joining the named columns (blank parts skipped)."""
    if not text_cols:
        raise DispatchError("name at least one text column (--text-col)")
    require_columns(table, text_cols, "text")
    parts = [table[column].fillna("").astype(str).str.strip().to_numpy(dtype=object) for column in text_cols]
    joined = parts[0]
    for part in parts[1:]:
        joined = np.where(joined == "", part, np.where(part == "", joined, joined + TEXT_SEPARATOR + part))
    return pd.DataFrame({TEXT: joined.astype(object)}, index=table.index)


def training_rows(
    table: pd.DataFrame, text_cols: list[str], label_col: str, extra_cols: list[str] = ()
) -> tuple[pd.DataFrame, pd.Series]:
    """Return (text plus EXTRA_COLS, labels) for rows with a text and a label; log how many were left out."""
    require_columns(table, [label_col], "label")
    require_columns(table, list(extra_cols), "feature")
    frame = text_frame(table, text_cols)
    labels = table[label_col].fillna("").astype(str).str.strip()
    usable = (frame[TEXT].str.strip() != "") & (labels != "")
    if not usable.any():
        raise DispatchError("no row has both a text and a label")
    if (~usable).any():
        log.warning("%d row(s) without text or label are left out of training", int((~usable).sum()))
    frame = pd.concat([frame, table[list(extra_cols)]], axis=1)
    return frame[usable].reset_index(drop=True), labels[usable].reset_index(drop=True)
