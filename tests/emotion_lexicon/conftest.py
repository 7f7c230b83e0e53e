"""A client without credentials (each request passes its user's headers), and no background scheduler."""

from tests.sla.conftest import _scheduler_off, client  # noqa: F401  (fixtures, found by name)
