"""Train, log and register the recommender in a throwaway MLflow store; serve it back by alias and version."""

import mlflow
import pandas as pd
import pytest
from mlflow import MlflowClient

from serving.recommend import NoRecommenderError, get_recommender, reset
from tests.recommend.builders import NOW, A, cases
from tests.recommend.conftest import SMALL
from training import recommend, tracking

GRID = ({"num_leaves": 7, "min_child_samples": 5},)
BASE = {k: v for k, v in SMALL.items() if k not in ("horizon_days", "num_leaves", "min_child_samples")}
BASE |= {"training_cutoffs": 2, "n_estimators": 25}  # the path under test, not the model's quality


def test_nothing_registered_is_a_clear_error(empty_var) -> None:
    with pytest.raises(NoRecommenderError, match="run `butler train recommend` first"):
        get_recommender()
    assert not (empty_var / "mlflow" / "mlflow.db").exists()  # asking created no store


def test_trained_model_is_logged_registered_and_served(mlflow_home, district) -> None:
    histories, profiles = district
    result = recommend.train_recommender(
        histories, profiles, source="planted", horizon_days=30, grid=GRID, base_params=BASE
    )
    assert (result.version, result.aliases) == ("1", ["challenger", "champion"])
    overall = result.evaluation.overall.set_index("method")
    assert list(overall.index) == ["popularity", "association rules", "model"]
    # B after A is most of what can be predicted here; popularity cannot see it.
    assert overall.loc["model", "hit_at_5"] > overall.loc["popularity", "hit_at_5"]
    assert result.evaluation.validation["hit_at_5"].between(0, 1).all()

    client = MlflowClient()
    run = mlflow.get_run(client.get_model_version(tracking.RECOMMEND_MODEL, "1").run_id)
    assert (
        run.data.params["test_cutoff"] == "2026-10-25"
        and run.data.params["validation_cutoff"] == "2026-09-25"
    )
    assert {"test_model_hit_at_5", "test_popularity_hit_at_5", "test_association_rules_mrr"} <= set(
        run.data.metrics
    )
    assert {"recommend.md", "slices.csv", "validation.csv"} <= {
        a.path for a in client.list_artifacts(run.info.run_id)
    }

    service = get_recommender()
    assert service.version == "recommender/1"
    newcomer = cases([("citizen:9001", 101, "2026-06-01 10:00"), ("citizen:9001", A, "2026-11-19 10:00")])
    served = service.recommend(newcomer, now="2026-11-24T00:00:00+08:00")
    pd.testing.assert_frame_equal(served, result.model.recommend(newcomer, now=NOW))
    assert len(served) == 5

    # Versions load by number too; the champion alias and its version are one cached service each.
    assert get_recommender("v1").version == "recommender/1"
    assert get_recommender() is get_recommender("champion")
    reset()
    assert get_recommender().version == "recommender/1"
    with pytest.raises(NoRecommenderError, match="version 7"):
        get_recommender("7")
