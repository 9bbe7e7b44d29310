"""The multi-worker tests use the fault tests' server and database fixtures."""

from tests.faults.conftest import pg_url, spawn

__all__ = ["pg_url", "spawn"]
