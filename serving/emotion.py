"""The emotion predictor: `emotion@champion` from the MLflow registry, else the model shipped in the package.

The shipped model (models/emotion/default/emotion.skops, written by `make train-emotion` from public data)
makes scoring work on a fresh install with nothing trained. The lexicon is passed per call: the app gives
the database's active version, the CLI the shipped one unless a database has an edited version.
"""

import logging
import threading
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from features.emotion.lexicon import Lexicon
from training import tracking

log = logging.getLogger(__name__)

PACKAGED = "packaged"
SKOPS_TRUSTED_TYPES = [
    "models.emotion.estimator.EmotionClassifier",
    "scipy.sparse._csr.csr_matrix",
    "collections.OrderedDict",
]


class EmotionModelUnavailable(RuntimeError):
    """No emotion model can answer: the named version is not registered and no model is shipped."""


def packaged_model_path() -> Path:
    """Return where the shipped default model lives inside the package."""
    return Path(str(resources.files("models.emotion").joinpath("default", "emotion.skops")))


def load_packaged(path: Path | None = None) -> Any:
    """Load the shipped default model (skops: only our estimator and scikit-learn types are trusted)."""
    import skops.io

    path = path or packaged_model_path()
    if not path.is_file():
        raise EmotionModelUnavailable(f"no shipped emotion model at {path}; run `make train-emotion`")
    return skops.io.load(path, trusted=SKOPS_TRUSTED_TYPES + skops.io.get_untrusted_types(file=path))


class EmotionPredictor:
    """A loaded emotion model with its name and version ("packaged" for the shipped one)."""

    def __init__(self, model: Any, name: str, version: str) -> None:
        self.model = model
        self.name = name
        self.version = version

    def score(self, texts: Sequence[Any], lexicon: Lexicon | None = None) -> pd.DataFrame:
        """Return one analysis row per text (see EmotionClassifier.analyse), in input order."""
        return self.model.analyse(list(texts), lexicon=lexicon)


def _registered_champion() -> EmotionPredictor | None:
    """Return `emotion@champion` when a tracking store exists and has one; never creates a store."""
    if (
        tracking.tracking_uri().startswith("sqlite:///")
        and not (tracking.mlflow_dir() / "mlflow.db").is_file()
    ):
        return None
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    tracking.configure()
    try:
        version = MlflowClient().get_model_version_by_alias(tracking.EMOTION_MODEL, tracking.CHAMPION).version
    except MlflowException:
        return None
    import mlflow

    model = mlflow.sklearn.load_model(f"models:/{tracking.EMOTION_MODEL}/{version}")
    return EmotionPredictor(model, tracking.EMOTION_MODEL, str(version))


_lock = threading.Lock()
_cached: dict[str, EmotionPredictor] = {}


def emotion_predictor() -> EmotionPredictor:
    """Return the process-wide predictor: the registered champion, else the shipped model."""
    with _lock:
        if "current" not in _cached:
            predictor = _registered_champion()
            if predictor is None:
                predictor = EmotionPredictor(load_packaged(), tracking.EMOTION_MODEL, PACKAGED)
            log.info("emotion model %s %s", predictor.name, predictor.version)
            _cached["current"] = predictor
        return _cached["current"]


def reset() -> None:
    """Forget the loaded model (tests; after promoting a new champion in this process)."""
    with _lock:
        _cached.clear()
