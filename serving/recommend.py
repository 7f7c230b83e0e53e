"""The next-matter recommender as registered in MLflow: `recommender@champion` (or a named alias/version).

Loaded once per process and reference; `reset()` forgets it (tests, or after promoting a new champion).
"""

import logging
import threading

import pandas as pd

from serving.predictor import parse_ref
from training import tracking

log = logging.getLogger(__name__)

DEFAULT_REF = tracking.CHAMPION


class NoRecommenderError(RuntimeError):
    """No registered recommender answers to the reference: none trained, or an unknown alias or version."""


class RecommenderService:
    """A loaded recommender with its registry name and version (``recommender/3``)."""

    def __init__(self, model, version: str, name: str = tracking.RECOMMEND_MODEL) -> None:
        self.model = model
        self.name = name
        self.version = f"{name}/{version}"

    def recommend(
        self,
        histories: pd.DataFrame,
        profiles: pd.DataFrame | None = None,
        *,
        now: object,
        k: int = 5,
        subjects: list[str] | None = None,
    ) -> pd.DataFrame:
        """Return the top K matters per subject with their reasons (see NextMatterRecommender.recommend)."""
        return self.model.recommend(histories, profiles, now=now, k=k, subjects=subjects)


def _store_exists() -> bool:
    """Tell whether there is a tracking store to ask (a local one is never created by asking)."""
    uri = tracking.tracking_uri()
    return not uri.startswith("sqlite:///") or (tracking.mlflow_dir() / "mlflow.db").is_file()


def _load(ref: str) -> RecommenderService:
    """Load the model REF names, or raise NoRecommenderError saying what to do."""
    alias, version = parse_ref(ref)
    what = f"alias '{alias}'" if alias is not None else f"version {version}"
    missing = NoRecommenderError(
        f"no registered '{tracking.RECOMMEND_MODEL}' model with {what}; run `butler train recommend` first"
    )
    if not _store_exists():
        raise missing
    import mlflow
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    tracking.configure()
    client = MlflowClient()
    try:
        if alias is not None:
            version = str(client.get_model_version_by_alias(tracking.RECOMMEND_MODEL, alias).version)
        else:
            version = str(client.get_model_version(tracking.RECOMMEND_MODEL, version).version)
    except MlflowException:
        raise missing from None
    model = mlflow.sklearn.load_model(f"models:/{tracking.RECOMMEND_MODEL}/{version}")
    return RecommenderService(model, version)


_lock = threading.Lock()
_cache: dict[str, RecommenderService] = {}


def get_recommender(ref: str | None = None) -> RecommenderService:
    """Return the process-wide recommender for REF (default: the champion), loading it once."""
    key = (ref or DEFAULT_REF).strip()
    with _lock:
        if key not in _cache:
            _cache[key] = _load(key)
            log.info("loaded %s (%s)", _cache[key].version, key)
        return _cache[key]


def reset() -> None:
    """Forget the loaded recommenders."""
    with _lock:
        _cache.clear()
