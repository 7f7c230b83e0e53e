"""The recommender's behaviour on hand-built histories: planted sequences, open matters, reasons."""

import copy

import numpy as np
import pandas as pd
import pytest
import skops.io

from models.recommend import RECOMMEND_COLUMNS, NextMatterRecommender, RecommendError, estimator
from tests.recommend.builders import NOW, A, B, R, cases, profiles_of
from training.tracking import SKOPS_TRUSTED_TYPES


def test_after_a_the_planted_b_comes_first_and_says_why(fitted) -> None:
    # Did a noise matter in June and A five days ago: 90% of A's subjects do B 5-25 days after A.
    newcomer = cases([("citizen:9001", 101, "2026-06-01 10:00"), ("citizen:9001", A, "2026-11-19 10:00")])
    top = fitted.recommend(newcomer, profiles_of(newcomer), now=NOW, k=5)
    assert list(top.columns) == list(RECOMMEND_COLUMNS)
    assert top["rank"].tolist() == [1, 2, 3, 4, 5]
    first = top.iloc[0]
    assert first["matter_id"] == B
    assert first["because"] == "association" and first["because_matter_id"] == A
    assert top["score"].is_monotonic_decreasing and top["score"].between(0, 1).all()
    assert str(top["because_matter_id"].dtype) == "Int64"
    # Without a profile (an applicant the district does not know) the answer is the same.
    assert fitted.recommend(newcomer, now=NOW, k=5).iloc[0]["matter_id"] == B


def test_the_score_is_a_probability_calibrated_on_applicants_it_did_not_learn_from(fitted, district) -> None:
    histories, profiles = district
    cutoff = pd.Timestamp(fitted.cutoffs_[0])
    held = fitted.calibration_examples(histories, profiles, cutoff)
    learned = fitted.examples(histories, profiles, cutoff)
    known = histories.loc[histories["submitted_at"] < cutoff, "subject"].nunique()
    assert held["subject"].nunique() == known // 5  # a fifth of the applicants with a case before it
    assert not set(held["subject"]) & set(learned["subject"])
    # Most of them start nothing next: the rows' positive share is small, and so is the mean probability.
    assert held["label"].mean() < 0.1 and fitted.calibration_[0] > 0


def test_without_a_b_is_not_first(fitted) -> None:
    # The same subject without A: B is an ordinary, less popular matter than the noise ones.
    plain = cases([("citizen:9003", 101, "2026-06-01 10:00"), ("citizen:9003", 102, "2026-11-19 10:00")])
    assert fitted.recommend(plain, now=NOW, k=5).iloc[0]["matter_id"] != B


def test_an_open_matter_is_never_recommended(fitted) -> None:
    # A ten days ago, then B four days ago and still open: B must not come back.
    pending = cases(
        [("citizen:9002", A, "2026-11-10 10:00"), ("citizen:9002", B, "2026-11-20 10:00")], open_ids=(1,)
    )
    top = fitted.recommend(pending, now=NOW, k=10)
    assert B not in set(top["matter_id"]) and len(top) > 0
    # Once B is done, it may be recommended again (as a repeat at most): the exclusion is for open cases only.
    done = cases([("citizen:9002", A, "2026-11-10 10:00"), ("citizen:9002", B, "2026-11-20 10:00")])
    scored = fitted.candidate_scores(done, now=NOW).set_index("matter_id")
    assert B in scored.index
    # B already followed A: the rule no longer explains it.
    assert scored.loc[B, "because"] != "association"


def test_cases_after_now_are_not_read(fitted) -> None:
    # A case of A after 'now' must not turn B into the first recommendation.
    future = cases([("citizen:9004", 101, "2026-06-01 10:00"), ("citizen:9004", A, "2026-12-01 10:00")])
    assert fitted.recommend(future, now=NOW, k=5).iloc[0]["matter_id"] != B


def test_a_subject_without_cases_gets_the_segment_and_popular_matters(fitted, district) -> None:
    _, profiles = district
    empty = cases([("citizen:9005", 101, "2026-06-01 10:00")]).iloc[0:0]
    top = fitted.recommend(empty, profiles, now=NOW, k=3, subjects=["citizen:9005"])
    assert len(top) == 3 and set(top["because"]) <= {"segment", "popular"}
    assert top["because_matter_id"].isna().all()


