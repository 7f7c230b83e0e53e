"""Train, evaluate, track and register the dispatch model; promote a challenger that is at least as good.

One run:
1. hold out an evaluation set: the newest 20% of events for the database (the model is judged on events that
   came after the ones it learned from), a stratified 20% for a user's file;
2. search C for the linear scorer within a time budget, by the estimator's own cross-validated macro-F1;
3. fit on the rest, measure on the held-out set, log everything to MLflow;
4. refit on all rows and register that model as `dispatch`, alias `challenger` (and `champion` when there
   is none yet). The evaluation set and its digest are logged with the run, for `promote`.
"""

import hashlib
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from tempfile import TemporaryDirectory

import mlflow
import numpy as np
import pandas as pd
from mlflow import MlflowClient
from sklearn.model_selection import train_test_split

from features.text.normalize import normalize_series
from models.dispatch import DispatchClassifier, DispatchError
from models.dispatch.estimator import TEXT
from training import tracking
from training.evaluate import confusion_table, per_class_table, summary_metrics

log = logging.getLogger(__name__)

C_GRID = (0.5, 0.2, 1.0, 0.1, 2.0)
HOLDOUT_SHARE = 0.2
EVALUATION_SET = "evaluation_set.csv"
EVALUATION_DIGEST = "evaluation_set_sha256"
PROMOTION_METRIC = "macro_f1"


@dataclass
class TrainResult:
    """What one training run produced."""

    model: DispatchClassifier
    metrics: dict[str, float]
    run_id: str
    version: str | None = None
    aliases: list[str] = field(default_factory=list)


