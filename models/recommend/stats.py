"""What the history before a cutoff says about matters: rules, popularity, segment popularity, repeats.

`history_stats` computes them from an `as_of` view; a fitted recommender keeps the ones of its training
history (as plain arrays, so that skops saves them) and reads them again when it recommends.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from features.association.rules import association_rules
from models.recommend.split import DAY

ONLINE_CHANNELS = ("pc_web", "mobile_app")
SEGMENT_SMOOTHING = 20.0  # pseudo-subjects pulling a small segment's shares towards its applicant type's
SHORT_DAYS = 30
AGE_BANDS = (0, 18, 30, 45, 60, 200)
SIZE_BANDS = (0, 10, 50, 300, 10**9)
FIRM_AGE_BANDS = (-100, 1, 3, 10, 1000)
STAT_FRAMES = ("rules", "popularity", "segments", "segment_sizes", "affinity", "matters")
# Profile attributes whose link to each matter is learned (per applicant type); bins are fine on purpose.
ATTRIBUTES = {"citizen": ("age", "gender"), "enterprise": ("section", "firm_age", "size")}
FIRM_AGE_BINS = (0, 0.25, 1, 2, 3, 5, 10, 1000)  # years since founding
AFFINITY_SMOOTHING = 10.0  # pseudo-subjects pulling a rare matter's attribute mix towards everyone's


@dataclass
class HistoryStats:
    """Matter statistics of the history before ``as_of`` (see `history_stats`)."""

    as_of: pd.Timestamp
    rules: pd.DataFrame  # antecedent, consequent, confidence, lift, directional, a_before_b, gap, result_use
    popularity: pd.DataFrame  # subject_type, matter_id, share_recent, share_short, share_all, trend
    segments: pd.DataFrame  # segment, matter_id, segment_share, segment_lift
    segment_sizes: pd.DataFrame  # segment, subjects
    affinity: pd.DataFrame  # attribute, value, matter_id, lift
    matters: pd.DataFrame  # matter_id, repeat_share, repeat_gap_days, online_capable, mobile_capable, active
    special_groups: list[str]

    def to_state(self) -> dict:
        """Return the statistics as dicts of numpy arrays and strings (what skops saves safely)."""
        state: dict = {"as_of": self.as_of.isoformat(), "special_groups": list(self.special_groups)}
        for name in STAT_FRAMES:
            frame = getattr(self, name)
            state[name] = {column: _array(frame[column]) for column in frame.columns}
        return state

    @classmethod
    def from_state(cls, state: dict) -> "HistoryStats":
        """Rebuild the statistics from `to_state`'s output."""
        frames = {name: pd.DataFrame(dict(state[name])) for name in STAT_FRAMES}
        return cls(pd.Timestamp(state["as_of"]), special_groups=list(state["special_groups"]), **frames)


def _array(values: pd.Series) -> np.ndarray:
    if values.dtype == object or pd.api.types.is_string_dtype(values):
        return np.asarray(values.astype(str).to_numpy(), dtype=str)
    return values.to_numpy()


def history_stats(
    seen: pd.DataFrame,
    profiles: pd.DataFrame | None,
    *,
    as_of: pd.Timestamp,
    matters: pd.DataFrame | None = None,
    window_days: int = 90,
    min_pair_subjects: int = 5,
    popularity_days: int = 90,
    rules_per_matter: int = 40,
) -> HistoryStats:
    """Return the statistics of SEEN (an `as_of` view at AS_OF); profiles give the subjects' segments."""
    segments = subject_segments(profiles, seen["subject"].unique(), as_of)
    return HistoryStats(
        as_of=as_of,
        rules=directional_rules(seen, window_days, min_pair_subjects, rules_per_matter),
        popularity=popularity(seen, as_of, popularity_days),
        segments=segment_popularity(seen, segments),
        segment_sizes=segment_sizes(seen, segments),
        affinity=attribute_affinity(seen, profiles),
        matters=matter_stats(seen, matters),
        special_groups=sorted(profiles["special_group"].dropna().astype(str).unique())
        if profiles is not None and "special_group" in profiles
        else [],
    )


