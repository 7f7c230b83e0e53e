"""Candidates and their features: which matters a subject might need next, and what speaks for each.

Candidates per subject (union of four sources, then the matters the subject has open are dropped):
- association: matters its history's matters lead to by the rules (the best by directional confidence);
- repeat: matters it did before (the most recent ones);
- segment: the matters most started in its segment (age band and gender, or industry, size and age), and
  those with the highest profile score (popularity x the lifts of its fine profile attributes, see
  `stats.attribute_affinity`);
- popular: the matters most started by its applicant type lately.

Features of a (subject, candidate) row, by family (the families name a recommendation's reason):
association rule strength from the subject's history and the recency of the antecedent against the rule's
median gap; repeat history of the candidate; segment popularity and profile affinity; popularity and its
trend; and, in no family, the subject's profile, activity and channel habits against the candidate's online
capability.
"""

import numpy as np
import pandas as pd

from models.recommend.split import DAY, open_matters
from models.recommend.stats import (
    AFFINITY_SMOOTHING,
    ATTRIBUTES,
    ONLINE_CHANNELS,
    SEGMENT_SMOOTHING,
    SIZE_BANDS,
    HistoryStats,
    age_bin,
    band,
    firm_age_bin,
    subject_segments,
)

ASSOCIATION_FEATURES = (
    "assoc_max_directional",
    "assoc_recent_directional",
    "assoc_sum_directional",
    "assoc_max_confidence",
    "assoc_max_lift",
    "assoc_antecedents",
    "assoc_days_since",
    "assoc_gap_ratio",
    "assoc_result_use",
    "assoc_antecedent_granted",
    "assoc_pair_subjects",
)
REPEAT_FEATURES = ("cand_count", "cand_days_since", "cand_repeat_share", "cand_repeat_gap", "cand_gap_ratio")
AFFINITY_FEATURES = ("age_lift", "gender_lift", "section_lift", "firm_age_lift", "size_lift")
SEGMENT_FEATURES = ("segment_share", "segment_lift", *AFFINITY_FEATURES, "profile_lift", "profile_score")
POPULAR_FEATURES = ("share_recent", "share_short", "share_all", "trend")
CONTEXT_FEATURES = (
    "is_enterprise",
    "age_years",
    "gender_code",
    "special_code",
    "industry_code",
    "employee_count",
    "firm_age_years",
    "n_cases",
    "n_matters",
    "days_since_last",
    "days_since_first",
    "online_share",
    "mobile_share",
    "online_capable",
    "mobile_capable",
    "online_match",
    "mobile_match",
)
FEATURES = (*ASSOCIATION_FEATURES, *REPEAT_FEATURES, *SEGMENT_FEATURES, *POPULAR_FEATURES, *CONTEXT_FEATURES)
ATTRIBUTE_NAMES = ("age", "gender", "section", "firm_age", "size")
APPLIES_TO = {name: [kind for kind, names in ATTRIBUTES.items() if name in names] for name in ATTRIBUTE_NAMES}
FAMILIES = {
    "association": ASSOCIATION_FEATURES,
    "repeat": REPEAT_FEATURES,
    "segment": SEGMENT_FEATURES,
    "popular": POPULAR_FEATURES,
}


def subject_matters(seen: pd.DataFrame, now: pd.Timestamp) -> pd.DataFrame:
    """Return per (subject, matter) of SEEN: cases, days since the last one, whether that one was granted."""
    ordered = seen.sort_values("submitted_at", kind="stable")
    grouped = ordered.groupby(["subject", "matter_id"], sort=False)
    table = grouped.agg(count=("submitted_at", "size"), last_at=("submitted_at", "max"))
    table["last_granted"] = grouped["granted"].last()
    table["days_since"] = (now - table["last_at"]) / DAY
    return table.reset_index()


