"""The weekly review's sample transcripts, from a synthetic week written through the real desk."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from baton.cli.main import app
from baton.config import get_settings
from tests.factories.learn import seed_week_through_cli


@pytest.fixture
def seeded_store(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    seed_week_through_cli(db_url, monkeypatch)
    yield db_url
    get_settings.cache_clear()


def test_sample_transcripts_show_what_the_agents_wrote(seeded_store: str, tmp_path: Path) -> None:
    out = tmp_path / "review.json"
    result = CliRunner().invoke(app, ["report", "--week", "2026-W47", "--out", str(out)])
    assert result.exit_code == 0, result.output
    samples = json.loads(out.read_text())["samples"]
    agent_lines = [line for s in samples for line in s["lines"] if line["role"] == "agent"]
    assert agent_lines, "no sample reached an agent"
    assert all(line["text"].strip() for line in agent_lines)