def directional_rules(seen: pd.DataFrame, window_days: int, min_pair: int, keep: int) -> pd.DataFrame:
    """Return the association rules with directional confidence, the best KEEP per antecedent.

    directional = confidence x A-before-B share: of the subjects who did A, the share who did B within the
    window after A (the pair's order counts, unlike confidence).
    """
    rules = association_rules(seen, window_days=window_days, min_pair_subjects=min_pair)
    table = pd.DataFrame(
        {
            "antecedent": rules["antecedent_matter_id"].astype("int64"),
            "consequent": rules["consequent_matter_id"].astype("int64"),
            "confidence": rules["confidence"].astype(float),
            "lift": rules["lift"].astype(float),
            "directional": (rules["confidence"] * rules["a_before_b_share"]).astype(float),
            "a_before_b": rules["a_before_b_share"].astype(float),
            "gap_days": rules["median_gap_days"].astype(float),
            "result_use": rules["result_use_share"].astype(float),
            "pair_subjects": rules["pair_subjects"].astype(float),
        }
    )
    table = table[table["directional"] > 0].sort_values(
        ["antecedent", "directional"], ascending=[True, False]
    )
    return table.groupby("antecedent", sort=False).head(keep).reset_index(drop=True)


def _subject_share(cases: pd.DataFrame, keys: list[str], totals: pd.Series) -> pd.Series:
    """Return distinct subjects per (KEYS, matter) divided by TOTALS (distinct subjects per KEYS)."""
    starts = cases.groupby([*keys, "matter_id"])["subject"].nunique()
    return starts / totals.reindex(starts.index.droplevel("matter_id")).to_numpy()


def popularity(seen: pd.DataFrame, as_of: pd.Timestamp, days: int) -> pd.DataFrame:
    """Return per applicant type and matter the share of active subjects who started it.

    share_recent: in the last DAYS before AS_OF; share_short: in the last 30 days; share_all: in the whole
    history; trend = share_short / share_recent (both smoothed), above 1 when a matter is picking up.
    """
    shares = {}
    for name, start in (("share_recent", as_of - days * DAY), ("share_short", as_of - SHORT_DAYS * DAY)):
        cases = seen[seen["submitted_at"] >= start]
        shares[name] = _subject_share(
            cases, ["subject_type"], cases.groupby("subject_type")["subject"].nunique()
        )
    shares["share_all"] = _subject_share(
        seen, ["subject_type"], seen.groupby("subject_type")["subject"].nunique()
    )
    table = pd.DataFrame(shares).fillna(0.0).reset_index()
    table["trend"] = (table["share_short"] + 1e-3) / (table["share_recent"] + 1e-3)
    return table.sort_values(["subject_type", "share_recent", "share_all"], ascending=[True, False, False])


def segment_popularity(seen: pd.DataFrame, segments: pd.DataFrame) -> pd.DataFrame:
    """Return per segment and matter the smoothed share of the segment's subjects who started it.

    share = (starts + s x type share) / (subjects + s), s = SEGMENT_SMOOTHING; lift = share / type share.
    """
    cases = seen.merge(segments[["subject", "segment"]], on="subject")
    if cases.empty:
        return pd.DataFrame({"segment": [], "matter_id": [], "segment_share": [], "segment_lift": []})
    sizes = cases.groupby("segment")["subject"].nunique()
    starts = cases.groupby(["segment", "subject_type", "matter_id"])["subject"].nunique().rename("starts")
    table = starts.reset_index()
    type_share = _subject_share(seen, ["subject_type"], seen.groupby("subject_type")["subject"].nunique())
    table["type_share"] = type_share.reindex(
        pd.MultiIndex.from_frame(table[["subject_type", "matter_id"]])
    ).to_numpy()
    size = sizes.reindex(table["segment"]).to_numpy()
    table["segment_share"] = (table["starts"] + SEGMENT_SMOOTHING * table["type_share"]) / (
        size + SEGMENT_SMOOTHING
    )
    table["segment_lift"] = table["segment_share"] / table["type_share"]
    table = table.sort_values(["segment", "segment_share"], ascending=[True, False])
    return table[["segment", "matter_id", "segment_share", "segment_lift"]].reset_index(drop=True)


