"""Train, evaluate, track and register the emotion model; write the default model shipped in the package.

Data: a labelled file (text and polarity columns), or the public corpora in ../shared/data (SMP2020-EWECT
Weibo emotions and ChnSentiCorp hotel reviews; research use, never shipped themselves). Weibo labels map to
polarity as happy -> positive, angry/sad/fear -> negative, neutral -> neutral; surprise is left out of the
polarity task (it goes both ways) but kept for the anger head, whose target is angry vs any other emotion.

One run holds out a stratified fifth, fits on the rest, measures there, logs everything to MLflow, then refits
on all rows and registers `emotion` (alias challenger, and champion when there is none).
"""

import logging
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, f1_score, recall_score, roc_auc_score
from sklearn.model_selection import train_test_split

from models.emotion.estimator import NEGATIVE, NEUTRAL, POLARITIES, POSITIVE, EmotionClassifier, EmotionError
from training import tracking

log = logging.getLogger(__name__)

HOLDOUT_SHARE = 0.2
SMP_FILE = "smp2020_ewect/smp2020_ewect_raw.utf8.csv"
HOTEL_FILE = "chnsenticorp_htl/ChnSentiCorp_htl_all.utf8.csv"
WEIBO_POLARITY = {"happy": POSITIVE, "angry": NEGATIVE, "sad": NEGATIVE, "fear": NEGATIVE, "neutral": NEUTRAL}
# Labels a user's file may use for polarity, mapped to ours (case-insensitive).
POLARITY_ALIASES = {
    **{p: p for p in POLARITIES},
    "neg": NEGATIVE,
    "pos": POSITIVE,
    "neu": NEUTRAL,
    "-1": NEGATIVE,
    "0": NEGATIVE,
    "1": POSITIVE,
    "消极": NEGATIVE,
    "负面": NEGATIVE,
    "积极": POSITIVE,
    "正面": POSITIVE,
    "中性": NEUTRAL,
    "中立": NEUTRAL,
    "happy": POSITIVE,
    "angry": NEGATIVE,
    "sad": NEGATIVE,
    "fear": NEGATIVE,
    "neutral": NEUTRAL,
}


@dataclass
class EmotionTrainResult:
    model: EmotionClassifier
    metrics: dict[str, float]
    run_id: str | None
    version: str | None = None
    aliases: list[str] = field(default_factory=list)


def read_weibo(data_dir: Path) -> pd.DataFrame:
    """Return SMP2020-EWECT as [text, polarity, angry, domain, split] (surprise has no polarity)."""
    table = pd.read_csv(Path(data_dir) / SMP_FILE, keep_default_na=False)
    return pd.DataFrame(
        {
            "text": table["content"].astype(str),
            "polarity": table["label"].map(WEIBO_POLARITY),
            "angry": (table["label"] == "angry").astype(float),
            "domain": "weibo_" + table["domain"].astype(str),
            "split": table["split"].astype(str),
        }
    )


def read_hotel(data_dir: Path) -> pd.DataFrame:
    """Return ChnSentiCorp hotel reviews as [text, polarity, angry (unknown), domain, split]."""
    table = pd.read_csv(Path(data_dir) / HOTEL_FILE, keep_default_na=False)
    table = table[table["review"].astype(str).str.strip() != ""]
    return pd.DataFrame(
        {
            "text": table["review"].astype(str),
            "polarity": np.where(table["label"].astype(int) == 1, POSITIVE, NEGATIVE),
            "angry": np.nan,
            "domain": "hotel",
            "split": "all",
        }
    )


def public_corpus(data_dir: Path) -> pd.DataFrame:
    """Return the public corpora together; raise EmotionError naming what is missing."""
    missing = [name for name in (SMP_FILE, HOTEL_FILE) if not (Path(data_dir) / name).is_file()]
    if missing:
        raise EmotionError(f"{data_dir}: missing {', '.join(missing)}; give --public-dir or --data")
    return pd.concat([read_weibo(data_dir), read_hotel(data_dir)], ignore_index=True)


def labelled_file(table: pd.DataFrame, text_col: str, label_col: str) -> pd.DataFrame:
    """Return a user's table as [text, polarity, angry]; unknown labels are an EmotionError listing them."""
    for column, role in ((text_col, "text"), (label_col, "label")):
        if column not in table.columns:
            raise EmotionError(f"unknown {role} column '{column}'; the file has: {', '.join(table.columns)}")
    raw = table[label_col].fillna("").astype(str).str.strip().str.lower()
    polarity = raw.map(POLARITY_ALIASES)
    unknown = sorted(set(raw[polarity.isna() & (raw != "")]))
    if unknown:
        raise EmotionError(
            f"unknown labels in '{label_col}': {', '.join(unknown[:5])}; use negative/neutral/positive "
            "(or 0/1, 消极/中性/积极)"
        )
    frame = pd.DataFrame(
        {
            "text": table[text_col].fillna("").astype(str),
            "polarity": polarity,
            "angry": (raw == "angry") * 1.0,
        }
    )
    frame.loc[~raw.isin(["angry", "happy", "sad", "fear", "neutral"]), "angry"] = np.nan
    usable = (frame["text"].str.strip() != "") & frame["polarity"].notna()
    if not usable.any():
        raise EmotionError("no row has both a text and a label")
    return frame[usable].reset_index(drop=True)


