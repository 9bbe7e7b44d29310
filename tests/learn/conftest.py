"""A store seeded with a synthetic week through `baton seed week`, for the CLI tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from baton.config import get_settings
from tests.factories.learn import seed_week_through_cli


@pytest.fixture
def seeded_store(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """BATON_DATABASE_URL pointing at a store holding 2026-W46 and 2026-W47, synthetic."""
    seed_week_through_cli(db_url, monkeypatch)
    yield db_url
    get_settings.cache_clear()
