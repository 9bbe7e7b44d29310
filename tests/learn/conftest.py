"""A store seeded with a synthetic week through `baton seed week`, for the CLI tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from baton.cli.main import app
from baton.config import get_settings


@pytest.fixture
def seeded_store(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """BATON_DATABASE_URL pointing at a store holding 2026-W46 and 2026-W47, synthetic."""
    monkeypatch.setenv("BATON_DATABASE_URL", db_url)
    get_settings.cache_clear()
    result = CliRunner().invoke(
        app, ["seed", "week", "--week", "2026-W47", "--conversations", "60", "--history", "1"]
    )
    assert result.exit_code == 0, result.output
    assert "synthetic" in result.output
    yield db_url
    get_settings.cache_clear()