def association_candidates(
    done: pd.DataFrame, stats: HistoryStats, window_days: int, top: int
) -> pd.DataFrame:
    """Return the association features of the consequents of each subject's matters, the best TOP each.

    The evidence row kept for a consequent is its strongest rule among antecedents done within the window
    (those still leading somewhere), else its strongest rule overall; ``because`` is that antecedent.
    """
    rules = stats.rules
    pairs = done[["subject", "matter_id", "days_since", "last_granted"]].merge(
        rules, left_on="matter_id", right_on="antecedent"
    )
    pairs = pairs.drop(columns="matter_id").rename(columns={"consequent": "matter_id"})
    pairs["recent"] = pairs["days_since"] <= window_days
    pairs["recent_directional"] = pairs["directional"].where(pairs["recent"], 0.0)
    grouped = pairs.groupby(["subject", "matter_id"], sort=False)
    table = grouped.agg(
        assoc_max_directional=("directional", "max"),
        assoc_recent_directional=("recent_directional", "max"),
        assoc_sum_directional=("directional", "sum"),
        assoc_max_confidence=("confidence", "max"),
        assoc_max_lift=("lift", "max"),
        assoc_antecedents=("antecedent", "size"),
    )
    best = pairs.sort_values(["recent", "directional"], ascending=False, kind="stable")
    best = best.drop_duplicates(["subject", "matter_id"]).set_index(["subject", "matter_id"])
    table["assoc_days_since"] = best["days_since"]
    table["assoc_gap_ratio"] = best["days_since"] / best["gap_days"].clip(lower=1.0)
    table["assoc_result_use"] = best["result_use"]
    table["assoc_antecedent_granted"] = best["last_granted"].astype(float)
    table["assoc_pair_subjects"] = np.log1p(best["pair_subjects"])
    table["because_association"] = best["antecedent"]
    table = table.reset_index().sort_values(
        ["subject", "assoc_recent_directional", "assoc_max_directional"], ascending=[True, False, False]
    )
    return table.groupby("subject", sort=False).head(top)


def candidates(
    seen: pd.DataFrame,
    profiles: pd.DataFrame | None,
    stats: HistoryStats,
    *,
    now: pd.Timestamp,
    subjects: np.ndarray,
    window_days: int,
    caps: dict[str, int],
) -> pd.DataFrame:
    """Return one row per (subject, candidate matter) for SUBJECTS with every feature in FEATURES.

    SEEN is the `as_of` view at NOW; CAPS gives how many candidates each source may add per subject
    (association, repeat, segment, popular). Matters the subject has open and inactive matters are left out.
    """
    seen = seen[seen["subject"].isin(subjects)]
    done = subject_matters(seen, now)
    people = subject_segments(profiles, subjects, now)
    assoc = association_candidates(done, stats, window_days, caps["association"])
    repeat = (
        done.sort_values(["subject", "last_at"], ascending=[True, False])
        .groupby("subject")
        .head(caps["repeat"])
    )
    segment = people[["subject", "segment"]].merge(
        stats.segments.groupby("segment", sort=False).head(caps["segment"]), on="segment"
    )
    profiled = profile_candidates(people, stats, caps["segment"])
    popular = people[["subject", "subject_type"]].merge(
        stats.popularity.groupby("subject_type", sort=False).head(caps["popular"]), on="subject_type"
    )
    rows = pd.concat(
        [frame[["subject", "matter_id"]] for frame in (assoc, repeat, segment, profiled, popular)],
        ignore_index=True,
    ).drop_duplicates()
    rows = _without(rows, open_matters(seen))
    inactive = stats.matters.loc[stats.matters["active"] < 1, "matter_id"]
    rows = rows[~rows["matter_id"].isin(inactive)]
    return _features(rows, assoc, done, people, seen, stats, now)


def _without(rows: pd.DataFrame, drop: pd.DataFrame) -> pd.DataFrame:
    """Return ROWS whose (subject, matter_id) is not in DROP."""
    if drop.empty:
        return rows
    gone = pd.MultiIndex.from_frame(rows[["subject", "matter_id"]]).isin(pd.MultiIndex.from_frame(drop))
    return rows[~gone]


