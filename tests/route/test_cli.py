"""`baton worker --once` and `baton bench route` run against a real SQLite store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from baton.cli.main import app
from baton.config import get_settings


@pytest.fixture
def sqlite_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("BATON_DATABASE_URL", f"sqlite:///{tmp_path / 'baton.db'}")
    monkeypatch.delenv("BATON_TEST_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.usefixtures("sqlite_env")
def test_worker_once_migrates_and_runs_a_pass() -> None:
    result = CliRunner().invoke(app, ["worker", "--once", "--name", "w"])
    assert result.exit_code == 0, result.output
    assert "0 assigned, 0 timers fired, 0 offers expired" in result.output


@pytest.mark.usefixtures("sqlite_env")
def test_bench_route_checks_its_own_history() -> None:
    result = CliRunner().invoke(app, ["bench", "route", "--cases", "120", "--agents", "7"])
    assert result.exit_code == 0, result.output
    row = next(line for line in result.output.splitlines() if "sqlite" in line)
    assert "120" in row and row.rstrip(" │").endswith("ok")
    assert "PostgreSQL skipped" in result.output
