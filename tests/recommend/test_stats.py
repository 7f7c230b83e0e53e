"""Matter statistics on hand-computed examples: profile affinity and popularity shares."""

import pandas as pd
import pytest

from models.recommend.features import with_affinity
from models.recommend.split import as_of
from models.recommend.stats import attribute_affinity, history_stats, popularity
from tests.recommend.builders import cases

NOW = pd.Timestamp("2026-11-24")


def profiles() -> pd.DataFrame:
    # Citizens born so that in 2026 they are 30, 32, 50 and 52 (age bins 30, 30, 50, 50).
    rows = [(1, 1996, "male"), (2, 1994, "female"), (3, 1976, "male"), (4, 1974, "female")]
    frame = pd.DataFrame(rows, columns=["subject_id", "birth_year", "gender"])
    frame["subject"] = "citizen:" + frame["subject_id"].astype(str)
    frame["subject_type"] = "citizen"
    for column in ("special_group", "industry_code", "employee_count", "established_on"):
        frame[column] = None
    return frame


def history() -> pd.DataFrame:
    # Matter 7: the two citizens in their thirties; matter 8: citizens 1, 3 and 4.
    rows = [("citizen:1", 7, "2026-03-01 09:00"), ("citizen:2", 7, "2026-03-02 09:00")]
    rows += [(f"citizen:{i}", 8, "2026-04-01 09:00") for i in (1, 3, 4)]
    return cases(rows)


def test_affinity_is_the_smoothed_share_of_a_matters_subjects_over_everyone_s() -> None:
    lifts = attribute_affinity(history(), profiles()).set_index(["attribute", "value", "matter_id"])["lift"]
    # P(age 30) = 2 of 4 citizens. Matter 7: both of its 2 subjects are 30-34:
    # P(30 | 7) = (2 + 10 x 0.5) / (2 + 10) = 7/12, lift = (7/12) / 0.5 = 7/6.
    assert lifts[("age", "30", 7)] == pytest.approx(7 / 6)
    # Matter 8: 1 of its 3 subjects is 30-34: (1 + 5) / 13 / 0.5 = 12/13.
    assert lifts[("age", "30", 8)] == pytest.approx(12 / 13)
    # Gender: 2 of 4 male; matter 8 has 2 male of 3: (2 + 5) / 13 / 0.5 = 14/13.
    assert lifts[("gender", "male", 8)] == pytest.approx(14 / 13)
    assert ("age", "50", 7) not in lifts.index  # never seen: the reader falls back to the prior


def test_with_affinity_multiplies_the_lifts_and_falls_back_to_the_prior() -> None:
    stats = history_stats(as_of(history(), NOW), profiles(), as_of=NOW, min_pair_subjects=1)
    table = pd.DataFrame(
        {
            "subject": ["citizen:9", "citizen:9"],
            "subject_type": "citizen",
            "matter_id": [7, 7],
            "matter_subjects": [2.0, 2.0],
            "share_all": [0.5, 0.5],
        }
    )
    values = pd.DataFrame(
        {"subject": ["citizen:9"], "age": ["50"], "gender": ["female"], "section": ["?"], "firm_age": ["?"]}
    ).assign(size="?")
    out = with_affinity(table.iloc[:1].copy(), values, stats)
    # Age 50 never did 7: prior 10 / (2 + 10) = 5/6. Female: 1 of 2 of matter 7, P(female) = 1/2:
    # (1 + 5) / 12 / 0.5 = 1. Enterprise attributes do not apply to a citizen: 1.
    assert out.loc[0, "age_lift"] == pytest.approx(5 / 6)
    assert out.loc[0, "gender_lift"] == pytest.approx(1.0)
    assert out.loc[0, ["section_lift", "firm_age_lift", "size_lift"]].tolist() == [1.0, 1.0, 1.0]
    assert out.loc[0, "profile_lift"] == pytest.approx(5 / 6)
    assert out.loc[0, "profile_score"] == pytest.approx(0.5 * 5 / 6)


def test_popularity_shares_count_subjects_not_cases() -> None:
    frame = pd.concat([history(), cases([("citizen:1", 8, "2026-11-20 09:00")])], ignore_index=True)
    table = popularity(as_of(frame, NOW), NOW, 90).set_index("matter_id")
    # In the 90 days before NOW only citizen 1 did anything (matter 8): share 1 of 1.
    assert table.loc[8, "share_recent"] == 1.0 and table.loc[7, "share_recent"] == 0.0
    # Over the whole history: matter 8 by 3 of 4 citizens, matter 7 by 2 of 4.
    assert table.loc[8, "share_all"] == 0.75 and table.loc[7, "share_all"] == 0.5