def _features(
    rows: pd.DataFrame,
    assoc: pd.DataFrame,
    done: pd.DataFrame,
    people: pd.DataFrame,
    seen: pd.DataFrame,
    stats: HistoryStats,
    now: pd.Timestamp,
) -> pd.DataFrame:
    table = rows.merge(assoc, on=["subject", "matter_id"], how="left")
    for column in ("assoc_max_directional", "assoc_recent_directional", "assoc_sum_directional"):
        table[column] = table[column].fillna(0.0)
    table["assoc_antecedents"] = table["assoc_antecedents"].fillna(0.0)
    table = table.merge(
        done[["subject", "matter_id", "count", "days_since"]].rename(
            columns={"count": "cand_count", "days_since": "cand_days_since"}
        ),
        on=["subject", "matter_id"],
        how="left",
    )
    table["cand_count"] = table["cand_count"].fillna(0.0)
    matters = stats.matters.rename(
        columns={"repeat_share": "cand_repeat_share", "repeat_gap_days": "cand_repeat_gap"}
    )
    table = table.merge(matters, on="matter_id", how="left")
    table["cand_gap_ratio"] = table["cand_days_since"] / table["cand_repeat_gap"].clip(lower=1.0)
    context = _subject_context(people, seen, stats, now)
    table = table.merge(context, on="subject", how="left")
    table = table.merge(stats.popularity, on=["subject_type", "matter_id"], how="left")
    for column in POPULAR_FEATURES:
        table[column] = table[column].fillna(0.0)
    table = _with_segment_shares(table, stats)
    table = with_affinity(table, subject_attributes(people), stats)
    table["online_match"] = table["online_share"] * table["online_capable"]
    table["mobile_match"] = table["mobile_share"] * table["mobile_capable"]
    table["because_association"] = table["because_association"].astype("Int64")
    table = table.sort_values(["subject", "matter_id"], ignore_index=True)
    return table[["subject", "matter_id", "because_association", *FEATURES]].astype(
        dict.fromkeys(FEATURES, "float32")
    )


def subject_attributes(people: pd.DataFrame) -> pd.DataFrame:
    """Return the attribute bins (age, gender; section, firm_age, size) of `subject_segments` rows."""
    return pd.DataFrame(
        {
            "subject": people["subject"].to_numpy(),
            "subject_type": people["subject_type"].to_numpy(),
            "age": age_bin(people["age_years"].to_numpy()),
            "gender": people["gender"]
            .astype(object)
            .where(people["gender"].notna(), "?")
            .astype(str)
            .to_numpy(),
            "section": people["industry_section"].replace("", "?").to_numpy(),
            "firm_age": firm_age_bin(people["firm_age_years"]),
            "size": band(people["employee_count"], SIZE_BANDS).to_numpy(),
        }
    )


def with_affinity(table: pd.DataFrame, values: pd.DataFrame, stats: HistoryStats) -> pd.DataFrame:
    """Add the lift of each profile attribute for the candidate, their product and the profile score.

    TABLE has subject, subject_type, matter_id, matter_subjects and share_all; VALUES the subjects' bins
    (`subject_attributes`). An attribute of the other applicant type, or unknown for the subject, has lift 1;
    a known value never seen with the matter gets the smoothed prior s / (matter's subjects + s).
    """
    bins = values.set_index("subject")
    lifts = stats.affinity.set_index(["attribute", "value", "matter_id"])["lift"]
    unseen = AFFINITY_SMOOTHING / (table["matter_subjects"].fillna(0.0).to_numpy() + AFFINITY_SMOOTHING)
    product = np.ones(len(table))
    for name in ATTRIBUTE_NAMES:
        value = bins[name].reindex(table["subject"]).fillna("?").to_numpy()
        index = pd.MultiIndex.from_arrays([np.full(len(table), name), value, table["matter_id"].to_numpy()])
        lift = lifts.reindex(index).to_numpy()
        lift = np.where(np.isnan(lift), unseen, lift)
        applies = (value != "?") & table["subject_type"].isin(APPLIES_TO[name]).to_numpy()
        table[f"{name}_lift"] = np.where(applies, lift, 1.0)
        product = product * table[f"{name}_lift"].to_numpy()
    table["profile_lift"] = product
    table["profile_score"] = table["share_all"].to_numpy() * product
    return table


