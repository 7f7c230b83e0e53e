"""Ranking metrics of recommendation lists against the matters subjects went on to start.

Per subject (lists ranked from 1, ``relevant`` = the matters it started in the horizon):
- hit@k: 1 when at least one relevant matter is in the top k;
- recall@k: relevant matters in the top k / relevant matters;
- reciprocal rank: 1 / rank of the first relevant matter within the top ``mrr_k`` (0 when none).
Over subjects: their means (MRR for the reciprocal ranks), and coverage = distinct matters in the top-k lists
/ active matters. A subject without a list scores 0 everywhere.
"""

import numpy as np
import pandas as pd


def per_subject(
    recommendations: pd.DataFrame, relevant: pd.DataFrame, *, k: int = 5, mrr_k: int = 10
) -> pd.DataFrame:
    """Return [subject, hit, recall, reciprocal_rank] for every subject with a relevant matter."""
    wanted = relevant[["subject", "matter_id"]].drop_duplicates()
    counts = wanted.groupby("subject").size()
    found = recommendations[["subject", "rank", "matter_id"]].merge(wanted, on=["subject", "matter_id"])
    in_top = found[found["rank"] <= k].groupby("subject").size()
    first = found[found["rank"] <= mrr_k].groupby("subject")["rank"].min()
    table = pd.DataFrame({"subject": counts.index})
    table["hit"] = (in_top.reindex(counts.index).fillna(0).to_numpy() > 0).astype(float)
    table["recall"] = in_top.reindex(counts.index).fillna(0).to_numpy() / counts.to_numpy()
    table["reciprocal_rank"] = (1.0 / first.reindex(counts.index)).fillna(0.0).to_numpy()
    return table


def coverage(recommendations: pd.DataFrame, active_matters: int, *, k: int = 5) -> float:
    """Return the distinct matters in the top-K lists divided by ACTIVE_MATTERS."""
    if active_matters <= 0:
        return 0.0
    return recommendations.loc[recommendations["rank"] <= k, "matter_id"].nunique() / active_matters


def bootstrap_interval(
    values: np.ndarray, *, rounds: int = 1000, level: float = 0.95, seed: int = 0
) -> tuple[float, float]:
    """Return the percentile bootstrap interval of the mean of VALUES (resampled with replacement)."""
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        return (float("nan"), float("nan"))
    rng = np.random.default_rng(seed)
    means = np.empty(rounds)
    for start in range(0, rounds, 100):  # 100 resamples at a time keeps memory flat on large slices
        draws = rng.integers(0, values.size, size=(min(100, rounds - start), values.size))
        means[start : start + draws.shape[0]] = values[draws].mean(axis=1)
    tail = (1 - level) / 2
    low, high = np.quantile(means, [tail, 1 - tail])
    return float(low), float(high)


def summary(
    recommendations: pd.DataFrame,
    relevant: pd.DataFrame,
    *,
    active_matters: int,
    k: int = 5,
    mrr_k: int = 10,
    rounds: int = 1000,
    seed: int = 0,
) -> dict[str, float]:
    """Return subjects, hit@k with its bootstrap 95% interval, recall@k, MRR and coverage."""
    table = per_subject(recommendations, relevant, k=k, mrr_k=mrr_k)
    low, high = bootstrap_interval(table["hit"].to_numpy(), rounds=rounds, seed=seed)
    shown = recommendations[recommendations["subject"].isin(table["subject"])]
    return {
        "subjects": float(len(table)),
        f"hit_at_{k}": float(table["hit"].mean()) if len(table) else float("nan"),
        f"hit_at_{k}_low": low,
        f"hit_at_{k}_high": high,
        f"recall_at_{k}": float(table["recall"].mean()) if len(table) else float("nan"),
        "mrr": float(table["reciprocal_rank"].mean()) if len(table) else float("nan"),
        "coverage": coverage(shown, active_matters, k=k),
    }
