"""Each tenant runs its own policy: set through the admin API or `baton policy set --tenant`,
used on the tenant's next turn without a restart, and out of reach of bot and read keys."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from baton.api.app import create_app
from baton.cli.main import app as cli
from baton.config import Settings, get_settings
from baton.policy import parse_policy, policy_hash
from baton.policy.loader import default_policy_path
from baton.store.db import session_scope
from baton.store.keys import create_key
from baton.store.notify import EventWaker, doorbell_key
from baton.store.tenants import Scope, create_tenant
from baton.tenant_policy import TenantPolicies

BOT_LINE = "Here is what I found."
SOMEWHAT_SURE: dict[str, Any] = {"confidence": 0.6}


def strict_yaml() -> str:
    """The shipped policy, but a bot answer below 0.9 confidence offers a person."""
    text = default_policy_path().read_text(encoding="utf-8")
    strict = text.replace("name: default", "name: strict", 1)
    strict = strict.replace("bot_confidence_floor: 0.4", "bot_confidence_floor: 0.9", 1)
    strict = strict.replace("channels:\n", "channels:\n  team_email: team@strict.example.com\n", 1)
    assert strict.count("strict") >= 2 and "0.9" in strict
    return strict


def _turn(turn_id: str) -> dict[str, Any]:
    return {
        "turn_id": turn_id,
        "role": "bot",
        "text": BOT_LINE,
        "bot": SOMEWHAT_SURE,
        "sent_at": "2026-12-01T10:00:00Z",
    }


@pytest.fixture
def clients(settings: Settings) -> Iterator[dict[str, TestClient]]:
    """`a` and `b`: bot+read keys of two tenants; `b_admin`: b's admin; `b_bot`: b's bot key."""
    app = create_app(
        settings.model_copy(update={"rate_limit_per_minute": 0, "tenant_policy_cache_seconds": 0})
    )
    with TestClient(app):
        now = datetime.now(UTC)
        grants = {
            "a": ("a", frozenset({Scope.BOT, Scope.READ})),
            "b": ("b", frozenset({Scope.BOT, Scope.READ})),
            "b_admin": ("b", frozenset(Scope)),
            "b_bot": ("b", frozenset({Scope.BOT})),
        }
        with session_scope(app.state.session_factory) as s:
            for tenant in ("a", "b"):
                create_tenant(session=s, tenant_id=tenant, name=tenant, now=now)
            keys = {
                name: create_key(
                    session=s, tenant_id=tenant, name=name, actor="test", now=now, scopes=granted
                )
                for name, (tenant, granted) in grants.items()
            }
        yield {
            name: TestClient(app, headers={"Authorization": f"Bearer {key}"})
            for name, key in keys.items()
        }


def test_a_stricter_tenant_escalates_where_the_default_tenant_does_not(
    clients: dict[str, TestClient],
) -> None:
    put = clients["b_admin"].put("/v1/policy", json={"yaml": strict_yaml()})
    assert put.status_code == 200, put.text
    strict = put.json()
    assert (strict["tenant"], strict["own"], strict["name"]) == ("b", True, "strict")
    # The same conversation id and the same bot answer, in each tenant.
    in_a = clients["a"].post("/v1/conversations/c1/turns", json=_turn("t1")).json()
    in_b = clients["b"].post("/v1/conversations/c1/turns", json=_turn("t1")).json()
    assert in_a["decision"]["action"] == "continue" and in_a["handoff"] is None
    assert in_b["decision"]["action"] == "offer", in_b
    assert [r["code"] for r in in_b["decision"]["reasons"]] == ["low_confidence"]
    assert in_b["decision"]["policy_hash"] == strict["policy_hash"]
    default = clients["b_admin"].get("/v1/policy").json()
    assert default["policy_hash"] == strict["policy_hash"]
    assert in_a["decision"]["policy_hash"] == policy_hash(parse_policy(default_policy_text()))
    # Back to the deployment's policy: the next turn continues again.
    reset = clients["b_admin"].delete("/v1/policy")
    assert reset.status_code == 200
    assert (reset.json()["own"], reset.json()["yaml"]) == (False, None)
    again = clients["b"].post("/v1/conversations/c2/turns", json=_turn("t1")).json()
    assert again["decision"]["action"] == "continue"
    assert again["decision"]["policy_hash"] == in_a["decision"]["policy_hash"]


def default_policy_text() -> str:
    return default_policy_path().read_text(encoding="utf-8")


@pytest.mark.parametrize("key", ["b", "b_bot"])
def test_bot_and_read_keys_cannot_read_or_change_the_policy(
    clients: dict[str, TestClient], key: str
) -> None:
    client = clients[key]
    for response in (
        client.get("/v1/policy"),
        client.put("/v1/policy", json={"yaml": strict_yaml()}),
        client.delete("/v1/policy"),
    ):
        assert response.status_code == 403, response.text
        assert response.json()["error"]["code"] == "forbidden"
    assert clients["b_admin"].get("/v1/policy").json()["own"] is False


def test_an_invalid_policy_is_refused_naming_field_and_line(
    clients: dict[str, TestClient],
) -> None:
    broken = strict_yaml().replace("failure_streak: 2", "failure_streak: many", 1)
    refused = clients["b_admin"].put("/v1/policy", json={"yaml": broken})
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert error["code"] == "policy_invalid" and error["field"] == "detect.failure_streak"
    line = broken.splitlines().index("  failure_streak: many") + 1
    assert f"(line {line})" in error["message"]
    assert clients["b_admin"].get("/v1/policy").json()["own"] is False


def test_a_tenant_policy_may_not_read_a_file_on_the_server(
    clients: dict[str, TestClient],
) -> None:
    sneaky = strict_yaml().replace(
        "training: baton:detect/data/intents.jsonl", "training: /etc/passwd", 1
    )
    refused = clients["b_admin"].put("/v1/policy", json={"yaml": sneaky})
    assert refused.status_code == 422
    assert refused.json()["error"]["field"] == "detect.training"


@pytest.fixture
def env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    monkeypatch.setenv("BATON_DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    yield settings
    get_settings.cache_clear()


def test_baton_policy_set_takes_effect_on_the_next_turn_without_a_restart(
    env: Settings, clients: dict[str, TestClient], tmp_path: Path
) -> None:
    file = tmp_path / "strict.yaml"
    file.write_text(strict_yaml(), encoding="utf-8")
    before = clients["b"].post("/v1/conversations/c1/turns", json=_turn("t1")).json()
    assert before["decision"]["action"] == "continue"
    done = CliRunner().invoke(cli, ["policy", "set", "--tenant", "b", str(file)])
    assert done.exit_code == 0, done.output
    assert done.stdout.startswith("tenant b runs policy strict (")
    after = clients["b"].post("/v1/conversations/c2/turns", json=_turn("t1")).json()
    assert after["decision"]["action"] == "offer"
    shown = CliRunner().invoke(cli, ["policy", "show", "--tenant", "b"])
    assert shown.exit_code == 0 and "name: strict" in shown.stdout
    other = clients["a"].post("/v1/conversations/c2/turns", json=_turn("t1")).json()
    assert other["decision"]["action"] == "continue"
    reset = CliRunner().invoke(cli, ["policy", "reset", "--tenant", "b"])
    assert reset.exit_code == 0, reset.output
    last = clients["b"].post("/v1/conversations/c3/turns", json=_turn("t1")).json()
    assert last["decision"]["action"] == "continue"


def test_baton_policy_set_refuses_a_bad_file_naming_field_and_line(
    env: Settings, tmp_path: Path
) -> None:
    file = tmp_path / "bad.yaml"
    file.write_text(strict_yaml().replace("scope_threshold: 0.5", "scope_threshold: 7", 1))
    done = CliRunner().invoke(cli, ["policy", "set", "--tenant", "default", str(file)])
    assert done.exit_code == 1
    assert "detect.scope_threshold" in done.output and "(line " in done.output
    unknown = CliRunner().invoke(cli, ["policy", "set", "--tenant", "nobody", str(file)])
    assert unknown.exit_code == 1


def test_team_mail_goes_to_the_tenants_own_team_only(clients: dict[str, TestClient]) -> None:
    app = clients["b"].app
    factory = app.state.session_factory  # type: ignore[attr-defined]
    deployment = app.state.runtime.policy  # type: ignore[attr-defined]
    policies = TenantPolicies(deployment, factory=factory, cache_seconds=0)
    fallback = "ops@example.com"
    assert policies.team_email("default", fallback) == fallback
    assert policies.team_email("b", fallback) is None, "the deployment's team is not b's"
    clients["b_admin"].put("/v1/policy", json={"yaml": strict_yaml()})
    assert policies.team_email("b", fallback) == "team@strict.example.com"
    assert policies.team_email("a", fallback) is None


def test_a_doorbell_rings_only_its_own_tenants_conversation() -> None:
    async def check() -> tuple[bool, bool]:
        waker = EventWaker(dsn=None, poll_seconds=1.0)
        with waker.subscribe("a", "c1") as mine, waker.subscribe("b", "c1") as theirs:
            waker.wake(doorbell_key("a", "c1"))
            return mine._rung.is_set(), theirs._rung.is_set()

    # In a thread of its own: a test before this one may leave an event loop running here.
    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(asyncio.run, check()).result() == (True, False)
