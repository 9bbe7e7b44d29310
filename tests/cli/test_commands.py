from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect, select
from typer.testing import CliRunner

from baton.cli.main import app
from baton.config import get_settings
from baton.store import repositories as repo
from baton.store.db import make_engine, make_session_factory
from baton.store.tables import ApiKeyRow


@pytest.fixture
def env(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("BATON_DATABASE_URL", db_url)
    get_settings.cache_clear()
    yield db_url
    get_settings.cache_clear()


def test_db_upgrade_creates_the_schema(env: str) -> None:
    result = CliRunner().invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    engine = make_engine(env)
    assert {"conversations", "turns", "handoffs", "handoff_events", "outbox", "api_keys"} <= set(
        inspect(engine).get_table_names()
    )
    engine.dispose()


def test_keys_create_prints_a_key_stored_only_as_a_hash(env: str) -> None:
    result = CliRunner().invoke(app, ["keys", "create", "support-bot"])
    assert result.exit_code == 0, result.output
    key = result.output.strip().splitlines()[-1]
    assert key.startswith("bk_")
    engine = make_engine(env)
    with make_session_factory(engine)() as session:
        rows = list(session.scalars(select(ApiKeyRow)))
        assert [r.name for r in rows] == ["support-bot"]
        assert key not in (rows[0].key_sha256, rows[0].prefix)
        assert repo.get_api_key_by_secret(session=session, key=key) is not None
        assert repo.get_api_key_by_secret(session=session, key=key + "x") is None
    engine.dispose()


def test_a_command_that_writes_names_the_store(env: str) -> None:
    result = CliRunner().invoke(app, ["keys", "create", "named-bot"])
    assert result.exit_code == 0, result.output
    assert "store: " in result.stderr
    expected = "SQLite file /" if env.startswith("sqlite") else "store: postgresql"
    assert expected in result.stderr


def test_bench_detect_reports_cpu_per_turn_and_the_load(
    model_cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BATON_MODEL_CACHE_DIR", str(model_cache_dir))
    get_settings.cache_clear()
    before = os.sched_getaffinity(0)
    args = ["bench", "detect", "--turns", "100", "--history", "4", "--modes", "light", "--json"]
    result = CliRunner().invoke(app, args)
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout.strip().splitlines()[-1])
    light = report["light"]
    assert light["mode"] == "light" and light["distinct_texts"] == 100
    assert 0 < light["cpu_p50_ms"] <= light["cpu_p99_ms"] and light["cpu_ms_per_turn"] > 0
    assert len(report["load_average"]) == 3
    assert os.sched_getaffinity(0) == before  # the pin to one core is undone
