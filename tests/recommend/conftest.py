"""Recommender tests: a planted district, a model fitted on it once, a throwaway MLflow store."""

import pytest

from core_app.config import get_settings
from models.recommend import NextMatterRecommender
from serving import recommend as serving_recommend
from tests.recommend.builders import NOW, planted_district, profiles_of

# Small and quick: 30-day horizon, three training cutoffs, a few shallow trees.
SMALL = {
    "horizon_days": 30,
    "training_cutoffs": 3,
    "cutoff_step_days": 20,
    "min_pair_subjects": 3,
    "num_leaves": 7,
    "min_child_samples": 5,
    "n_estimators": 60,
    "early_stopping_rounds": 10,
}
# The shared fitted model: a fixed number of trees, so its behaviour does not hang on a noisy early stop.
FIXED = {**SMALL, "n_estimators": 40, "early_stopping_rounds": 0}


@pytest.fixture(scope="session")
def district():
    """Return (histories, profiles) of the planted district."""
    histories = planted_district()
    return histories, profiles_of(histories)


@pytest.fixture(scope="session")
def fitted(district) -> NextMatterRecommender:
    """Return a recommender fitted on the planted district up to NOW."""
    histories, profiles = district
    return NextMatterRecommender(**FIXED).fit(histories, profiles, now=NOW)


@pytest.fixture(scope="session")
def shared_var(tmp_path_factory):
    """Return one BUTLER_VAR_DIR for the session: the MLflow store is created once (5 s), not per test."""
    return tmp_path_factory.mktemp("recommend") / "var"


def _point_var_dir(monkeypatch, folder) -> None:
    monkeypatch.setenv("BUTLER_VAR_DIR", str(folder))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    get_settings.cache_clear()
    serving_recommend.reset()


@pytest.fixture
def mlflow_home(shared_var, monkeypatch):
    """Point BUTLER_VAR_DIR (and so MLflow's store) at the session's folder; forget loaded models.

    Only test_serving registers models in it; the others log runs at most.
    """
    _point_var_dir(monkeypatch, shared_var)
    yield shared_var
    serving_recommend.reset()
    get_settings.cache_clear()


@pytest.fixture
def empty_var(tmp_path, monkeypatch):
    """Point BUTLER_VAR_DIR at a new empty folder: no MLflow store at all."""
    _point_var_dir(monkeypatch, tmp_path / "var")
    yield tmp_path / "var"
    serving_recommend.reset()
    get_settings.cache_clear()
