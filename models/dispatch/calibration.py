"""Turning scores into honest probabilities, and choosing when the model may decide alone."""

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax, softmax


def fit_temperature(scores: np.ndarray, y_index: np.ndarray) -> float:
    """Return the temperature T minimising the log loss of softmax(scores / T) on held-out scores."""

    def log_loss(t: float) -> float:
        return float(-log_softmax(scores / t, axis=1)[np.arange(len(y_index)), y_index].mean())

    return float(minimize_scalar(log_loss, bounds=(0.01, 20.0), method="bounded").x)


def temperature_proba(scores: np.ndarray, temperature: float) -> np.ndarray:
    """Return softmax(scores / T)."""
    return softmax(scores / temperature, axis=1)


def precision_curve(confidence: np.ndarray, correct: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (distinct confidences descending, precision of the predictions at or above each one).

    Tied confidences form one step: a threshold cannot take some of them and leave the others.
    """
    order = np.argsort(-confidence, kind="stable")
    ranked = confidence[order]
    precision = np.cumsum(correct[order]) / np.arange(1, len(order) + 1)
    last_of_tie = np.append(ranked[1:] != ranked[:-1], True)
    return ranked[last_of_tie], precision[last_of_tie]


def threshold_for_precision(confidence: np.ndarray, correct: np.ndarray, target: float) -> float:
    """Return the lowest confidence whose auto-dispatched set reaches `target` precision (> 1: never)."""
    sorted_conf, precision = precision_curve(confidence, correct)
    reaching = np.flatnonzero(precision >= target)
    if len(reaching) == 0:
        return 1.0 + 1e-9
    return float(sorted_conf[reaching.max()])


def coverage_at_precision(confidence: np.ndarray, correct: np.ndarray, target: float) -> float:
    """Return the largest share of events that can be auto-dispatched at `target` precision."""
    sorted_conf, precision = precision_curve(confidence, correct)
    reaching = np.flatnonzero(precision >= target)
    if len(reaching) == 0:
        return 0.0
    return float(np.mean(confidence >= sorted_conf[reaching.max()]))


def expected_calibration_error(proba: np.ndarray, y_index: np.ndarray, bins: int = 15) -> float:
    """Return the top-label ECE: the bin-weighted gap between confidence and accuracy (equal-width bins)."""
    confidence = proba.max(axis=1)
    correct = proba.argmax(axis=1) == y_index
    bin_of = np.minimum((confidence * bins).astype(int), bins - 1)
    total = 0.0
    for b in np.unique(bin_of):
        in_bin = bin_of == b
        total += in_bin.mean() * abs(correct[in_bin].mean() - confidence[in_bin].mean())
    return float(total)
