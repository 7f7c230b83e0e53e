"""The push decision as a pure function: recommendations and what is known of each subject in, one
decision per recommended (subject, matter) out. No database; the service reads the inputs and writes
the outcome.

Decisions, checked in this order:
- ``below_threshold``: score < threshold. Not stored (it would be most rows, every day).
- ``repeat``: the subject already has a push row of this matter generated within ``repeat_days``
  (sent, suppressed or anything else). Not stored. This is also what makes a second run on the same day
  write nothing new.
- ``capped``: the subject already had ``cap`` pushes sent (status sent, opened, converted or dismissed)
  with sent_at within ``cap_days``; of the remaining candidates the best-scored ones fill what is left of
  the cap. Not stored: the candidate comes back on a later run when the cap allows.
- ``opted_out``: the subject opted out. Stored as a suppressed push, so the decision is auditable.
- ``send``: stored and sent on its channel, released at the end of the quiet hours when decided inside them.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from core_app.config import LOCAL_TZ, Settings

SEND = "send"
OPTED_OUT = "opted_out"
BELOW_THRESHOLD = "below_threshold"
REPEAT = "repeat"
CAPPED = "capped"
DECISIONS = (SEND, OPTED_OUT, CAPPED, REPEAT, BELOW_THRESHOLD)
STORED = (SEND, OPTED_OUT)
DELIVERED = ("sent", "opened", "converted", "dismissed")  # statuses that count against the cap
SMS, APP = "sms", "app"

RECOMMENDATION_COLUMNS = ("subject", "rank", "matter_id", "score", "because_matter_id", "because")
PAST_COLUMNS = ("subject", "matter_id", "status", "generated_at", "sent_at")
SUBJECT_COLUMNS = ("subject", "opted_out", "channel", "has_phone", "quiet_start", "quiet_end")


def clock_minutes(value: str, name: str = "time") -> int:
    """Minutes after midnight of an "HH:MM" clock time; ValueError naming ``name`` otherwise."""
    parts = value.split(":") if isinstance(value, str) else []
    valid = len(parts) == 2 and all(len(p) == 2 and p.isdigit() for p in parts)
    if not valid or int(parts[0]) > 23 or int(parts[1]) > 59:
        raise ValueError(f"{name}: {value!r} is not a clock time HH:MM (00:00-23:59)")
    return int(parts[0]) * 60 + int(parts[1])


@dataclass(frozen=True)
class PushRules:
    """The thresholds of the decision (BUTLER_PUSH_* settings)."""

    threshold: float = 0.3
    cap: int = 2
    cap_days: int = 30
    repeat_days: int = 90
    quiet_start: str = "21:00"
    quiet_end: str = "08:00"

    def __post_init__(self) -> None:
        clock_minutes(self.quiet_start, "BUTLER_PUSH_QUIET_START")
        clock_minutes(self.quiet_end, "BUTLER_PUSH_QUIET_END")

    @classmethod
    def from_settings(cls, settings: Settings) -> "PushRules":
        """The rules of the BUTLER_PUSH_* settings."""
        return cls(
            threshold=settings.push_score_threshold,
            cap=settings.push_cap,
            cap_days=settings.push_cap_days,
            repeat_days=settings.push_repeat_days,
            quiet_start=settings.push_quiet_start,
            quiet_end=settings.push_quiet_end,
        )


def decide(
    recommendations: pd.DataFrame,
    past: pd.DataFrame,
    subjects: pd.DataFrame,
    rules: PushRules,
    now: datetime,
) -> pd.DataFrame:
    """One row per recommended (subject, matter) with its decision, channel and release time.

    ``past``: the subjects' earlier pushes (PAST_COLUMNS, times tz-aware); ``subjects``: preferences and
    contact (SUBJECT_COLUMNS); a subject missing there has no preference and no phone.
    """
    frame = _best_per_matter(recommendations)
    frame = frame.merge(_with_defaults(subjects), on="subject", how="left", validate="many_to_one")
    frame["opted_out"] = frame["opted_out"].fillna(False).astype(bool)
    frame["has_phone"] = frame["has_phone"].fillna(False).astype(bool)
    decision = pd.Series(pd.NA, index=frame.index, dtype="object")
    decision[frame["score"] < rules.threshold] = BELOW_THRESHOLD
    decision[decision.isna() & _offered_recently(frame, past, rules, now)] = REPEAT
    decision[decision.isna() & ~_within_cap(frame, decision.isna(), past, rules, now)] = CAPPED
    decision[decision.isna() & frame["opted_out"]] = OPTED_OUT
    decision[decision.isna()] = SEND
    frame["decision"] = decision.astype(str)
    frame["channel"] = choose_channel(frame).where(frame["decision"].isin(STORED), None)
    frame["release_at"] = release_times(frame, rules, now).where(frame["decision"] == SEND)
    return frame[[*RECOMMENDATION_COLUMNS, "decision", "channel", "release_at"]].reset_index(drop=True)


def _best_per_matter(recommendations: pd.DataFrame) -> pd.DataFrame:
    """The recommendations, one per (subject, matter), best first within each subject."""
    frame = recommendations.loc[:, list(RECOMMENDATION_COLUMNS)].copy()
    frame["score"] = frame["score"].astype(float)
    frame["matter_id"] = frame["matter_id"].astype("int64")
    frame["because_matter_id"] = frame["because_matter_id"].astype("Int64")
    frame = frame.sort_values(["subject", "score", "rank"], ascending=[True, False, True], kind="stable")
    return frame.drop_duplicates(["subject", "matter_id"]).reset_index(drop=True)


def _with_defaults(subjects: pd.DataFrame) -> pd.DataFrame:
    frame = subjects.loc[:, list(SUBJECT_COLUMNS)].drop_duplicates("subject")
    return frame.astype({"channel": "object", "quiet_start": "object", "quiet_end": "object"})


def _offered_recently(frame: pd.DataFrame, past: pd.DataFrame, rules: PushRules, now: datetime) -> pd.Series:
    """Rows whose (subject, matter) already has a push generated within repeat_days."""
    since = pd.Timestamp(now - timedelta(days=rules.repeat_days))
    recent = past.loc[_utc(past["generated_at"]) >= since, ["subject", "matter_id"]].drop_duplicates()
    recent = recent.astype({"matter_id": "int64"}).assign(_recent=True)
    flagged = frame[["subject", "matter_id"]].merge(recent, on=["subject", "matter_id"], how="left")
    return pd.Series(flagged["_recent"].fillna(False).astype(bool).to_numpy(), index=frame.index)


def _within_cap(
    frame: pd.DataFrame, open_rows: pd.Series, past: pd.DataFrame, rules: PushRules, now: datetime
) -> pd.Series:
    """True for the undecided rows that fit in what is left of each subject's cap (best score first)."""
    since = pd.Timestamp(now - timedelta(days=rules.cap_days))
    delivered = past["status"].astype(str).isin(DELIVERED) & (_utc(past["sent_at"]) >= since)
    used = past.loc[delivered].groupby("subject").size()
    left = (rules.cap - frame["subject"].map(used).fillna(0)).clip(lower=0)
    position = frame.loc[open_rows].groupby("subject").cumcount()  # frame is sorted best-first per subject
    fits = position.reindex(frame.index) < left
    return fits | ~open_rows


