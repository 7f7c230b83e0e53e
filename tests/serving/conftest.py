"""Serving test fixtures: the tiny registered model's store, and an empty store."""

from tests.serving.fixtures import dispatch_store, empty_store  # noqa: F401  (fixtures for this folder)
