"""The time split: nothing from after a cutoff reaches the features computed at it."""

import pandas as pd
import pytest

from models.recommend import NextMatterRecommender, RecommendError
from models.recommend.split import as_of, relevant_matters, training_cutoffs
from models.recommend.stats import history_stats
from tests.recommend.builders import cases
from tests.recommend.conftest import SMALL
from training.recommend import split_dates

CUT = pd.Timestamp("2026-10-01")


def test_as_of_keeps_earlier_cases_and_only_the_outcomes_known_by_then() -> None:
    frame = cases(
        [
            ("citizen:1", 10, "2026-09-01 09:00"),  # done 09-03: known
            ("citizen:1", 11, "2026-09-30 09:00"),  # done 10-02: after the cutoff, so open at it
            ("citizen:1", 12, "2026-10-01 00:00"),  # at the cutoff: not before it
        ]
    )
    seen = as_of(frame, CUT).set_index("matter_id")
    assert list(seen.index) == [10, 11]
    assert seen.loc[10, "granted"] and seen.loc[10, "completed_at"] == pd.Timestamp("2026-09-03 09:00")
    assert pd.isna(seen.loc[11, "completed_at"]) and not seen.loc[11, "granted"]


def test_relevant_matters_are_the_horizon_starts_of_subjects_with_a_history() -> None:
    frame = cases(
        [
            ("citizen:1", 10, "2026-09-01 09:00"),
            ("citizen:1", 10, "2026-10-05 09:00"),  # done before: not new
            ("citizen:1", 11, "2026-10-30 23:59"),  # new, inside [10-01, 10-31)
            ("citizen:1", 12, "2026-10-31 00:00"),  # the horizon's end: outside
            ("citizen:2", 11, "2026-10-05 09:00"),  # no case before the cutoff: not evaluated
        ]
    )
    labels = relevant_matters(frame, CUT, 30).set_index("matter_id")
    assert list(labels.index) == [10, 11] and set(labels["subject"]) == {"citizen:1"}
    assert labels["new"].to_dict() == {10: False, 11: True}


def test_training_cutoffs_keep_training_labels_before_the_validation_cutoff() -> None:
    now = pd.Timestamp("2026-11-24")
    cutoffs = training_cutoffs(now, horizon_days=60, count=3, step_days=30)
    assert [f"{c:%m-%d}" for c in cutoffs] == ["09-25", "07-27", "06-27", "05-28"]
    # The newest training cutoff's labels end where the validation labels start.
    assert cutoffs[1] + pd.Timedelta(days=60) == cutoffs[0]


def future(frame: pd.DataFrame) -> pd.DataFrame:
    """Return FRAME plus cases after CUT + 30 days, with the cases open at CUT never completed."""
    later = cases([(s, 1, "2026-11-15 09:00") for s in frame["subject"].unique()[:200]])
    later = pd.concat([later, cases([(f"citizen:{i}", 2, "2026-11-16 09:00") for i in range(1, 60)])])
    changed = frame.copy()
    open_then = changed["completed_at"] >= CUT
    assert open_then.sum() > 10
    changed.loc[open_then, "completed_at"] = pd.NaT
    changed.loc[open_then, "granted"] = False
    return pd.concat([changed, later], ignore_index=True)


def test_examples_at_a_cutoff_do_not_change_with_anything_after_it(district) -> None:
    histories, profiles = district
    model = NextMatterRecommender(**SMALL)
    before = model.examples(histories, profiles, CUT)
    assert len(before) and before["label"].sum() > 0
    after = model.examples(future(histories), profiles, CUT)
    pd.testing.assert_frame_equal(before, after)


def test_rules_at_a_cutoff_know_no_pair_formed_after_it(district) -> None:
    histories, profiles = district
    # Thirty citizens do 50 then 51 in November, after the cutoff.
    pairs = [(f"citizen:{i}", 50, "2026-11-01 09:00") for i in range(1, 31)]
    pairs += [(f"citizen:{i}", 51, "2026-11-05 09:00") for i in range(1, 31)]
    frame = pd.concat([histories, cases(pairs)], ignore_index=True)
    at_cut = history_stats(as_of(frame, CUT), profiles, as_of=CUT, min_pair_subjects=3)
    assert not at_cut.rules["antecedent"].isin([50, 51]).any()
    assert not at_cut.popularity["matter_id"].isin([50, 51]).any()
    later = pd.Timestamp("2026-11-24")
    assert (
        history_stats(as_of(frame, later), profiles, as_of=later, min_pair_subjects=3).rules["antecedent"]
        == 50
    ).any()


def test_split_dates_and_their_errors(district) -> None:
    histories, _ = district
    dates = split_dates(histories, horizon_days=30)
    # The last case is on 11-23: end 11-24, test cutoff 10-25, validation 09-25.
    assert (f"{dates.end:%m-%d}", f"{dates.test:%m-%d}", f"{dates.validation:%m-%d}") == (
        "11-24",
        "10-25",
        "09-25",
    )
    with pytest.raises(RecommendError, match="leaves less than 30 days"):
        split_dates(histories, horizon_days=30, cutoff="2026-11-01")
    with pytest.raises(RecommendError, match="too short"):
        split_dates(histories, horizon_days=90)
    with pytest.raises(RecommendError, match="at least 7"):
        split_dates(histories, horizon_days=3)