def evaluate(model: EmotionClassifier, frame: pd.DataFrame) -> dict[str, float]:
    """Return held-out metrics: 3-class accuracy and macro-F1, negative-vs-positive macro-F1 and ROC-AUC,
    and anger recall where anger is labelled."""
    proba = model.predict_proba(frame["text"].tolist())
    classes = list(model.classes_)
    predicted = np.asarray(classes, dtype=object)[proba.argmax(axis=1)]
    metrics = {
        "accuracy": accuracy_score(frame["polarity"], predicted),
        "macro_f1": f1_score(frame["polarity"], predicted, average="macro"),
    }
    binary = frame["polarity"].isin([NEGATIVE, POSITIVE]).to_numpy()
    if binary.any() and {NEGATIVE, POSITIVE} <= set(classes):
        positive, negative = proba[binary, classes.index(POSITIVE)], proba[binary, classes.index(NEGATIVE)]
        truth = frame["polarity"].to_numpy()[binary]
        decided = np.where(positive > negative, POSITIVE, NEGATIVE)
        metrics["binary_accuracy"] = accuracy_score(truth, decided)
        metrics["binary_macro_f1"] = f1_score(truth, decided, average="macro")
        if len(set(truth)) == 2:
            metrics["binary_roc_auc"] = roc_auc_score(truth == POSITIVE, positive - negative)
    angry = frame["angry"].to_numpy(dtype=float)
    if model.angry_ is not None and (angry == 1).any():
        known = ~np.isnan(angry)
        hit = model.anger_proba(frame["text"][known].tolist()) >= 0.5
        metrics["anger_recall"] = recall_score(angry[known].astype(int), hit.astype(int))
    return {name: float(value) for name, value in metrics.items()}


def train_emotion(
    frame: pd.DataFrame, *, source: str, C: float = 2.0, register: bool = True, seed: int = 0
) -> EmotionTrainResult:
    """Hold out a fifth, fit, evaluate, log to MLflow; refit on all rows and (by default) register."""
    labels = frame["polarity"].astype(str)
    if labels.value_counts().min() < 5 or len(frame) < 20:
        raise EmotionError("too few labelled rows: give at least 20, with 5 of each polarity")
    train, held = train_test_split(
        np.arange(len(frame)), test_size=HOLDOUT_SHARE, stratify=labels, random_state=seed
    )
    evaluated = _fit(frame.iloc[train], C, seed)
    metrics = evaluate(evaluated, frame.iloc[held])
    final = _fit(frame, C, seed)
    with mlflow.start_run(experiment_id=tracking.experiment(tracking.EMOTION_MODEL)) as run:
        mlflow.log_params(
            {
                "source": source,
                "rows": len(frame),
                "train_rows": len(train),
                "evaluation_rows": len(held),
                "C": C,
                "temperature": round(final.temperature_, 4),
                "anger_head": final.angry_ is not None,
            }
        )
        mlflow.log_metrics({f"eval_{name}": value for name, value in metrics.items()})
        mlflow.log_metric("fit_seconds", final.fit_seconds_)
        result = EmotionTrainResult(final, metrics, run.info.run_id)
        if register:
            result.version, result.aliases = _register(final, frame)
    return result


def _fit(frame: pd.DataFrame, C: float, seed: int) -> EmotionClassifier:
    return EmotionClassifier(C=C, random_state=seed).fit(
        frame["text"].tolist(), frame["polarity"].tolist(), angry=frame["angry"].tolist()
    )


def _register(model: EmotionClassifier, frame: pd.DataFrame) -> tuple[str, list[str]]:
    """Log and register the model as `emotion`; alias challenger, and champion if there is none."""
    example = frame["text"].head(2).to_numpy(dtype=object)
    return tracking.register_model(model, tracking.EMOTION_MODEL, example)


def champion_version() -> str | None:
    """Return the version of `emotion@champion`, or None."""
    return tracking.alias_version(tracking.EMOTION_MODEL, tracking.CHAMPION)


def write_default(model: EmotionClassifier, path: Path) -> int:
    """Write MODEL as the package's default (skops, compressed) atomically; return its size in bytes."""
    import zipfile

    import skops.io

    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".skops", delete=False) as handle:
        temporary = Path(handle.name)
    try:
        skops.io.dump(model, temporary, compression=zipfile.ZIP_DEFLATED, compresslevel=9)
        temporary.chmod(0o644)
        temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)
    return path.stat().st_size