def _utc(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, utc=True)


def choose_channel(frame: pd.DataFrame) -> pd.Series:
    """The subject's preferred channel; else SMS when they have a phone; else the app (personal space).

    A preference for SMS without a phone on record falls back to the app.
    """
    preferred = frame["channel"].astype("object")
    sms_possible = frame["has_phone"].astype(bool)
    wants_app = preferred == APP
    chosen = np.where(wants_app | ~sms_possible, APP, SMS)
    return pd.Series(chosen, index=frame.index, dtype="object")


def release_times(frame: pd.DataFrame, rules: PushRules, now: datetime) -> pd.Series:
    """When each row's message may go out: now, or the end of the subject's quiet hours when now is
    inside them. Quiet hours "21:00"-"08:00" cross midnight; equal start and end mean none."""
    own = frame["quiet_start"].notna() & frame["quiet_end"].notna()
    start = _minutes(frame["quiet_start"].where(own, rules.quiet_start))
    end = _minutes(frame["quiet_end"].where(own, rules.quiet_end))
    local = now.astimezone(LOCAL_TZ)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    t = (local - midnight).total_seconds() / 60
    same_day = (start < end) & (t >= start) & (t < end)
    crossing = start > end
    evening = crossing & (t >= start)  # inside, before midnight: released tomorrow morning
    quiet = same_day | evening | (crossing & (t < end))
    release_minutes = end + np.where(evening, 24 * 60, 0)
    released = pd.Timestamp(midnight) + pd.to_timedelta(release_minutes, unit="min")
    return released.where(quiet, pd.Timestamp(local))


def _minutes(values: pd.Series) -> pd.Series:
    return values.map(clock_minutes).astype("int64")
