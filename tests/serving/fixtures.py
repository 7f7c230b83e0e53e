"""A tiny registered dispatch model in a throwaway MLflow store, shared by the serving and API tests."""

import os
import random
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from features.dispatch import CATEGORICAL_COLUMNS, TIME_COLUMN

# Department codes: the labels a model trained on the database's events predicts.
WORDS = {
    "WATER": ["停水", "水管漏水", "水压低", "自来水发黄", "水表"],
    "ROAD": ["路灯不亮", "道路坑洼", "井盖缺失", "人行道破损", "红绿灯"],
    "CITY": ["占道经营", "流动摊贩", "垃圾堆放", "夜间噪音", "乱贴广告"],
}
TEXTS = {
    "WATER": "小区停水三天了，水管漏水",
    "ROAD": "门口路灯不亮，道路坑洼",
    "CITY": "菜场门口占道经营垃圾堆放",
}


@dataclass(frozen=True)
class Store:
    uri: str
    version: str


def training_frame(rows_per_label: int = 40, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    """Return synthetic events (text plus the database model's structured columns) and their labels."""
    rng = random.Random(seed)
    records, labels = [], []
    for label, words in WORDS.items():
        for i in range(rows_per_label):
            # One word of its own label and one of any label: overlapping texts, probabilities below 1.
            other = rng.choice(WORDS[rng.choice(list(WORDS))])
            text = f"{rng.choice(words)}，{other}，请尽快处理{i}"
            records.append(
                {
                    "text": text,
                    "source": rng.choice(["hotline_12345", "app"]),
                    "reporter_type": "citizen",
                    "street": rng.choice(["东街道", "西街道"]),
                    "reporter_history": rng.choice(["new", "repeat"]),
                    TIME_COLUMN: pd.Timestamp("2025-03-03 09:00", tz="Asia/Shanghai")
                    + pd.Timedelta(hours=rng.randrange(0, 500)),
                }
            )
            labels.append(label)
    return pd.DataFrame(records), pd.Series(labels)


def register_model(uri: str, artifacts: Path) -> str:
    """Fit the tiny model, register it as `dispatch` with alias champion; return its version."""
    import mlflow
    from mlflow import MlflowClient

    from models.dispatch import DispatchClassifier
    from training import tracking

    X, y = training_frame()
    model = DispatchClassifier(
        categorical_cols=CATEGORICAL_COLUMNS,
        time_col=TIME_COLUMN,
        head="temperature",
        cv=3,
        target_precision=0.8,
    ).fit(X, y)
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    experiment = mlflow.create_experiment("dispatch-test", artifact_location=artifacts.as_uri())
    with mlflow.start_run(experiment_id=experiment):
        info = mlflow.sklearn.log_model(
            model,
            name="model",
            registered_model_name=tracking.DISPATCH_MODEL,
            skops_trusted_types=tracking.SKOPS_TRUSTED_TYPES,
        )
    version = str(info.registered_model_version)
    MlflowClient().set_registered_model_alias(tracking.DISPATCH_MODEL, tracking.CHAMPION, version)
    return version


_built: dict[str, Store] = {}


def built_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """Build the store once per test process (registering costs seconds)."""
    if "store" not in _built:
        root = tmp_path_factory.mktemp("mlflow")
        uri = f"sqlite:///{(root / 'mlflow.db').as_posix()}"
        previous = os.environ.get("MLFLOW_TRACKING_URI")
        os.environ["MLFLOW_TRACKING_URI"] = uri
        try:
            _built["store"] = Store(uri=uri, version=register_model(uri, root / "artifacts"))
        finally:
            if previous is None:
                os.environ.pop("MLFLOW_TRACKING_URI", None)
            else:
                os.environ["MLFLOW_TRACKING_URI"] = previous
    return _built["store"]


@pytest.fixture
def dispatch_store(tmp_path_factory, monkeypatch) -> Store:
    """Point MLflow at the store with the tiny champion; forget loaded predictors around the test."""
    from serving import predictor

    store = built_store(tmp_path_factory)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", store.uri)
    monkeypatch.delenv("BUTLER_DISPATCH_URL", raising=False)
    predictor.reset()
    yield store
    predictor.reset()


@pytest.fixture
def empty_store(tmp_path, monkeypatch) -> str:
    """Point MLflow at a store with no registered model."""
    from serving import predictor

    uri = f"sqlite:///{(tmp_path / 'empty-mlflow.db').as_posix()}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    monkeypatch.delenv("BUTLER_DISPATCH_URL", raising=False)
    predictor.reset()
    yield uri
    predictor.reset()