def case_attributes(seen: pd.DataFrame, profiles: pd.DataFrame | None) -> pd.DataFrame:
    """Return each case's applicant attributes at its submission: age, gender; section, firm age, size."""
    people = profile_columns(profiles, seen["subject"].unique()).set_index("subject")
    cases = seen[["subject", "subject_type", "matter_id", "submitted_at"]].copy()
    birth = pd.to_numeric(people["birth_year"], errors="coerce").reindex(cases["subject"]).to_numpy()
    cases["age"] = age_bin(cases["submitted_at"].dt.year.to_numpy() - birth)
    cases["gender"] = _text(people["gender"].reindex(cases["subject"]))
    cases["section"] = _text(people["industry_section"].reindex(cases["subject"]).replace("", None))
    established = (
        pd.to_datetime(people["established_on"], errors="coerce").reindex(cases["subject"]).to_numpy()
    )
    years = (cases["submitted_at"].to_numpy() - established) / np.timedelta64(1, "D") / 365.25
    cases["firm_age"] = firm_age_bin(pd.Series(years, index=cases.index))
    cases["size"] = band(people["employee_count"].reindex(cases["subject"]), SIZE_BANDS).to_numpy()
    return cases


def _text(values: pd.Series) -> np.ndarray:
    return values.astype(object).where(values.notna(), "?").astype(str).to_numpy()


