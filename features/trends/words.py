"""Hot words of a period: words used far more in the period's texts than in the texts before it.

Weighted log-odds ratio with an informative Dirichlet prior (Monroe, Colaresi & Quinn 2008, "Fightin'
Words"): for word w with counts y_p (period), y_b (baseline), prior α_w = α0 · share of w in both together,

    δ = ln((y_p + α_w) / (n_p + α0 - y_p - α_w)) - ln((y_b + α_w) / (n_b + α0 - y_b - α_w)),
    z = δ / sqrt(1 / (y_p + α_w) + 1 / (y_b + α_w)).

A high z means "distinctive of the period" with the uncertainty of rare words taken into account. Words are
jieba tokens (features.text.tokenize: normalised, stopwords and punctuation dropped); placeholders (NUM,
DATE ...) and one-character tokens are left out.
"""

from collections import Counter
from collections.abc import Iterable

import numpy as np
import pandas as pd

from features.text.normalize import PLACEHOLDERS
from features.text.tokenize import tokenize

PRIOR_WEIGHT = 500.0


def word_counts(texts: Iterable[str]) -> Counter:
    """Document frequency of each word over the texts (a word counts once per text)."""
    counts: Counter = Counter()
    for text in texts:
        counts.update({w for w in tokenize(text or "") if len(w) >= 2 and w not in PLACEHOLDERS})
    return counts


def hot_words(
    period_texts: Iterable[str],
    baseline_texts: Iterable[str],
    *,
    top: int = 20,
    min_count: int = 3,
    prior_weight: float = PRIOR_WEIGHT,
) -> pd.DataFrame:
    """The ``top`` words most distinctive of the period against the baseline (module docstring), with
    columns word, period_count, baseline_count, period_share, baseline_share, z; words in fewer than
    ``min_count`` period texts are left out."""
    period_texts, baseline_texts = list(period_texts), list(baseline_texts)
    period, baseline = word_counts(period_texts), word_counts(baseline_texts)
    columns = ["word", "period_count", "baseline_count", "period_share", "baseline_share", "z"]
    words = [w for w, n in period.items() if n >= min_count]
    if not words:
        return pd.DataFrame(columns=columns)
    y_p = np.array([period[w] for w in words], dtype=float)
    y_b = np.array([baseline.get(w, 0) for w in words], dtype=float)
    n_p, n_b = float(sum(period.values())), float(max(sum(baseline.values()), 1))
    everything = period + baseline
    total = float(sum(everything.values()))
    alpha = prior_weight * np.array([everything[w] for w in words]) / total
    delta = np.log((y_p + alpha) / (n_p + prior_weight - y_p - alpha)) - np.log(
        (y_b + alpha) / (n_b + prior_weight - y_b - alpha)
    )
    z = delta / np.sqrt(1 / (y_p + alpha) + 1 / (y_b + alpha))
    table = pd.DataFrame(
        {
            "word": words,
            "period_count": y_p.astype(int),
            "baseline_count": y_b.astype(int),
            "period_share": np.round(y_p / max(len(period_texts), 1), 4),
            "baseline_share": np.round(y_b / max(len(baseline_texts), 1), 4),
            "z": np.round(z, 3),
        }
    )
    return table.sort_values(["z", "period_count"], ascending=False, ignore_index=True).head(top)
