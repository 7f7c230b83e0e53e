"""Mine candidate root words: terms over-represented in negative texts, by weighted log-odds.

The statistic is the log-odds ratio with an informative Dirichlet prior of Monroe, Colaresi & Quinn (2008,
"Fightin' Words", Political Analysis 16(4)). For a word w with count y_w^N in the negative texts (n^N words
in all) and y_w^O in the others (n^O), and a prior α_w = α0 · (y_w^N + y_w^O) / n spread over the vocabulary
by pooled frequency (n = n^N + n^O; by default α0 = n, so α_w is the word's pooled count and the prior weighs
as much as the data, whatever its size):

    δ_w = log((y_w^N + α_w) / (n^N + α0 − y_w^N − α_w)) − log((y_w^O + α_w) / (n^O + α0 − y_w^O − α_w))
    σ²(δ_w) ≈ 1 / (y_w^N + α_w) + 1 / (y_w^O + α_w),   z_w = δ_w / σ(δ_w)

The prior shrinks rare words toward zero, so z ranks words that are both frequent and lopsided first.
A text counts a word once: one citizen repeating 太吵了 five times is one vote, not five.
"""

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from features.text.tokenize import tokenize

# The candidates table holds words of up to 32 characters (like the lexicon's entries).
MAX_WORD_LENGTH = 32
COLUMNS = ["word", "log_odds", "z_score", "negative_count", "other_count"]


def mine_candidates(
    texts: Sequence[str],
    negative: Sequence[bool],
    known: set[str],
    min_count: int = 5,
    top: int = 100,
    *,
    prior_size: float | None = None,
    tokenizer: Callable[[str], list[str]] = tokenize,
) -> pd.DataFrame:
    """Return the words most over-represented in the negative texts, highest z-score first.

    Columns: word, log_odds (δ_w), z_score, negative_count and other_count (texts containing the word).
    Only words in at least `min_count` negative texts and with a positive log-odds are kept; words in
    `known` (the lexicon), placeholders (PHONE, DATE, NUM ...) and pure numbers are left out.
    """
    if len(texts) != len(negative):
        raise ValueError(f"texts ({len(texts)}) and negative ({len(negative)}) differ in length")
    counts = word_counts(texts, negative, tokenizer)
    if counts.empty:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in _DTYPES.items()})
    scored = weighted_log_odds(counts["negative_count"], counts["other_count"], prior_size)
    table = counts.join(scored).reset_index()
    keep = (
        (table["negative_count"] >= min_count)
        & (table["log_odds"] > 0)
        & ~table["word"].isin(known)
        & ~_is_placeholder_or_number(table["word"])
        & (table["word"].str.len() <= MAX_WORD_LENGTH)
    )
    table = table[keep].sort_values(["z_score", "word"], ascending=[False, True]).head(top)
    return table[COLUMNS].astype(_DTYPES).reset_index(drop=True)


_DTYPES = {"word": object, "log_odds": float, "z_score": float, "negative_count": int, "other_count": int}


def word_counts(
    texts: Sequence[str], negative: Sequence[bool], tokenizer: Callable[[str], list[str]] = tokenize
) -> pd.DataFrame:
    """Return, per word, how many negative and how many other texts contain it (index: word)."""
    tokens = pd.DataFrame(
        {"word": [sorted(set(tokenizer(text or ""))) for text in texts], "negative": list(negative)}
    ).explode("word")
    tokens = tokens.dropna(subset=["word"])
    tokens["negative"] = tokens["negative"].astype(bool)
    grouped = tokens.groupby("word")["negative"].agg(negative_count="sum", total="size")
    grouped["other_count"] = grouped.pop("total") - grouped["negative_count"]
    return grouped.astype(int)


def weighted_log_odds(
    y_negative: pd.Series, y_other: pd.Series, prior_size: float | None = None
) -> pd.DataFrame:
    """Return log_odds and z_score per word from its counts in the two groups (Monroe et al. 2008).

    `prior_size` is α0, the prior's total pseudo-count; None takes the number of words counted (α0 = n).
    """
    n_negative, n_other = float(y_negative.sum()), float(y_other.sum())
    prior_size = n_negative + n_other if prior_size is None else prior_size
    alpha = prior_size * (y_negative + y_other) / (n_negative + n_other)
    y_n, y_o = y_negative + alpha, y_other + alpha
    log_odds = np.log(y_n / (n_negative + prior_size - y_n)) - np.log(y_o / (n_other + prior_size - y_o))
    z_score = log_odds / np.sqrt(1.0 / y_n + 1.0 / y_o)
    return pd.DataFrame({"log_odds": log_odds, "z_score": z_score})


def _is_placeholder_or_number(words: pd.Series) -> pd.Series:
    # Normalised text is lower case, so an upper-case token can only be a placeholder (PHONE, DATE, NUM).
    return words.str.isupper() | words.str.isdigit()
