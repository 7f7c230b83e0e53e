"""Serving: load registered models, BentoML services, the predictor the app calls."""