def age_bin(ages: np.ndarray) -> np.ndarray:
    """Return 5-year age bins as text ('30' = 30-34, '90' = 90 and over; '?' unknown)."""
    ages = np.asarray(ages, dtype=float)
    bins = (np.clip(ages, 0, 90) // 5 * 5).astype("float")
    return np.where(np.isnan(ages), "?", np.char.mod("%d", np.nan_to_num(bins).astype(int)))


def firm_age_bin(years: pd.Series) -> np.ndarray:
    """Return the bin of years since founding as text ('?' unknown or before the founding)."""
    return band(years.where(years >= 0), FIRM_AGE_BINS).to_numpy()


def attribute_affinity(seen: pd.DataFrame, profiles: pd.DataFrame | None) -> pd.DataFrame:
    """Return per attribute value and matter: lift = P(value | matter) / P(value), over distinct subjects.

    P(value | matter) is smoothed: (subjects + s P(value)) / (matter's subjects + s), s = AFFINITY_SMOOTHING;
    P(value) is the share of the applicant type's subjects with a case at that value.
    """
    cases = case_attributes(seen, profiles)
    per_matter = cases.groupby("matter_id")["subject"].nunique()
    tables = []
    for kind, names in ATTRIBUTES.items():
        mine = cases[cases["subject_type"] == kind]
        total = mine["subject"].nunique()
        for name in names:
            known = mine[mine[name] != "?"]
            if known.empty:
                continue
            base = known.groupby(name)["subject"].nunique() / total
            counts = known.groupby([name, "matter_id"])["subject"].nunique().rename("n").reset_index()
            prior = base.reindex(counts[name]).to_numpy()
            size = per_matter.reindex(counts["matter_id"]).to_numpy()
            lift = (counts["n"] + AFFINITY_SMOOTHING * prior) / (size + AFFINITY_SMOOTHING) / prior
            tables.append(
                pd.DataFrame(
                    {"attribute": name, "value": counts[name], "matter_id": counts["matter_id"], "lift": lift}
                )
            )
    if not tables:
        return pd.DataFrame({"attribute": [], "value": [], "matter_id": [], "lift": []})
    return pd.concat(tables, ignore_index=True)


def segment_sizes(seen: pd.DataFrame, segments: pd.DataFrame) -> pd.DataFrame:
    """Return the subjects with a case per segment."""
    known = segments[segments["subject"].isin(seen["subject"])]
    sizes = known.groupby("segment")["subject"].nunique().rename("subjects").astype(float)
    return sizes.rename_axis("segment").reset_index()


def matter_stats(seen: pd.DataFrame, matters: pd.DataFrame | None) -> pd.DataFrame:
    """Return per matter: the share of its subjects who did it again, the median days between repeats, and
    the catalogue's online/mobile capability and active flag (unknown matters: capable of neither, active)."""
    counts = seen.groupby(["matter_id", "subject"]).size()
    repeat_share = (counts >= 2).groupby(level="matter_id").mean().rename("repeat_share")
    ordered = seen.sort_values(["subject", "matter_id", "submitted_at"])
    same = (ordered["subject"] == ordered["subject"].shift()) & (
        ordered["matter_id"] == ordered["matter_id"].shift()
    )
    gaps = (ordered["submitted_at"] - ordered["submitted_at"].shift()) / DAY
    repeat_gap = gaps[same].groupby(ordered.loc[same, "matter_id"]).median().rename("repeat_gap_days")
    subjects = seen.groupby("matter_id")["subject"].nunique().rename("matter_subjects").astype(float)
    table = pd.concat([repeat_share, repeat_gap, subjects], axis=1)
    ids = table.index.union(
        pd.Index([], dtype="int64") if matters is None else pd.Index(matters["matter_id"])
    )
    table = table.reindex(ids)
    table["repeat_share"] = table["repeat_share"].fillna(0.0)
    table["matter_subjects"] = table["matter_subjects"].fillna(0.0)
    catalogue = _catalogue(matters).reindex(ids)
    table["online_capable"] = catalogue["online_capable"].fillna(0.0).to_numpy()
    table["mobile_capable"] = catalogue["mobile_capable"].fillna(0.0).to_numpy()
    table["active"] = catalogue["active"].fillna(1.0).to_numpy()
    return table.rename_axis("matter_id").reset_index()


def _catalogue(matters: pd.DataFrame | None) -> pd.DataFrame:
    columns = ["online_capable", "mobile_capable", "active"]
    if matters is None or matters.empty:
        return pd.DataFrame(columns=columns, dtype=float, index=pd.Index([], dtype="int64", name="matter_id"))
    return matters.set_index("matter_id")[columns].astype(float)


def profile_columns(profiles: pd.DataFrame | None, subjects: np.ndarray) -> pd.DataFrame:
    """Return one row per subject with its type and raw profile attributes (None without a profile)."""
    frame = pd.DataFrame({"subject": pd.Series(subjects, dtype=str)})
    frame["subject_type"] = frame["subject"].str.split(":").str[0]
    columns = ["birth_year", "gender", "special_group", "industry_code", "employee_count", "established_on"]
    known = profiles.drop_duplicates("subject").set_index("subject") if profiles is not None else None
    for column in columns:
        present = known is not None and column in known
        frame[column] = known[column].reindex(frame["subject"]).to_numpy() if present else None
    frame["employee_count"] = pd.to_numeric(frame["employee_count"], errors="coerce").astype(float)
    section = frame["industry_code"].astype(object).where(frame["industry_code"].notna(), "")
    frame["industry_section"] = section.astype(str).str[:1]
    return frame


def subject_segments(
    profiles: pd.DataFrame | None, subjects: np.ndarray, as_of: pd.Timestamp
) -> pd.DataFrame:
    """Return the subjects' profile attributes at AS_OF and their segment key.

    Citizens: age band, gender and special group; enterprises: industry section, size band (insured
    employees) and age band. A founding after AS_OF is unknown at it. Subjects without a profile get the
    segment of their applicant type alone.
    """
    frame = profile_columns(profiles, subjects)
    frame["age_years"] = as_of.year - pd.to_numeric(frame["birth_year"], errors="coerce").astype(float)
    established = pd.to_datetime(frame["established_on"], errors="coerce")
    established = established.where(established <= as_of)
    frame["firm_age_years"] = ((as_of - established) / DAY / 365.25).astype(float)
    frame["segment"] = _segment_key(frame)
    return frame


def band(values: pd.Series, edges: tuple) -> pd.Series:
    banded = pd.cut(values, list(edges), right=False, labels=[str(e) for e in edges[:-1]])
    return banded.astype(object).where(banded.notna(), "?").astype(str)


def _segment_key(frame: pd.DataFrame) -> pd.Series:
    citizen = (
        "citizen|age:"
        + band(frame["age_years"], AGE_BANDS)
        + "|gender:"
        + frame["gender"].astype(object).where(frame["gender"].notna(), "?").astype(str)
        + "|group:"
        + frame["special_group"].astype(object).where(frame["special_group"].notna(), "-").astype(str)
    )
    enterprise = (
        "enterprise|section:"
        + frame["industry_section"].replace("", "?")
        + "|size:"
        + band(frame["employee_count"], SIZE_BANDS)
        + "|age:"
        + band(frame["firm_age_years"], FIRM_AGE_BANDS)
    )
    return citizen.where(frame["subject_type"] == "citizen", enterprise)