def profile_candidates(people: pd.DataFrame, stats: HistoryStats, top: int) -> pd.DataFrame:
    """Return [subject, matter_id]: each subject's TOP matters by profile score (popularity x lifts).

    Scored once per distinct profile (its attribute bins), not once per subject.
    """
    values = subject_attributes(people)
    keys = values.drop(columns="subject").drop_duplicates().reset_index(drop=True)
    keys["subject"] = np.arange(len(keys)).astype(str)  # a profile stands in for its subjects
    pairs = keys[["subject", "subject_type"]].merge(
        stats.popularity[["subject_type", "matter_id", "share_all"]], on="subject_type"
    )
    pairs = pairs.merge(stats.matters[["matter_id", "matter_subjects"]], on="matter_id", how="left")
    scored = with_affinity(pairs, keys, stats)
    best = (
        scored.sort_values(["subject", "profile_score"], ascending=[True, False]).groupby("subject").head(top)
    )
    best = best[["subject", "matter_id"]].rename(columns={"subject": "profile"})
    owners = values.merge(keys.rename(columns={"subject": "profile"}), on=["subject_type", *ATTRIBUTE_NAMES])
    return owners[["subject", "profile"]].merge(best, on="profile")[["subject", "matter_id"]]


def _with_segment_shares(table: pd.DataFrame, stats: HistoryStats) -> pd.DataFrame:
    """Add segment_share and segment_lift; a pair the segment never started gets the smoothed prior.

    A subject whose segment the history does not know (no profile, say) is taken as any subject of its
    applicant type: share = the type's share, lift 1.
    """
    table = table.merge(stats.segments, on=["segment", "matter_id"], how="left")
    size = table["segment"].map(stats.segment_sizes.set_index("segment")["subjects"])
    prior = SEGMENT_SMOOTHING * table["share_all"] / (size + SEGMENT_SMOOTHING)
    table["segment_share"] = table["segment_share"].fillna(prior).fillna(table["share_all"])
    lift = table["segment_share"] / table["share_all"].where(table["share_all"] > 0)
    table["segment_lift"] = table["segment_lift"].fillna(lift).fillna(1.0)
    return table


def _subject_context(
    people: pd.DataFrame, seen: pd.DataFrame, stats: HistoryStats, now: pd.Timestamp
) -> pd.DataFrame:
    """Return per subject its profile codes, activity and channel habits at NOW."""
    grouped = seen.groupby("subject")
    activity = pd.DataFrame(
        {
            "n_cases": grouped.size(),
            "n_matters": grouped["matter_id"].nunique(),
            "days_since_last": (now - grouped["submitted_at"].max()) / DAY,
            "days_since_first": (now - grouped["submitted_at"].min()) / DAY,
            "online_share": seen["channel"].isin(ONLINE_CHANNELS).groupby(seen["subject"]).mean(),
            "mobile_share": (seen["channel"] == "mobile_app").groupby(seen["subject"]).mean(),
        }
    )
    context = people.set_index("subject")[
        ["subject_type", "segment", "age_years", "employee_count", "firm_age_years"]
    ].copy()
    context["is_enterprise"] = (context["subject_type"] == "enterprise").astype(float)
    context["gender_code"] = (
        people.set_index("subject")["gender"].map({"male": 1.0, "female": 2.0}).fillna(0.0)
    )
    groups = {name: float(i + 1) for i, name in enumerate(stats.special_groups)}
    context["special_code"] = people.set_index("subject")["special_group"].map(groups).fillna(0.0)
    sections = people.set_index("subject")["industry_section"]
    context["industry_code"] = sections.map(lambda s: float(ord(s) - ord("A") + 1) if s else np.nan)
    context = context.join(activity, how="left")
    context[["n_cases", "n_matters"]] = context[["n_cases", "n_matters"]].fillna(0.0)
    return context.reset_index()
