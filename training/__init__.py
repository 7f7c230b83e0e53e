"""Training pipelines: fit, evaluate, log to MLflow and register."""
