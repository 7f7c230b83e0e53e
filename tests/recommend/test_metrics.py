"""Ranking metrics on hand-computed examples."""

import numpy as np
import pandas as pd
import pytest

from models.recommend.metrics import bootstrap_interval, coverage, per_subject, summary


def lists() -> pd.DataFrame:
    rows = [("s1", 1, 10), ("s1", 2, 11), ("s1", 3, 12), ("s2", 1, 10), ("s2", 2, 13)]
    return pd.DataFrame(rows, columns=["subject", "rank", "matter_id"])


def relevant() -> pd.DataFrame:
    # s1 wanted 12 and 99, s2 wanted 13, s3 wanted 10 but got no list.
    rows = [("s1", 12), ("s1", 99), ("s2", 13), ("s3", 10)]
    return pd.DataFrame(rows, columns=["subject", "matter_id"])


def test_per_subject_hits_recall_and_reciprocal_rank() -> None:
    table = per_subject(lists(), relevant(), k=2, mrr_k=3).set_index("subject")
    # s1: 12 is third, outside the top 2 (no hit) but inside the top 3 (1/3); s2: 13 second; s3: nothing.
    assert table.loc["s1"].tolist() == [0.0, 0.0, pytest.approx(1 / 3)]
    assert table.loc["s2"].tolist() == [1.0, 1.0, 0.5]
    assert table.loc["s3"].tolist() == [0.0, 0.0, 0.0]
    # With k=3, s1 hits and finds one of its two matters.
    assert per_subject(lists(), relevant(), k=3).set_index("subject").loc["s1", "recall"] == 0.5


def test_summary_averages_over_subjects_and_counts_coverage_in_the_top_k() -> None:
    result = summary(lists(), relevant(), active_matters=6, k=2, mrr_k=3, rounds=200)
    assert result["subjects"] == 3
    assert result["hit_at_2"] == pytest.approx(1 / 3) and result["recall_at_2"] == pytest.approx(1 / 3)
    assert result["mrr"] == pytest.approx((1 / 3 + 1 / 2 + 0) / 3)  # 5/18
    # Top-2 lists hold 10, 11 and 13: 3 of 6 active matters.
    assert result["coverage"] == 0.5
    assert result["hit_at_2_low"] <= result["hit_at_2"] <= result["hit_at_2_high"]
    assert coverage(lists(), 0) == 0.0


def test_bootstrap_interval() -> None:
    assert bootstrap_interval(np.ones(50)) == (1.0, 1.0)
    low, high = bootstrap_interval(np.array([0.0, 1.0] * 200), rounds=500)
    # Standard error of a mean of 400 fair coins is 0.025: the 95% interval is about 0.45-0.55.
    assert 0.43 < low < 0.48 and 0.52 < high < 0.57
    assert all(np.isnan(bootstrap_interval(np.array([]))))
