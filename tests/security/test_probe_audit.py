"""Probe row 5: every admin action is in the audit log with actor, time and target, and
`baton audit` filters it. Driven over HTTP (webhooks, secrets) and the CLI (agents, reading)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from baton.api.app import create_app
from baton.cli import common
from baton.cli.main import app as cli
from baton.config import Settings, get_settings
from baton.policy.loader import default_policy_path
from baton.store.audit import list_audit
from baton.store.db import session_scope
from baton.store.tables import DEFAULT_TENANT
from tests.api.conftest import authorized
from tests.factories.transfer import LOOPBACK


@pytest.fixture
def env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    monkeypatch.setenv("BATON_DATABASE_URL", settings.database_url)
    monkeypatch.setattr(common.console, "width", 400)  # one audit row a line, unfolded
    get_settings.cache_clear()
    yield settings
    get_settings.cache_clear()


def _cli(*args: str, stdin: str | None = None) -> str:
    get_settings.cache_clear()
    result = CliRunner().invoke(cli, list(args), input=stdin, terminal_width=300)
    assert result.exit_code == 0, result.output
    return result.output


def test_webhook_changes_and_secret_reads_are_audited(env: Settings) -> None:
    started = datetime.now(UTC) - timedelta(seconds=1)
    allowed = env.model_copy(update={"webhook_allow_private": LOOPBACK})
    with authorized(create_app(allowed)) as api:
        made = api.post("/v1/webhooks/endpoints", json={"url": "http://127.0.0.1:9/hook"})
        endpoint = made.json()["id"]
        secret = made.json()["secret"]
        patched = api.patch(f"/v1/webhooks/endpoints/{endpoint}", json={"description": "ops"})
        read = api.get(f"/v1/webhooks/endpoints/{endpoint}/secret")
        rotated = api.post(f"/v1/webhooks/endpoints/{endpoint}/rotate-secret")
        deleted = api.delete(f"/v1/webhooks/endpoints/{endpoint}")
        assert [r.status_code for r in (made, patched, read, rotated, deleted)] == [
            201, 200, 200, 200, 204,
        ]  # fmt: skip
        with session_scope(api.app.state.session_factory) as s:  # type: ignore[attr-defined]
            rows = list_audit(session=s, tenant_id=DEFAULT_TENANT, action="webhook.")
            logged = [(r.action, r.actor, r.target, r.at >= started) for r in reversed(rows)]
            everything = str(
                [
                    (r.data, r.target)
                    for r in list_audit(session=s, tenant_id=DEFAULT_TENANT, limit=1000)
                ]
            )
    assert logged == [
        ("webhook.created", "key:test-bot", endpoint, True),
        ("webhook.updated", "key:test-bot", endpoint, True),
        ("webhook.secret_read", "key:test-bot", endpoint, True),
        ("webhook.secret_rotated", "key:test-bot", endpoint, True),
        ("webhook.deleted", "key:test-bot", endpoint, True),
    ]
    assert secret not in everything and rotated.json()["secret"] not in everything
    out = _cli("audit", "--action", "webhook.secret_read")
    assert "webhook.secret_read" in out and "webhook.created" not in out
    by_target = _cli("audit", "--target", endpoint, "--actor", "key:test-bot")
    assert by_target.count("webhook.") == 5
    assert "webhook." not in _cli("audit", "--until", started.isoformat())


def test_accounts_and_policy_changes_are_audited(env: Settings, tmp_path: Path) -> None:
    password = "long enough password"
    _cli("agents", "create", "ada@example.com", "--name", "Ada", "--queues", "support",
         stdin=f"{password}\n{password}\n")  # fmt: skip
    created = _cli("audit", "--action", "agent.created")
    assert "agent.created" in created and "cli:" in created
    with TestClient(create_app(env.model_copy(update={"require_api_key": False}))):
        pass
    changed = tmp_path / "policy.yaml"
    changed.write_text(
        default_policy_path().read_text(encoding="utf-8").replace("name: default", "name: v2", 1),
        encoding="utf-8",
    )
    with TestClient(create_app(env.model_copy(update={"policy": changed}))):
        pass
    with TestClient(create_app(env.model_copy(update={"policy": changed}))):
        pass  # the same policy again: nothing new to record
    out = _cli("audit", "--action", "policy.changed")
    assert out.count("policy.changed") == 2 and "v2" in out and "default" in out
