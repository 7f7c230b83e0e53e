"""The dispatch predictor: a registered model loaded in-process, or the BentoML service over HTTP.

Both answer batches through the same interface: `rank(frame, k)` gives top-k labels, probabilities and
the abstain decision per row; `table(frame)` gives each row's full probability table. Rows whose text is
empty or blank are never guessed: they come back with abstain=True and no labels (a dispatcher decides).
"""

import logging
import os
import re
import threading
from typing import Any, Protocol

import httpx
import numpy as np
import pandas as pd

from models.dispatch.estimator import TEXT, rank_table
from training import tracking

log = logging.getLogger(__name__)

DEFAULT_REF = tracking.CHAMPION
URL_ENV = "BUTLER_DISPATCH_URL"
HTTP_TIMEOUT_SECONDS = 30.0
_VERSION = re.compile(r"^[vV]?(\d+)$")


class DispatchModelUnavailable(RuntimeError):
    """No dispatch model can answer: none registered, an unknown alias or version, or the service is down."""


class Predictor(Protocol):
    name: str
    version: str
    threshold: float

    def rank(self, frame: pd.DataFrame, k: int = 3) -> pd.DataFrame: ...

    def table(self, frame: pd.DataFrame) -> list[list[dict[str, Any]]]: ...


def parse_ref(ref: str | None) -> tuple[str | None, str | None]:
    """Return (alias, version) for a model reference: "3" or "v3" is a version, any other word an alias."""
    ref = (ref or DEFAULT_REF).strip()
    match = _VERSION.match(ref)
    return (None, match.group(1)) if match else (ref, None)


def _has_text(frame: pd.DataFrame) -> np.ndarray:
    """Return a mask of rows with a non-blank text."""
    if TEXT not in frame.columns:
        raise ValueError(f"input has no '{TEXT}' column")
    return frame[TEXT].fillna("").astype(str).str.strip().ne("").to_numpy()


def _abstained_rows(count: int, k: int) -> pd.DataFrame:
    """Return rank rows for texts the model is not asked about: no labels, abstain."""
    columns: dict[str, Any] = {}
    for i in range(1, k + 1):
        columns[f"top{i}"] = [None] * count
        columns[f"top{i}_prob"] = [np.nan] * count
    columns["abstain"] = [True] * count
    return pd.DataFrame(columns)


def _merge(has_text: np.ndarray, ranked: pd.DataFrame, k: int) -> pd.DataFrame:
    """Place the ranked rows of texts among abstained rows of blanks, in input order."""
    out = _abstained_rows(len(has_text), k).astype(object)
    if len(ranked):
        out.loc[has_text, ranked.columns] = ranked.to_numpy(dtype=object)
    for i in range(1, k + 1):
        out[f"top{i}_prob"] = pd.to_numeric(out[f"top{i}_prob"], errors="coerce")
    out["abstain"] = out["abstain"].astype(bool)
    return out


