"""Dispatch metrics from a probability table: the figures training logs and the benchmark reports."""

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

from models.dispatch.calibration import coverage_at_precision, expected_calibration_error

COVERAGE_TARGETS = (0.95, 0.97)


def top_k_accuracy(proba: np.ndarray, y_index: np.ndarray, k: int = 3) -> float:
    """Return the share of events whose true label is among the k most probable."""
    top = np.argsort(-proba, axis=1, kind="stable")[:, :k]
    return float((top == y_index[:, None]).any(axis=1).mean())


def summary_metrics(proba: np.ndarray, y_index: np.ndarray) -> dict[str, float]:
    """Return accuracy, macro-F1, top-3, ECE and auto-dispatch coverage at the target precisions."""
    predicted = proba.argmax(axis=1)
    confidence, correct = proba.max(axis=1), predicted == y_index
    metrics = {
        "accuracy": float(accuracy_score(y_index, predicted)),
        "macro_f1": float(f1_score(y_index, predicted, average="macro")),
        "top3_accuracy": top_k_accuracy(proba, y_index, 3),
        "ece": expected_calibration_error(proba, y_index),
    }
    for target in COVERAGE_TARGETS:
        metrics[f"coverage_at_{round(target * 100)}"] = coverage_at_precision(confidence, correct, target)
    return metrics


def per_class_table(proba: np.ndarray, y_index: np.ndarray, classes: np.ndarray) -> pd.DataFrame:
    """Return precision, recall, F1 and support per label, worst F1 first."""
    labels = np.arange(len(classes))
    precision, recall, f1, support = precision_recall_fscore_support(
        y_index, proba.argmax(axis=1), labels=labels, zero_division=0
    )
    table = pd.DataFrame(
        {"label": classes, "precision": precision, "recall": recall, "f1": f1, "support": support}
    )
    return table[table["support"] > 0].sort_values(["f1", "support"]).reset_index(drop=True)


def confusion_table(proba: np.ndarray, y_index: np.ndarray, classes: np.ndarray) -> pd.DataFrame:
    """Return the confusion matrix with true labels as rows and predicted labels as columns."""
    matrix = confusion_matrix(y_index, proba.argmax(axis=1), labels=np.arange(len(classes)))
    return pd.DataFrame(
        matrix, index=pd.Index(classes, name="true"), columns=pd.Index(classes, name="predicted")
    )
