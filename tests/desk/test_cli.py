"""`baton agents create` and `baton kb load` against a real SQLite store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from baton.cli.main import app
from baton.config import Settings, get_settings
from baton.desk import agents, knowledge
from baton.store.db import make_engine, make_session_factory, session_scope
from baton.store.tables import DEFAULT_TENANT


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("BATON_DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def read(url: str):  # type: ignore[no-untyped-def]
    engine = make_engine(Settings(database_url=url).database_url)
    return engine, make_session_factory(engine)


def test_agents_create_hashes_the_prompted_password(store: str) -> None:
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "agents",
            "create",
            "Sue@Example.com",
            "--name",
            "Sue Perv",
            "--role",
            "supervisor",
            "--queues",
            "support,billing",
        ],
        input="a long password\na long password\n",
    )
    assert result.exit_code == 0, result.output
    assert "created supervisor" in result.output
    engine, factory = read(store)
    with session_scope(factory) as session:
        sue = agents.authenticate(
            session=session, email="sue@example.com", password="a long password"
        )
        assert sue is not None
        assert (sue.role, sue.queues) == ("supervisor", ["support", "billing"])
    engine.dispose()
    listed = runner.invoke(app, ["agents", "list"])
    assert "sue@example.com\tsupervisor\toffline\tsupport, billing" in listed.output


def test_agents_create_refuses_unknown_queues_and_short_passwords(store: str) -> None:
    runner = CliRunner()
    bad_queue = runner.invoke(
        app,
        ["agents", "create", "a@x.io", "--name", "A", "--queues", "nowhere"],
        input="a long password\na long password\n",
    )
    assert bad_queue.exit_code == 2 and "unknown queues" in bad_queue.output
    short = runner.invoke(
        app, ["agents", "create", "a@x.io", "--name", "A"], input="short\nshort\n"
    )
    assert short.exit_code == 2 and "invalid_request" in short.output


def test_kb_load_then_search(store: str, tmp_path: Path) -> None:
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "refunds.md").write_text("# Refunds\n\nRefunds take five business days.\n")
    (folder / "cards.md").write_text("# Cards\n\nFreeze a lost card in the app.\n")
    runner = CliRunner()
    first = runner.invoke(app, ["kb", "load", str(folder)])
    assert first.exit_code == 0, first.output
    assert "2 articles: 2 added, 0 updated, 0 unchanged, 0 removed" in first.output
    (folder / "cards.md").unlink()
    second = runner.invoke(app, ["kb", "load", str(folder), "--prune"])
    assert "1 articles: 0 added, 0 updated, 1 unchanged, 1 removed" in second.output
    found = runner.invoke(app, ["kb", "search", "refund"])
    assert "\trefunds\tRefunds" in found.output
    engine, factory = read(store)
    with session_scope(factory) as session:
        assert knowledge.get(tenant_id=DEFAULT_TENANT, session=session, slug="cards") is None
    engine.dispose()
    missing = runner.invoke(app, ["kb", "load", str(tmp_path / "nope")])
    assert missing.exit_code == 2
