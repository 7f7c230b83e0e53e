"""Association rules between matters done by the same applicant within a window (DOMAIN §7.5).

Definitions, for an ordered pair of different matters A -> B over the input histories:

- N = distinct subjects in the input; ``antecedent_subjects`` = subjects with a case of A (at any time),
  ``consequent_subjects`` = subjects with a case of B.
- ``pair_subjects`` = subjects with a case of A and a case of B submitted at most ``window_days`` apart
  (either order, the boundary included). Rules with fewer than ``min_pair_subjects`` are dropped.
- ``support`` = pair_subjects / N; ``confidence`` = pair_subjects / antecedent_subjects;
  ``lift`` = confidence / (consequent_subjects / N).
- The pairing: per subject and unordered pair {A, B}, the pair that counts is the subject's earliest case of
  either matter that has a case of the other matter within the window after it, together with that first
  later case (cases ordered by submission time, then input order). So A -> B and B -> A share one pairing.
- ``a_before_b_share`` = among pair subjects, the share whose paired A was submitted before its B; a pair
  submitted at the same instant counts one half, so the shares of A -> B and B -> A add up to 1.
- "A-first subjects" = pair subjects whose paired A was submitted no later than its B (ties included).
  ``median_gap_days`` = median over them of the days from A to B; ``result_use_share`` = share of them
  whose B was submitted at or after A's completion with A granted (办理结果运用: B uses A's certificate).
  Both are 0 when there is no A-first subject (``a_before_b_share`` is then 0 too).

``activity_baseline`` scores the same pairs against a stricter null: the pairs expected if every applicant's
matters were independent given its kind (citizen or enterprise) and how many distinct matters it does (bands
2-3, 4-7, 8-15, ..., 64+; applicants of one matter pair nothing and are left out). Enterprise-only matters
co-occur with a plain lift of about N / enterprises just by both being enterprise matters, and busy
applicants pair everything: the adjusted lift is about 1 for such pairs. With one kind and one band it is
the plain lift (but for the one-matter applicants). The expectation counts co-occurrence at any distance,
so it is conservative for a window. The graph of bundle candidates keeps edges whose pair count is
improbable under it (Poisson upper tail).

Pairs are found on the subject-time sorted arrays one lag at a time: the cases within the window after
case i are i+1 .. i+k for some k, so each lag only revisits the cases still inside their window and the
work is the number of within-window pairs, not the square of a busy applicant's history.
"""

import numpy as np
import pandas as pd
from scipy import stats

REQUIRED = ("subject", "matter_id", "submitted_at", "completed_at", "granted")
RULE_COLUMNS = (
    "antecedent_matter_id",
    "consequent_matter_id",
    "window_days",
    "antecedent_subjects",
    "consequent_subjects",
    "pair_subjects",
    "support",
    "confidence",
    "lift",
    "a_before_b_share",
    "median_gap_days",
    "result_use_share",
)
BASELINE_COLUMNS = ("expected_pairs", "adjusted_lift", "p_value")
SECONDS_PER_DAY = 86_400
_NAT = np.iinfo("int64").min  # NaT as int64 seconds


