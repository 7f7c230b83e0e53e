"""The dispatch model as a BentoML service, to scale scoring out of the core app's process.

Serve it from the repository root (the Makefile exports BENTOML_HOME=var/bentoml, BENTOML_DO_NOT_TRACK):

    bentoml serve serving.bento_service:DispatchService --port 3000

and point the core app at it with `BUTLER_DISPATCH_URL=http://127.0.0.1:3000`. The model is the registered
`dispatch` model of alias `champion`, or the alias or version named by BUTLER_DISPATCH_MODEL; the tracking
store is found as everywhere else (MLFLOW_TRACKING_URI, or SQLite under BUTLER_VAR_DIR).

POST /rank  {"records": [{"text": "...", "source": "...", ...}], "k": 3}
  -> {"model_name", "model_version", "threshold", "rows": [{top1, top1_prob, ..., abstain}]}
POST /table {"records": [...]}
  -> {"model_name", "model_version", "threshold", "tables": [[{label, probability}]]}

The emotion model likewise (`emotion@champion`, else the model shipped in the package; shipped lexicon):

    bentoml serve serving.bento_service:EmotionService --port 3001

POST /score {"texts": ["...", ...]}
  -> {"model_name", "model_version", "rows": [{polarity, score, intensity, urgent, root_words, ...}]}
"""

import logging
import os
from typing import Any

import bentoml
import pandas as pd
from bentoml.exceptions import InvalidArgument, ServiceUnavailable

from serving.emotion import EmotionPredictor, emotion_predictor
from serving.predictor import DispatchModelUnavailable, DispatchPredictor

log = logging.getLogger(__name__)

MODEL_ENV = "BUTLER_DISPATCH_MODEL"
MAX_RECORDS = 10_000


def _frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    """Return the records as model input; every record needs a `text` (it may be empty)."""
    if len(records) > MAX_RECORDS:
        raise InvalidArgument(f"at most {MAX_RECORDS} records per call, got {len(records)}")
    if any("text" not in record for record in records):
        raise InvalidArgument("every record needs a 'text' field")
    return pd.DataFrame.from_records(records)


def _jsonable_rows(ranked: pd.DataFrame) -> list[dict[str, Any]]:
    clean = ranked.astype(object).where(ranked.notna(), None)
    return clean.to_dict(orient="records")


@bentoml.service(name="dispatch", traffic={"timeout": 60})
class DispatchService:
    """Rank departments (or any label set) for complaint texts, in batches."""

    def __init__(self) -> None:
        self.ref = os.environ.get(MODEL_ENV, "champion")
        self.predictor: DispatchPredictor | None = None
        try:
            self._load()
        except ServiceUnavailable as exc:
            # Start anyway: the model may be registered later; each call tries again and answers 503.
            log.warning("%s", exc)

    def _load(self) -> DispatchPredictor:
        """Load the model, or raise 503 saying how to register one (retried on the next call)."""
        if self.predictor is None:
            try:
                self.predictor = DispatchPredictor(self.ref)
            except DispatchModelUnavailable as exc:
                raise ServiceUnavailable(str(exc)) from None
        return self.predictor

    def _answer(self, predictor: DispatchPredictor) -> dict[str, Any]:
        return {
            "model_name": predictor.name,
            "model_version": predictor.version,
            "threshold": predictor.threshold,
        }

    @bentoml.api(route="/rank")
    def rank(self, records: list[dict[str, Any]], k: int = 3) -> dict[str, Any]:
        """Return the top-k labels with probabilities and the abstain decision for each record."""
        predictor = self._load()
        if not records:
            return self._answer(predictor) | {"rows": []}
        ranked = predictor.rank(_frame(records), k=max(1, k))
        return self._answer(predictor) | {"rows": _jsonable_rows(ranked)}

    @bentoml.api(route="/table")
    def table(self, records: list[dict[str, Any]]) -> dict[str, Any]:
        """Return the full probability table of each record, most probable label first."""
        predictor = self._load()
        tables = predictor.table(_frame(records)) if records else []
        return self._answer(predictor) | {"tables": tables}


@bentoml.service(name="emotion", traffic={"timeout": 60})
class EmotionService:
    """Polarity, intensity, urgency flags and root words of texts, in batches."""

    def __init__(self) -> None:
        self.predictor: EmotionPredictor = emotion_predictor()

    @bentoml.api(route="/score")
    def score(self, texts: list[str]) -> dict[str, Any]:
        """Return one analysis row per text, in order; blank texts are neutral with a note."""
        if len(texts) > MAX_RECORDS:
            raise InvalidArgument(f"at most {MAX_RECORDS} texts per call, got {len(texts)}")
        rows = self.predictor.score(texts).to_dict(orient="records") if texts else []
        return {"model_name": self.predictor.name, "model_version": self.predictor.version, "rows": rows}