class DispatchPredictor:
    """A registered dispatch model loaded in this process, by alias (default champion) or version."""

    def __init__(self, ref: str | None = None, name: str = tracking.DISPATCH_MODEL) -> None:
        self.name = name
        self.ref = (ref or DEFAULT_REF).strip()
        self.version = self._resolve_version()
        self.model = self._load()
        self.threshold = float(self.model.threshold_)
        self.classes = np.asarray(self.model.classes_, dtype=object)

    def _resolve_version(self) -> str:
        """Return the model version the reference names, or raise DispatchModelUnavailable saying why."""
        from mlflow import MlflowClient
        from mlflow.exceptions import MlflowException

        tracking.configure()
        alias, version = parse_ref(self.ref)
        client = MlflowClient()
        try:
            if alias is not None:
                return str(client.get_model_version_by_alias(self.name, alias).version)
            return str(client.get_model_version(self.name, version).version)
        except MlflowException:
            what = f"alias '{alias}'" if alias is not None else f"version {version}"
            raise DispatchModelUnavailable(
                f"no registered '{self.name}' model with {what} in {tracking.tracking_uri()}; "
                "run `butler train dispatch` first (or promote a model to that alias)"
            ) from None

    def _load(self) -> Any:
        import mlflow

        return mlflow.sklearn.load_model(f"models:/{self.name}/{self.version}")

    @property
    def structured_columns(self) -> tuple[str, ...]:
        """Return the non-text columns the model reads (source, street, time...); may be empty."""
        time_col = getattr(self.model, "time_col", None)
        return (*getattr(self.model, "categorical_cols", ()), *([time_col] if time_col else []))

    def with_structured(self, frame: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
        """Add the model's structured columns to FRAME from TABLE where it has them.

        The model takes a missing one as unknown for every row.
        """
        out = frame.copy()
        for column in self.structured_columns:
            if column in table.columns:
                out[column] = table[column].to_numpy()
        return out

    def proba(self, frame: pd.DataFrame) -> np.ndarray:
        """Return the probability table of rows with text (callers drop blank texts first)."""
        return self.model.predict_proba(frame)

    def rank(self, frame: pd.DataFrame, k: int = 3) -> pd.DataFrame:
        """Return top1..topk, their probabilities and abstain for each row, in input order."""
        k = max(1, min(k, len(self.classes)))
        has_text = _has_text(frame)
        ranked = pd.DataFrame()
        if has_text.any():
            ranked = rank_table(self.proba(frame[has_text]), self.classes, self.threshold, k)
        return _merge(has_text, ranked, k)

    def table(self, frame: pd.DataFrame) -> list[list[dict[str, Any]]]:
        """Return each row's full table of {label, probability}, most probable first (empty for blanks)."""
        has_text = _has_text(frame)
        tables: list[list[dict[str, Any]]] = [[] for _ in range(len(frame))]
        if not has_text.any():
            return tables
        proba = self.proba(frame[has_text])
        order = np.argsort(-proba, axis=1, kind="stable")
        for row, position in zip(np.flatnonzero(has_text), range(len(proba)), strict=True):
            tables[row] = [
                {"label": str(self.classes[j]), "probability": round(float(proba[position, j]), 4)}
                for j in order[position]
            ]
        return tables


def records_of(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Return the frame as JSON-ready records; timestamps keep their offset as ISO 8601 text."""
    return [{str(k): _jsonable(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def _jsonable(value: Any) -> Any:
    if value is None or (np.isscalar(value) and pd.isna(value)) or value is pd.NaT:
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, np.generic):
        return value.item()
    return value


class HttpPredictor:
    """The BentoML dispatch service (`bentoml serve serving.bento_service:DispatchService`) over HTTP."""

    def __init__(self, url: str, timeout: float = HTTP_TIMEOUT_SECONDS) -> None:
        self.url = url.rstrip("/")
        self.name = tracking.DISPATCH_MODEL
        self.version = ""
        self.threshold = float("nan")
        self._client = httpx.Client(base_url=self.url, timeout=timeout)

    def _call(self, route: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            response = self._client.post(route, json=body)
        except httpx.HTTPError as exc:
            raise DispatchModelUnavailable(f"dispatch service at {self.url} unreachable: {exc}") from None
        if response.status_code == 503:
            raise DispatchModelUnavailable(f"dispatch service at {self.url}: {response.text.strip()}")
        response.raise_for_status()
        answer = response.json()
        self.name = answer.get("model_name", self.name)
        self.version = str(answer.get("model_version", ""))
        self.threshold = float(answer.get("threshold", self.threshold))
        return answer

    def rank(self, frame: pd.DataFrame, k: int = 3) -> pd.DataFrame:
        """Return top1..topk, their probabilities and abstain for each row, from the service."""
        _has_text(frame)
        answer = self._call("/rank", {"records": records_of(frame), "k": k})
        ranked = pd.DataFrame(answer["rows"])
        for column in ranked.columns:
            if column.endswith("_prob"):
                ranked[column] = pd.to_numeric(ranked[column], errors="coerce")
        ranked["abstain"] = ranked["abstain"].astype(bool)
        return ranked.reset_index(drop=True)

    def table(self, frame: pd.DataFrame) -> list[list[dict[str, Any]]]:
        """Return each row's full probability table, from the service."""
        _has_text(frame)
        return self._call("/table", {"records": records_of(frame)})["tables"]

    def close(self) -> None:
        self._client.close()


_lock = threading.Lock()
_cache: dict[str, DispatchPredictor] = {}
_http: dict[str, HttpPredictor] = {}


def get_predictor(ref: str | None = None) -> DispatchPredictor:
    """Return the process-wide predictor for REF (default champion), loading it once."""
    key = (ref or DEFAULT_REF).strip()
    with _lock:
        if key not in _cache:
            _cache[key] = DispatchPredictor(key)
            log.info("loaded dispatch model version %s (%s)", _cache[key].version, key)
        return _cache[key]


def predictor_for_app() -> Predictor:
    """Return the HTTP predictor when BUTLER_DISPATCH_URL is set, else the in-process champion."""
    url = os.environ.get(URL_ENV, "").strip()
    if not url:
        return get_predictor()
    with _lock:
        if url not in _http:
            _http[url] = HttpPredictor(url)
        return _http[url]


def reset() -> None:
    """Forget loaded models (tests; after promoting a new champion in this process)."""
    with _lock:
        _cache.clear()
        for predictor in _http.values():
            predictor.close()
        _http.clear()