def test_a_renewal_that_is_due_ranks_higher_than_one_just_done_and_names_itself(fitted) -> None:
    # R is renewed every 55-65 days: done 59 days ago it is due, done 4 days ago it is not.
    def position(last: str) -> tuple[int, pd.Series]:
        history = cases(
            [
                ("citizen:9006", 101, "2026-05-01 10:00"),
                ("citizen:9006", R, "2026-07-28 10:00"),
                ("citizen:9006", R, f"{last} 10:00"),
            ]
        )
        scored = fitted.candidate_scores(history, now=NOW)
        return int(scored.index[scored["matter_id"] == R][0]) + 1, scored[scored["matter_id"] == R].iloc[0]

    due, due_row = position("2026-09-26")
    fresh, _ = position("2026-11-20")
    assert due < fresh
    assert due_row["because"] == "repeat" and due_row["because_matter_id"] == R


def test_predict_gives_one_top_matter_per_subject(fitted) -> None:
    rows = pd.concat(
        [
            cases([("citizen:9001", A, "2026-11-19 10:00")]),
            cases([("citizen:9003", 101, "2026-11-19 10:00")]),
        ],
        ignore_index=True,
    )
    assert fitted.predict(rows).tolist()[0] == B
    assert len(fitted.predict(rows)) == 2


def test_the_fitted_model_survives_skops_with_the_trusted_types(fitted) -> None:
    data = skops.io.dumps(fitted)
    assert set(skops.io.get_untrusted_types(data=data)) <= set(SKOPS_TRUSTED_TYPES)
    loaded = skops.io.loads(data, trusted=SKOPS_TRUSTED_TYPES)
    newcomer = cases([("citizen:9001", A, "2026-11-19 10:00")])
    pd.testing.assert_frame_equal(loaded.recommend(newcomer, now=NOW), fitted.recommend(newcomer, now=NOW))


def test_too_little_history_is_a_clear_error() -> None:
    short = cases([("citizen:1", A, "2026-11-01 10:00"), ("citizen:1", B, "2026-11-10 10:00")])
    with pytest.raises(RecommendError, match="too little history"):
        NextMatterRecommender(horizon_days=30).fit(short, now=NOW)


def test_missing_columns_and_bad_k_are_clear_errors(fitted) -> None:
    with pytest.raises(RecommendError, match="lack the columns"):
        fitted.recommend(pd.DataFrame({"subject": ["citizen:1"]}), now=NOW)
    with pytest.raises(RecommendError, match="k must be"):
        fitted.recommend(cases([("citizen:1", A, "2026-11-01 10:00")]), now=NOW, k=0)


def test_answers_do_not_depend_on_the_batch_size(fitted, district, monkeypatch) -> None:
    histories, profiles = district
    some = histories[histories["subject"].isin(histories["subject"].unique()[:40])]
    whole = fitted.recommend(some, profiles, now=NOW, k=3)
    monkeypatch.setattr(estimator, "SUBJECTS_PER_BATCH", 7)  # 40 subjects in 6 batches
    pd.testing.assert_frame_equal(fitted.recommend(some, profiles, now=NOW, k=3), whole)
    assert whole["subject"].nunique() == 40


class RuleOnlyRanker:
    """A stand-in ranker that scores association evidence only, so that it always carries the weight."""

    def predict(self, matrix: pd.DataFrame) -> np.ndarray:
        return 10 * matrix["assoc_max_directional"].to_numpy(dtype=float)


def test_an_antecedent_older_than_the_rule_window_is_not_a_reason(fitted) -> None:
    model = copy.copy(fitted)
    model.booster_ = RuleOnlyRanker()
    # A 200 days ago, outside the rules' 90-day window: B scores on the rule, but A does not explain it.
    stale = model.candidate_scores(cases([("citizen:9007", A, "2026-05-08 10:00")]), now=NOW)
    assert stale.iloc[0]["matter_id"] == B and stale.iloc[0]["because"] == "popular"
    fresh = model.candidate_scores(cases([("citizen:9007", A, "2026-11-19 10:00")]), now=NOW)
    assert (fresh.iloc[0]["matter_id"], fresh.iloc[0]["because"]) == (B, "association")
