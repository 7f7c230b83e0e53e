"""Where MLflow keeps runs and registered models, and the names both training and serving use.

By default everything lives under BUTLER_VAR_DIR (a SQLite tracking store and an artifact folder), so a
fresh checkout needs no server; `MLFLOW_TRACKING_URI` points both at a shared MLflow instead.
"""

import os
from pathlib import Path

import mlflow

from core_app.config import get_settings

DISPATCH_MODEL = "dispatch"
EMOTION_MODEL = "emotion"
RECOMMEND_MODEL = "recommender"
CHAMPION = "champion"
CHALLENGER = "challenger"
# MLflow 3 saves scikit-learn models with skops, which loads only the types it is told to trust:
# our own classes and function, and the library types inside them that skops does not trust by default.
SKOPS_TRUSTED_TYPES = [
    "models.dispatch.estimator.DispatchClassifier",
    "models.dispatch.text.TextFeatures",
    "models.dispatch.text.split_tokens",
    "models.emotion.estimator.EmotionClassifier",
    "models.recommend.estimator.NextMatterRecommender",
    "lightgbm.sklearn.LGBMClassifier",
    "lightgbm.basic.Booster",
    "scipy.sparse._csr.csr_matrix",
    "collections.OrderedDict",
]


def mlflow_dir() -> Path:
    """Return the folder for the local tracking store and artifacts."""
    return get_settings().var_dir / "mlflow"


def tracking_uri() -> str:
    """Return `MLFLOW_TRACKING_URI` when set, else a SQLite store under BUTLER_VAR_DIR."""
    if os.environ.get("MLFLOW_TRACKING_URI"):
        return os.environ["MLFLOW_TRACKING_URI"]
    return f"sqlite:///{(mlflow_dir() / 'mlflow.db').resolve().as_posix()}"


def configure() -> str:
    """Point MLflow's tracking and registry at our store, creating the local folder; return the URI."""
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    uri = tracking_uri()
    if uri.startswith("sqlite:///"):
        mlflow_dir().mkdir(parents=True, exist_ok=True)
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    return uri


def experiment(name: str) -> str:
    """Return the id of experiment NAME, creating it with artifacts under BUTLER_VAR_DIR when local."""
    configure()
    found = mlflow.get_experiment_by_name(name)
    if found is not None:
        return found.experiment_id
    location = None
    if not os.environ.get("MLFLOW_TRACKING_URI"):
        location = (mlflow_dir() / "artifacts").resolve().as_uri()
    return mlflow.create_experiment(name, artifact_location=location)


def alias_version(name: str, alias: str) -> str | None:
    """Return the version of registered model NAME that ALIAS points at, or None."""
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    configure()
    try:
        return str(MlflowClient().get_model_version_by_alias(name, alias).version)
    except MlflowException:
        return None


def register_model(model: object, name: str, example: object) -> tuple[str, list[str]]:
    """Log MODEL (skops) and register it as NAME; alias it challenger, and champion if there is none."""
    from mlflow import MlflowClient
    from mlflow.models import infer_signature

    info = mlflow.sklearn.log_model(
        model,
        name="model",
        registered_model_name=name,
        signature=infer_signature(example, model.predict(example)),
        input_example=example,
        skops_trusted_types=SKOPS_TRUSTED_TYPES,
    )
    version = str(info.registered_model_version)
    client = MlflowClient()
    client.set_registered_model_alias(name, CHALLENGER, version)
    aliases = [CHALLENGER]
    if alias_version(name, CHAMPION) is None:
        client.set_registered_model_alias(name, CHAMPION, version)
        aliases.append(CHAMPION)
    return version, aliases
