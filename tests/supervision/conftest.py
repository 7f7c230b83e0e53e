"""The same fixtures as the SLA tests: no background scheduler, and a client without credentials."""

from tests.sla.conftest import _scheduler_off, client  # noqa: F401  (fixtures, found by name)
