"""Rising categories, hot words and spatial hot spots on hand-made inputs."""

import math

import numpy as np
import pandas as pd
import pytest

from features.trends.hotspots import haversine_m, hot_spots
from features.trends.rising import rising_series
from features.trends.words import hot_words


def test_rising_against_own_baseline():
    baseline = [10, 12, 8, 10, 11, 9, 10, 10]  # mean 10, std 1.195 < sqrt(10) = 3.162
    wide = pd.DataFrame(
        {
            "jump": [*baseline, 25],  # z = 15 / 3.162 = 4.743
            "small": [*baseline, 14],  # z = 4 / 3.162 = 1.265
            "from_zero": [0] * 8 + [4],  # sigma floored at 1: z = 4, but 4 < min_count 5
            "busy": [100, 140, 60, 100, 120, 80, 100, 100, 150],  # std 23.9: z = 50 / 23.905 = 2.092
        }
    )
    table = rising_series(wide).set_index("series")
    assert table.loc["jump", "z"] == pytest.approx(15 / math.sqrt(10), abs=1e-3)
    assert table.loc["small", "z"] == pytest.approx(4 / math.sqrt(10), abs=1e-3)
    assert table.loc["from_zero", "z"] == 4.0
    assert table.loc["busy", "z"] == pytest.approx(
        50 / np.std([100, 140, 60, 100, 120, 80, 100, 100], ddof=1), abs=1e-3
    )
    assert table["rising"].to_dict() == {"jump": True, "from_zero": False, "busy": False, "small": False}
    assert table.loc["jump", "p_value"] < 1e-4
    assert list(table.index[:2]) == ["jump", "from_zero"]  # largest z first


def test_rising_needs_a_baseline():
    with pytest.raises(ValueError):
        rising_series(pd.DataFrame({"a": [3]}))


def test_hot_words_of_a_period():
    period = ["小区突然停水"] * 6 + ["停水没有通知"] * 2 + ["晚上噪音扰民"] * 2
    baseline = ["晚上噪音扰民"] * 20 + ["小区垃圾没人清运"] * 10
    table = hot_words(period, baseline, top=20, min_count=2).set_index("word")
    assert table.index[0] == "停水"  # in 8 of 10 period texts, never before
    assert (table.loc["停水", "period_count"], table.loc["停水", "baseline_count"]) == (8, 0)
    assert table.loc["停水", "z"] > table.loc["通知", "z"] > 0  # 通知 is in 2 texts only
    assert table.loc["噪音扰民", "z"] < 0  # rarer in the period (2 of 10) than before (20 of 30)


def test_haversine_one_degree_of_latitude():
    assert haversine_m(114.0, 22.0, 114.0, 23.0) == pytest.approx(111_195.08, abs=0.1)


def test_hot_spots_on_hand_placed_points():
    rng = np.random.default_rng(0)
    # 12 points within about 40 m of A, 8 within about 40 m of B (12 km away), 3 scattered far apart.
    a = np.column_stack([114.30 + rng.uniform(-3e-4, 3e-4, 12), 22.55 + rng.uniform(-3e-4, 3e-4, 12)])
    b = np.column_stack([114.40 + rng.uniform(-3e-4, 3e-4, 8), 22.60 + rng.uniform(-3e-4, 3e-4, 8)])
    scattered = np.array([[114.20, 22.50], [114.25, 22.70], [114.50, 22.65]])
    points = np.vstack([a, b, scattered])
    frame = pd.DataFrame(
        {
            "id": np.arange(1, len(points) + 1),
            "lon": points[:, 0],
            "lat": points[:, 1],
            "category": ["噪声污染"] * 9 + ["占道经营"] * 3 + ["违法建设"] * 8 + ["其他"] * 3,
            "street": ["沙港街道"] * 12 + ["海山街道"] * 11,
        }
    )
    table = hot_spots(frame, eps_m=100, min_samples=5)
    assert table["count"].tolist() == [12, 8]
    first, second = table.iloc[0], table.iloc[1]
    assert sorted(first["member_ids"]) == list(range(1, 13))
    assert (first["top_category"], first["top_category_count"], first["street"]) == (
        "噪声污染",
        9,
        "沙港街道",
    )
    assert first["lon"] == pytest.approx(a[:, 0].mean(), abs=1e-6)
    assert first["radius_m"] < 60
    assert (second["top_category"], second["street"]) == ("违法建设", "海山街道")
    assert hot_spots(frame, eps_m=100, min_samples=13).empty