def association_rules(
    histories: pd.DataFrame, *, window_days: int = 90, min_pair_subjects: int = 5
) -> pd.DataFrame:
    """Score every ordered pair of matters done by the same subjects within WINDOW_DAYS (see the module)."""
    missing = [column for column in REQUIRED if column not in histories.columns]
    if missing:
        raise ValueError(f"histories lack the columns {missing}")
    if window_days < 0:
        raise ValueError("window_days must not be negative")
    cases = _sorted_cases(histories)
    if cases.empty:
        return _empty_rules()
    subjects = cases["subject_code"].nunique()
    pairs = _first_pairs(cases, window_days * SECONDS_PER_DAY)
    directed = _directed(pairs, cases)
    rules = _aggregate(directed, min_pair_subjects)
    if rules.empty:
        return _empty_rules()
    per_matter = cases.groupby("matter_code")["subject_code"].nunique()
    matter_ids = cases.attrs["matter_ids"]
    antecedent = per_matter.reindex(rules["a"]).to_numpy()
    consequent = per_matter.reindex(rules["b"]).to_numpy()
    pair = rules["pair_subjects"].to_numpy()
    table = pd.DataFrame(
        {
            "antecedent_matter_id": matter_ids[rules["a"].to_numpy()],
            "consequent_matter_id": matter_ids[rules["b"].to_numpy()],
            "window_days": window_days,
            "antecedent_subjects": antecedent.astype("int64"),
            "consequent_subjects": consequent.astype("int64"),
            "pair_subjects": pair.astype("int64"),
            "support": pair / subjects,
            "confidence": pair / antecedent,
            "lift": pair * subjects / (antecedent * consequent),
            "a_before_b_share": rules["a_first_weight"].to_numpy() / pair,
            "median_gap_days": rules["median_gap_days"].fillna(0.0).to_numpy(),
            "result_use_share": (rules["result_uses"] / rules["a_first"]).fillna(0.0).to_numpy(),
        }
    )
    return table.sort_values(["antecedent_matter_id", "consequent_matter_id"], ignore_index=True).astype(
        {"antecedent_matter_id": "int64", "consequent_matter_id": "int64", "window_days": "int64"}
    )


