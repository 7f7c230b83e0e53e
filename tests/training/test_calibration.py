"""Calibration helpers: temperature recovery, ECE, and thresholds that respect tied confidences."""

import numpy as np
from scipy.special import softmax

from models.dispatch.calibration import (
    coverage_at_precision,
    expected_calibration_error,
    fit_temperature,
    threshold_for_precision,
)


def test_temperature_recovers_the_scale_that_generated_the_labels():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(20_000, 4)) * 3
    labels = np.array([rng.choice(4, p=p) for p in softmax(logits / 2.0, axis=1)])
    assert abs(fit_temperature(logits, labels) - 2.0) < 0.1


def test_ece_is_small_for_calibrated_and_large_for_overconfident_probabilities():
    rng = np.random.default_rng(1)
    proba = softmax(rng.normal(size=(20_000, 3)) * 2, axis=1)
    labels = np.array([rng.choice(3, p=p) for p in proba])
    assert expected_calibration_error(proba, labels) < 0.02
    sharpened = softmax(np.log(proba) * 4, axis=1)
    assert expected_calibration_error(sharpened, labels) > 0.1


def test_tied_confidences_are_taken_or_left_together():
    confidence = np.array([0.9, 0.8, 0.8, 0.7])
    correct = np.array([True, True, False, True])
    # Taking 0.8 means taking both 0.8 rows (precision 2/3), so only the 0.9 row reaches 95%.
    assert threshold_for_precision(confidence, correct, 0.95) == 0.9
    assert coverage_at_precision(confidence, correct, 0.95) == 0.25
    assert coverage_at_precision(confidence, correct, 0.6) == 1.0
    same = np.full(10, 0.5)
    assert coverage_at_precision(same, np.arange(10) < 2, 0.95) == 0.0
    assert threshold_for_precision(same, np.arange(10) < 2, 0.95) > 1
