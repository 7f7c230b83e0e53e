"""The time split: what was known at a cutoff, and what the subject started in the days after it.

Everything a recommender reads at a cutoff goes through `as_of`: cases submitted before the cutoff, with
their outcome (completion time, granted) only when it was known before the cutoff. Labels are the matters a
subject started in [cutoff, cutoff + horizon).
"""

from datetime import date, datetime

import numpy as np
import pandas as pd

from core_app.config import LOCAL_TZ

DAY = pd.Timedelta(days=1)
HISTORY_COLUMNS = (
    "subject",
    "subject_type",
    "matter_id",
    "channel",
    "submitted_at",
    "completed_at",
    "granted",
)


class RecommendError(ValueError):
    """Input a recommender cannot learn from or answer; the message says what to change."""


def local_time(value: datetime | date | str | pd.Timestamp | np.datetime64) -> pd.Timestamp:
    """Return VALUE as a local (Asia/Shanghai) naive timestamp, the histories' form; aware times converted."""
    stamp = pd.Timestamp(value)
    if stamp is pd.NaT:
        raise RecommendError(f"not a time: {value!r}")
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert(LOCAL_TZ).tz_localize(None)
    return stamp


def history_frame(histories: pd.DataFrame) -> pd.DataFrame:
    """Return the histories with the columns a recommender reads, typed; raise naming missing columns."""
    missing = [column for column in HISTORY_COLUMNS if column not in histories.columns]
    if missing:
        raise RecommendError(f"histories lack the columns {', '.join(missing)}")
    frame = histories.loc[:, list(HISTORY_COLUMNS)].copy()
    frame["subject"] = frame["subject"].astype(str)
    frame["subject_type"] = frame["subject_type"].astype(str)
    frame["matter_id"] = frame["matter_id"].astype("int64")
    frame["channel"] = frame["channel"].astype(str)
    frame["submitted_at"] = pd.to_datetime(frame["submitted_at"]).astype("datetime64[s]")
    frame["completed_at"] = pd.to_datetime(frame["completed_at"]).astype("datetime64[s]")
    frame["granted"] = frame["granted"].fillna(False).astype(bool)
    return frame


def as_of(histories: pd.DataFrame, cutoff: pd.Timestamp) -> pd.DataFrame:
    """Return the histories as they stood at CUTOFF: earlier cases only, outcomes known before it."""
    seen = histories[histories["submitted_at"] < cutoff].copy()
    unknown = ~(seen["completed_at"] < cutoff)  # NaT compares False: still open
    seen.loc[unknown, "completed_at"] = pd.NaT
    seen.loc[unknown, "granted"] = False
    return seen


def open_matters(seen: pd.DataFrame) -> pd.DataFrame:
    """Return (subject, matter_id) of the cases still open in SEEN (an `as_of` view)."""
    return seen.loc[seen["completed_at"].isna(), ["subject", "matter_id"]].drop_duplicates()


def started_between(histories: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """Return the distinct (subject, matter_id) with a case submitted in [START, END)."""
    inside = (histories["submitted_at"] >= start) & (histories["submitted_at"] < end)
    return histories.loc[inside, ["subject", "matter_id"]].drop_duplicates().reset_index(drop=True)


def relevant_matters(histories: pd.DataFrame, cutoff: pd.Timestamp, horizon_days: int) -> pd.DataFrame:
    """Return the labels at CUTOFF: [subject, matter_id, new] for the matters started in the horizon.

    Only subjects with a case before the cutoff count (a recommender needs a history to start from);
    ``new`` marks matters the subject had never done before the cutoff.
    """
    labels = started_between(histories, cutoff, cutoff + horizon_days * DAY)
    before = histories.loc[histories["submitted_at"] < cutoff, ["subject", "matter_id"]].drop_duplicates()
    labels = labels[labels["subject"].isin(before["subject"])]
    done = pd.MultiIndex.from_frame(before)
    labels["new"] = ~pd.MultiIndex.from_frame(labels[["subject", "matter_id"]]).isin(done)
    return labels.reset_index(drop=True)


def history_end(histories: pd.DataFrame) -> pd.Timestamp:
    """Return the start of the day after the last submission: the 'now' of a history."""
    if histories.empty:
        raise RecommendError("the histories are empty")
    return pd.Timestamp(histories["submitted_at"].max()).normalize() + DAY


def training_cutoffs(
    now: pd.Timestamp, *, horizon_days: int, count: int, step_days: int
) -> list[pd.Timestamp]:
    """Return the validation cutoff (now - horizon) then COUNT training cutoffs, newest first.

    Training labels end where the validation labels begin (the newest training cutoff is now - 2 horizons),
    so the validation cutoff judges a model on days none of its training labels saw.
    """
    validation = now - horizon_days * DAY
    newest = validation - horizon_days * DAY
    return [validation, *[newest - j * step_days * DAY for j in range(count)]]