def activity_baseline(histories: pd.DataFrame, rules: pd.DataFrame) -> pd.DataFrame:
    """Per rule (aligned with RULES): expected_pairs = sum over strata k of a_k * b_k / n_k, adjusted_lift =
    pair_subjects / expected_pairs, p_value = P(X >= pair_subjects) for X ~ Poisson(expected_pairs)."""
    if rules.empty:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in BASELINE_COLUMNS}, index=rules.index)
    done = histories.drop_duplicates(["subject", "matter_id"])
    distinct = done.groupby("subject")["matter_id"].transform("size").to_numpy()
    done = done[distinct >= 2]  # an applicant of one matter can pair nothing
    band = np.minimum(np.floor(np.log2(distinct[distinct >= 2])), 6).astype(int).astype(str)
    kind = done["subject_type"].astype(str).to_numpy() if "subject_type" in done.columns else ""
    stratum = pd.Series(np.char.add(np.asarray(kind, dtype=str), band), index=done.index)
    sizes = stratum.groupby(done["subject"]).first().value_counts()
    counts = pd.crosstab(done["matter_id"], stratum)[sizes.index]
    shares = counts / sizes.to_numpy()
    antecedent = counts.reindex(rules["antecedent_matter_id"]).fillna(0).to_numpy()
    consequent = shares.reindex(rules["consequent_matter_id"]).fillna(0).to_numpy()
    expected = (antecedent * consequent).sum(axis=1)
    pairs = rules["pair_subjects"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        lift = np.where(expected > 0, pairs / expected, np.nan)
    return pd.DataFrame(
        {"expected_pairs": expected, "adjusted_lift": lift, "p_value": stats.poisson.sf(pairs - 1, expected)},
        index=rules.index,
    )


def _sorted_cases(histories: pd.DataFrame) -> pd.DataFrame:
    """Integer-coded cases sorted by subject then submission time; matter ids kept in ``attrs``."""
    subject_code = pd.factorize(histories["subject"], sort=False)[0]
    matter_code, matter_ids = pd.factorize(histories["matter_id"], sort=True)
    cases = pd.DataFrame(
        {
            "subject_code": subject_code.astype("int64"),
            "matter_code": matter_code.astype("int64"),
            "submitted": _seconds(histories["submitted_at"]),
            "completed": _seconds(histories["completed_at"]),
            "granted": histories["granted"].fillna(False).astype(bool).to_numpy(),
        }
    )
    cases = cases[cases["submitted"] != _NAT].sort_values(["subject_code", "submitted"], kind="stable")
    cases = cases.reset_index(drop=True)
    cases.attrs["matter_ids"] = np.asarray(matter_ids, dtype="int64")
    return cases


def _seconds(values: pd.Series) -> np.ndarray:
    """Timestamps as int64 seconds; NaT becomes the int64 minimum (``_NAT``)."""
    return pd.to_datetime(values).to_numpy(dtype="datetime64[s]").astype("int64")


def _first_pairs(cases: pd.DataFrame, window_seconds: int) -> pd.DataFrame:
    """Per subject and unordered matter pair, the earliest within-window case pair (positions i < j)."""
    subject = cases["subject_code"].to_numpy()
    matter = cases["matter_code"].to_numpy()
    submitted = cases["submitted"].to_numpy()
    firsts, seconds = [], []
    active = np.arange(len(cases) - 1)
    lag = 1
    while active.size:
        later = active + lag
        inside = (subject[later] == subject[active]) & (
            submitted[later] - submitted[active] <= window_seconds
        )
        active = active[inside]
        later = later[inside]
        differ = matter[later] != matter[active]
        firsts.append(active[differ])
        seconds.append(later[differ])
        lag += 1
        active = active[active + lag < len(cases)]
    first = np.concatenate(firsts) if firsts else np.empty(0, dtype="int64")
    second = np.concatenate(seconds) if seconds else np.empty(0, dtype="int64")
    low = np.minimum(matter[first], matter[second])
    high = np.maximum(matter[first], matter[second])
    matters = int(matter.max()) + 1
    key = (subject[first] * matters + low) * matters + high
    order = np.lexsort((second, first, key))
    key, first, second = key[order], first[order], second[order]
    keep = np.ones(key.size, dtype=bool)
    keep[1:] = key[1:] != key[:-1]
    return pd.DataFrame({"first": first[keep], "second": second[keep]})


def _directed(pairs: pd.DataFrame, cases: pd.DataFrame) -> pd.DataFrame:
    """Each subject's pairing seen from both sides: rows (a, b, a_first_weight, a_first, gap, result_use)."""
    matter = cases["matter_code"].to_numpy()
    submitted = cases["submitted"].to_numpy()
    completed = cases["completed"].to_numpy()
    granted = cases["granted"].to_numpy()
    first = pairs["first"].to_numpy()
    second = pairs["second"].to_numpy()
    tie = submitted[first] == submitted[second]
    gap_days = (submitted[second] - submitted[first]) / SECONDS_PER_DAY
    used_forward = granted[first] & (completed[first] != _NAT) & (completed[first] <= submitted[second])
    used_backward = (
        tie & granted[second] & (completed[second] != _NAT) & (completed[second] <= submitted[first])
    )
    forward = pd.DataFrame(
        {
            "a": matter[first],
            "b": matter[second],
            "a_first_weight": np.where(tie, 0.5, 1.0),
            "a_first": True,
            "gap_days": gap_days,
            "result_use": used_forward,
        }
    )
    backward = pd.DataFrame(
        {
            "a": matter[second],
            "b": matter[first],
            "a_first_weight": np.where(tie, 0.5, 0.0),
            "a_first": tie,
            "gap_days": np.where(tie, 0.0, np.nan),
            "result_use": used_backward,
        }
    )
    return pd.concat([forward, backward], ignore_index=True)


def _aggregate(directed: pd.DataFrame, min_pair_subjects: int) -> pd.DataFrame:
    """Sum the pairings per ordered matter pair, keeping pairs with at least MIN_PAIR_SUBJECTS subjects."""
    grouped = directed.groupby(["a", "b"], sort=False)
    counts = grouped.agg(
        pair_subjects=("a_first_weight", "size"),
        a_first_weight=("a_first_weight", "sum"),
        a_first=("a_first", "sum"),
        result_uses=("result_use", "sum"),
    )
    counts = counts[counts["pair_subjects"] >= min_pair_subjects]
    if counts.empty:
        return counts.reset_index()
    kept = directed.join(counts[[]], on=["a", "b"], how="inner")
    gaps = kept.loc[kept["a_first"]].groupby(["a", "b"], sort=False)["gap_days"].median()
    counts["median_gap_days"] = gaps.reindex(counts.index)
    return counts.reset_index()


def _empty_rules() -> pd.DataFrame:
    """No rules, with the columns and types of a full result."""
    types = dict.fromkeys(RULE_COLUMNS[:6], "int64") | dict.fromkeys(RULE_COLUMNS[6:], "float64")
    return pd.DataFrame({column: pd.Series(dtype=kind) for column, kind in types.items()})