def holdout_split(
    X: pd.DataFrame, y: pd.Series, time_col: str | None, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Return (train, held-out) positions: the newest share by time if timed, else a stratified share."""
    positions = np.arange(len(y))
    if time_col:
        order = np.argsort(pd.to_datetime(X[time_col], errors="coerce", utc=True).to_numpy(), kind="stable")
        cut = int(round(len(order) * (1 - HOLDOUT_SHARE)))
        return np.sort(order[:cut]), np.sort(order[cut:])
    counts = y.value_counts()
    splittable = y.map(counts).to_numpy() >= 2
    train, held = train_test_split(
        positions[splittable], test_size=HOLDOUT_SHARE, stratify=y[splittable], random_state=seed
    )
    return np.sort(np.concatenate([train, positions[~splittable]])), np.sort(held)


def search_c(
    X: pd.DataFrame, y: pd.Series, params: dict, budget_seconds: float
) -> tuple[float, dict[float, float]]:
    """Return the C with the best cross-validated macro-F1 (temperature head, for speed) and all tried."""
    started, tried = time.perf_counter(), {}
    for c in C_GRID:
        model = DispatchClassifier(**params, C=c, head="temperature").fit(X, y)
        tried[c] = model.head_scores_["temperature"]["macro_f1"]
        if time.perf_counter() - started > budget_seconds:
            break
    return max(tried, key=tried.__getitem__), tried


def train_dispatch(
    X: pd.DataFrame,
    y: pd.Series,
    *,
    source: str,
    categorical_cols: tuple[str, ...] = (),
    time_col: str | None = None,
    descriptions: dict[str, str] | None = None,
    min_label_count: int = 2,
    target_precision: float = 0.95,
    search_seconds: float = 60.0,
    register: bool = True,
    seed: int = 0,
) -> TrainResult:
    """Train, evaluate on a held-out set, log to MLflow and (by default) register the dispatch model."""
    y = pd.Series(np.asarray(y, dtype=object), index=X.index).astype(str)
    params = {
        "categorical_cols": tuple(categorical_cols),
        "time_col": time_col,
        "descriptions": descriptions,
        "min_label_count": min_label_count,
        "target_precision": target_precision,
        "random_state": seed,
    }
    train, held = holdout_split(X, y, time_col, seed)
    best_c, tried = search_c(X.iloc[train], y.iloc[train], params, search_seconds)
    evaluated = DispatchClassifier(**params, C=best_c).fit(X.iloc[train], y.iloc[train])
    metrics, per_class, confusion = _evaluate(evaluated, X.iloc[held], y.iloc[held])
    final = DispatchClassifier(**params, C=best_c).fit(X, y)

    with mlflow.start_run(experiment_id=tracking.experiment(tracking.DISPATCH_MODEL)) as run:
        mlflow.log_params(
            {
                "source": source,
                "rows": len(y),
                "train_rows": len(train),
                "evaluation_rows": len(held),
                "labels": len(final.classes_),
                "rare_labels": len(final.rare_labels_),
                "C": best_c,
                "head": final.head_,
                "categorical_cols": ",".join(categorical_cols),
                "time_col": time_col or "",
                "described_labels": int(final.described_.sum()),
                "target_precision": target_precision,
                "abstain_threshold": round(final.threshold_, 4),
            }
        )
        mlflow.log_metrics({f"eval_{name}": value for name, value in metrics.items()})
        mlflow.log_metrics({f"cv_macro_f1_C_{c}": score for c, score in tried.items()})
        mlflow.log_metrics({f"cv_{head}_macro_f1": s["macro_f1"] for head, s in final.head_scores_.items()})
        mlflow.log_metric("fit_seconds", final.fit_seconds_)
        evaluation = _evaluation_set(X.iloc[held], y.iloc[held])
        mlflow.set_tag(EVALUATION_DIGEST, digest(evaluation))
        _log_tables(per_class, confusion, evaluation, final.rare_labels_)
        result = TrainResult(final, metrics, run.info.run_id)
        if register:
            result.version, result.aliases = _register(final, X)
    return result


def _evaluate(
    model: DispatchClassifier, X: pd.DataFrame, y: pd.Series
) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """Return held-out metrics, per-class table and confusion matrix (unlearnable labels count as misses)."""
    if len(y) == 0:
        raise DispatchError("too few rows to hold out an evaluation set; give at least 10 labelled rows")
    proba = model.predict_proba(X)
    known = np.isin(y.to_numpy(), model.classes_)
    y_index = np.where(known, np.searchsorted(model.classes_, y.to_numpy()), -1)
    metrics = summary_metrics(proba, y_index)
    metrics["evaluation_unknown_label_share"] = float((~known).mean())
    return (
        metrics,
        per_class_table(proba, y_index, model.classes_),
        confusion_table(proba, y_index, model.classes_),
    )


def _evaluation_set(X: pd.DataFrame, y: pd.Series) -> pd.DataFrame:
    """Return the held-out rows as logged: texts normalised, so phone and ID numbers are masked."""
    frame = X.copy()
    frame[TEXT] = normalize_series(frame[TEXT])
    frame["label"] = y.to_numpy()
    return frame


def digest(evaluation: pd.DataFrame) -> str:
    """Return a fingerprint of an evaluation set, to tell whether two runs were measured on the same rows."""
    return hashlib.sha256(evaluation.to_csv(index=False).encode()).hexdigest()


def _log_tables(
    per_class: pd.DataFrame, confusion: pd.DataFrame, evaluation: pd.DataFrame, rare: dict
) -> None:
    with TemporaryDirectory() as folder:
        base = Path(folder)
        per_class.to_csv(base / "per_class.csv", index=False)
        confusion.to_csv(base / "confusion.csv")
        evaluation.to_csv(base / EVALUATION_SET, index=False)
        pd.Series(rare, name="count", dtype=int).rename_axis("label").to_csv(base / "rare_labels.csv")
        mlflow.log_artifacts(folder)


def _register(model: DispatchClassifier, X: pd.DataFrame) -> tuple[str, list[str]]:
    """Log and register the model; alias it challenger, and champion if there is none."""
    example = X.head(2).copy()
    example[TEXT] = normalize_series(example[TEXT])
    # MLflow's schema check rejects timezone-aware datetimes; the model parses ISO strings just as well.
    for column in example.select_dtypes(include=["datetime", "datetimetz"]).columns:
        example[column] = example[column].astype(str)
    return tracking.register_model(model, tracking.DISPATCH_MODEL, example)


def champion_version() -> str | None:
    """Return the version of the current champion, or None when there is none."""
    return tracking.alias_version(tracking.DISPATCH_MODEL, tracking.CHAMPION)


@dataclass
class Promotion:
    """The outcome of comparing the challenger with the champion on the challenger's evaluation set."""

    promoted: bool
    challenger: str
    champion: str | None
    challenger_score: float
    champion_score: float | None

    def message(self) -> str:
        """Say what happened, with both scores."""
        if self.champion_score is None:
            return f"version {self.challenger} is champion"
        verdict = "promoted to champion" if self.promoted else "not promoted: the champion stays"
        return (
            f"challenger v{self.challenger} {PROMOTION_METRIC}={self.challenger_score:.4f} vs champion "
            f"v{self.champion} {PROMOTION_METRIC}={self.champion_score:.4f}: {verdict}"
        )


def promote() -> Promotion:
    """Move `champion` to the challenger if it is at least as good on the challenger's evaluation set.

    When both runs held out the same rows (same data and seed), their logged held-out scores are compared.
    Otherwise the champion is scored now on the challenger's held-out rows; if it had trained on some of
    them, the test leans towards keeping it, which is the safe side.
    """
    tracking.configure()
    client = MlflowClient()
    challenger = tracking.alias_version(tracking.DISPATCH_MODEL, tracking.CHALLENGER)
    if challenger is None:
        raise DispatchError("no challenger: train one with `butler train dispatch` first")
    champion = tracking.alias_version(tracking.DISPATCH_MODEL, tracking.CHAMPION)
    challenger_run = client.get_run(client.get_model_version(tracking.DISPATCH_MODEL, challenger).run_id)
    challenger_score = challenger_run.data.metrics[f"eval_{PROMOTION_METRIC}"]
    if champion is None or champion == challenger:
        client.set_registered_model_alias(tracking.DISPATCH_MODEL, tracking.CHAMPION, challenger)
        return Promotion(True, challenger, None, challenger_score, None)
    champion_run = client.get_run(client.get_model_version(tracking.DISPATCH_MODEL, champion).run_id)
    if champion_run.data.tags.get(EVALUATION_DIGEST) == challenger_run.data.tags.get(EVALUATION_DIGEST):
        champion_score = champion_run.data.metrics[f"eval_{PROMOTION_METRIC}"]
    else:
        champion_score = _score_on_evaluation_set(champion, challenger_run.info.run_id)
    promoted = challenger_score >= champion_score
    if promoted:
        client.set_registered_model_alias(tracking.DISPATCH_MODEL, tracking.CHAMPION, challenger)
    return Promotion(promoted, challenger, champion, challenger_score, champion_score)


def _score_on_evaluation_set(version: str, run_id: str) -> float:
    """Return model VERSION's macro-F1 on the evaluation set logged by run RUN_ID."""
    with TemporaryDirectory() as folder:
        path = mlflow.artifacts.download_artifacts(
            run_id=run_id, artifact_path=EVALUATION_SET, dst_path=folder
        )
        evaluation = pd.read_csv(path, dtype=str, keep_default_na=False)
    model = mlflow.sklearn.load_model(f"models:/{tracking.DISPATCH_MODEL}/{version}")
    labels = evaluation.pop("label")
    metrics, _, _ = _evaluate(model, evaluation, labels)
    return metrics[PROMOTION_METRIC]
