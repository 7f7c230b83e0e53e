"""Estimators in scikit-learn style: dispatch ranking, emotion scoring, proactive recommendation."""
