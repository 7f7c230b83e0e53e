"""The shared shapes of the portraits: input frames with known columns, the output frame, percentiles."""

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

PORTRAIT_COLUMNS = ("subject_id", "features", "tags", "score")
DECIMALS = 4


def frame_of(columns: Sequence[str], frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """The given frame (only the named columns), or an empty one with them."""
    if frame is None:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in columns})
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"records lack the columns {missing}")
    return frame[list(columns)]


def per_subject(ids: pd.Index, frame: pd.DataFrame, columns: Iterable[str], *, key: str = "subject_id"):
    """The frame's columns aligned on ``ids`` (one row per subject), missing subjects as 0."""
    indexed = frame.groupby(key)[list(columns)].sum(min_count=1) if len(frame) else None
    aligned = pd.DataFrame(index=ids) if indexed is None else indexed.reindex(ids)
    for column in columns:
        if column not in aligned:
            aligned[column] = np.nan
    return aligned[list(columns)].fillna(0)


def ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """numerator / denominator, NaN where the denominator is 0 (DOMAIN §4.0: divisor 0 -> null)."""
    denominator = denominator.astype(float)
    return numerator.astype(float) / denominator.where(denominator > 0)


def percentile_within(values: pd.Series, groups: pd.Series, *, higher_is_better: bool) -> pd.Series:
    """Each value's place among its group's values, 0 (worst) to 1 (best); NaN values are not ranked.

    percentile = (rank - 1) / (n - 1) with the average rank for ties, so the best of a group is 1, the
    worst 0 and a tie for everything 0.5; a group of one gets 0.5 (no peer to be better or worse than).
    """
    ranked = values.where(values.notna())
    ranks = ranked.groupby(groups).rank(method="average", ascending=higher_is_better)
    sizes = ranked.groupby(groups).transform("count")
    spread = (ranks - 1) / (sizes - 1).where(sizes > 1)
    return spread.where(sizes > 1, 0.5).where(ranked.notna())


def weighted_score(parts: pd.DataFrame, weights: Mapping[str, float]) -> pd.Series:
    """100 x the weighted mean of the available parts (each 0-1); weights of missing parts are shared
    out among the others; no part at all -> NaN."""
    values = parts[list(weights)].astype(float)
    weight = pd.DataFrame({name: np.where(values[name].notna(), w, 0.0) for name, w in weights.items()})
    weight.index = values.index
    total = weight.sum(axis=1)
    score = (values.fillna(0) * weight).sum(axis=1) / total.where(total > 0)
    return (100 * score).round(1)


def tag_lists(flags: pd.DataFrame) -> list[list[str]]:
    """One list per row of the column names whose flag is true, in column order."""
    names = np.array(flags.columns, dtype=object)
    matrix = flags.fillna(False).to_numpy(dtype=bool)
    return [names[row].tolist() for row in matrix]


def feature_dicts(scalars: pd.DataFrame, nested: Mapping[str, Sequence]) -> list[dict]:
    """One JSON-ready dict per row: scalar columns (floats rounded, NaN as None) then the nested values."""
    rounded = scalars.copy()
    for column in rounded.columns:
        if rounded[column].dtype.kind == "f":
            rounded[column] = rounded[column].round(DECIMALS)
    records = rounded.astype(object).where(rounded.notna(), None).to_dict("records")
    for name, values in nested.items():
        for record, value in zip(records, values, strict=True):
            record[name] = value
    return records


def portraits(ids: pd.Index, scalars: pd.DataFrame, nested: Mapping[str, Sequence], flags, score):
    """The output frame: subject_id, features (dict), tags (list[str]), score (0-100 or None)."""
    return pd.DataFrame(
        {
            "subject_id": np.asarray(ids, dtype="int64"),
            "features": feature_dicts(scalars, nested),
            "tags": tag_lists(flags),
            "score": score.astype(object).where(score.notna(), None).to_numpy(),
        }
    )


def top_items(
    frame: pd.DataFrame, ids: pd.Index, *, item: str, count: str, names: Mapping[int, str], limit: int
) -> list[list[dict]]:
    """Per subject, its ``limit`` items with the largest ``count`` (ties: smaller id first) as
    ``[{"<item>": id, "name": ..., "<count>": n}]``."""
    ordered = frame[frame[count] > 0].sort_values(
        ["subject_id", count, item], ascending=[True, False, True], kind="stable"
    )
    top = ordered.groupby("subject_id", sort=False).head(limit)
    if top.empty:
        return [[] for _ in range(len(ids))]
    subjects = top["subject_id"].to_numpy()
    entries = [
        {item: int(i), "name": names.get(int(i)), count: int(n)}
        for i, n in zip(top[item].to_numpy(), top[count].to_numpy(), strict=True)
    ]
    # Rows are sorted by subject: each subject's entries are one slice.
    starts = (
        np.flatnonzero(np.r_[True, subjects[1:] != subjects[:-1]]) if len(subjects) else np.array([], int)
    )
    ends = np.r_[starts[1:], len(subjects)]
    by_subject = {int(subjects[a]): entries[a:b] for a, b in zip(starts, ends, strict=True)}
    return [by_subject.get(int(i), []) for i in ids]
