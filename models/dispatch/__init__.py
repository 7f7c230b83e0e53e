"""Dispatch ranking: a calibrated probability table over the departments for an event."""

from models.dispatch.estimator import DispatchClassifier, DispatchError, rank_table

__all__ = ["DispatchClassifier", "DispatchError", "rank_table"]
