"""Behaviour of the dispatch estimator: the probability table, abstention, rare labels, duty texts."""

import numpy as np
import pandas as pd
import pytest
import skops.io

from models.dispatch import DispatchClassifier, DispatchError
from tests.serving.fixtures import TEXTS, training_frame
from training.tracking import SKOPS_TRUSTED_TYPES


@pytest.fixture(scope="module")
def fitted() -> tuple[DispatchClassifier, pd.DataFrame, pd.Series]:
    X, y = training_frame(rows_per_label=30)
    return DispatchClassifier(head="auto", cv=3).fit(X[["text"]], y), X, y


def test_probability_table_is_a_distribution_over_classes(fitted):
    model, X, _ = fitted
    proba = model.predict_proba(X[["text"]].head(20))
    assert proba.shape == (20, len(model.classes_))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert model.head_ in model.head_scores_


def test_clear_texts_rank_their_department_first(fitted):
    model, _, _ = fitted
    ranked = model.rank(pd.Series(list(TEXTS.values())), k=3)
    assert list(ranked["top1"]) == list(TEXTS)
    assert list(ranked.columns) == ["top1", "top1_prob", "top2", "top2_prob", "top3", "top3_prob", "abstain"]
    assert (ranked["top1_prob"] >= ranked["top2_prob"]).all()


def test_abstains_below_the_validation_threshold(fitted):
    model, _, _ = fitted
    ranked = model.rank(pd.Series(["今天天气不错", TEXTS["WATER"]]))
    assert ranked["abstain"].tolist() == (ranked["top1_prob"] < model.threshold_).tolist()
    assert 0 < model.threshold_ <= 1


def test_a_label_seen_once_is_not_learned_and_is_listed():
    X, y = training_frame(rows_per_label=15)
    X = pd.concat([X[["text"]], pd.DataFrame({"text": ["燃气泄漏"]})], ignore_index=True)
    y = pd.concat([y, pd.Series(["GAS"])], ignore_index=True)
    model = DispatchClassifier(head="temperature", cv=3).fit(X, y)
    assert model.rare_labels_ == {"GAS": 1}
    assert "GAS" not in model.classes_


def test_a_department_known_only_by_its_duty_text_can_be_proposed():
    X, y = training_frame(rows_per_label=20)
    duties = {"GAS": "燃气管道泄漏 燃气表 液化气 燃气安全检查 煤气味"}
    model = DispatchClassifier(head="temperature", cv=3, descriptions=duties).fit(X[["text"]], y)
    assert "GAS" in model.classes_
    ranked = model.rank(pd.Series(["楼道里有很重的煤气味，怀疑燃气管道泄漏"]))
    assert "GAS" in ranked[["top1", "top2", "top3"]].iloc[0].tolist()


def test_refuses_a_single_label_and_a_missing_text_column():
    with pytest.raises(DispatchError, match="two labels"):
        DispatchClassifier().fit(pd.DataFrame({"text": ["停水"] * 5}), ["WATER"] * 5)
    with pytest.raises(DispatchError, match="no 'text' column"):
        DispatchClassifier().fit(pd.DataFrame({"body": ["停水", "路灯"]}), ["WATER", "ROAD"])


def test_skops_round_trip_keeps_predictions(fitted):
    model, X, _ = fitted
    loaded = skops.io.loads(skops.io.dumps(model), trusted=SKOPS_TRUSTED_TYPES)
    np.testing.assert_allclose(loaded.predict_proba(X[["text"]]), model.predict_proba(X[["text"]]))


def test_structured_columns_are_required_to_fit_but_may_be_missing_to_predict():
    X, y = training_frame(rows_per_label=15)
    model = DispatchClassifier(
        head="lightgbm", cv=3, categorical_cols=("source", "street"), time_col="reported_at"
    )
    with pytest.raises(DispatchError, match="lacks the structured columns street"):
        model.fit(X.drop(columns="street"), y)
    model.fit(X, y)
    ranked = model.rank(pd.DataFrame({"text": [TEXTS["CITY"]]}))
    assert ranked["top1"].iloc[0] == "CITY"
