"""Two tenants with one conversation id, and what a `bot`-scoped key may not do."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from baton.api.app import create_app
from baton.config import Settings
from baton.store.db import session_scope
from baton.store.keys import create_key
from baton.store.tenants import Scope, create_tenant
from tests.factories.transfer import LOOPBACK

SHARED = "order-1234"
ASK = "I want to talk to a human agent now, please"


def _turn(turn_id: str, text: str, role: str = "user") -> dict[str, str]:
    return {"turn_id": turn_id, "role": role, "text": text, "sent_at": "2026-12-01T10:00:00Z"}


@pytest.fixture
def clients(settings: Settings) -> Iterator[dict[str, TestClient]]:
    """Per name: a client holding that key. `a`/`b`: bot+read keys of two tenants; `a_admin`:
    tenant a's admin; `a_bot`: a bot-only key of tenant a."""
    app = create_app(
        settings.model_copy(update={"rate_limit_per_minute": 0, "webhook_allow_private": LOOPBACK})
    )
    with TestClient(app) as first:
        now = datetime.now(UTC)
        scopes = {
            "a": ("a", frozenset({Scope.BOT, Scope.READ})),
            "b": ("b", frozenset({Scope.BOT, Scope.READ})),
            "a_admin": ("a", frozenset(Scope)),
            "a_bot": ("a", frozenset({Scope.BOT})),
        }
        with session_scope(app.state.session_factory) as s:
            for tenant in ("a", "b"):
                create_tenant(session=s, tenant_id=tenant, name=tenant, now=now)
            keys = {
                name: create_key(
                    session=s, tenant_id=tenant, name=name, actor="test", now=now, scopes=granted
                )
                for name, (tenant, granted) in scopes.items()
            }
        out = {
            name: TestClient(app, headers={"Authorization": f"Bearer {k}"})
            for name, k in keys.items()
        }
        first.headers["Authorization"] = f"Bearer {keys['a']}"
        yield out


def test_two_tenants_with_one_conversation_id_see_only_their_own(
    clients: dict[str, TestClient],
) -> None:
    a, b = clients["a"], clients["b"]
    first = a.post(f"/v1/conversations/{SHARED}/turns", json=_turn("t1", ASK))
    assert first.status_code == 200, first.text
    case_a = first.json()["handoff"]["id"]
    # The same conversation id and turn id in tenant b are b's own: a fresh conversation.
    other = b.post(f"/v1/conversations/{SHARED}/turns", json=_turn("t1", "Where is my parcel?"))
    assert other.status_code == 200, other.text
    assert other.json()["replayed"] is False
    assert (other.json()["handoff"] or {}).get("id") != case_a
    assert b.get(f"/v1/handoffs/{case_a}").status_code == 404
    assert b.get(f"/v1/handoffs/{case_a}/brief").status_code == 404
    assert [h["id"] for h in a.get("/v1/handoffs").json()["items"]] == [case_a]
    assert case_a not in b.get("/v1/handoffs").text
    # b's own handoff on the shared id is b's, with b's transcript only.
    asked = b.post(f"/v1/conversations/{SHARED}/handoff", json={})
    assert asked.status_code == 200, asked.text
    case_b = asked.json()["handoff"]["id"]
    assert case_b != case_a
    transcript_b = b.get(f"/v1/handoffs/{case_b}/brief").json()["transcript"]
    transcript_a = a.get(f"/v1/handoffs/{case_a}/brief").json()["transcript"]
    assert [t["text"] for t in transcript_b] == ["Where is my parcel?"]
    assert [t["text"] for t in transcript_a] == [ASK]
    assert [h["id"] for h in b.get("/v1/handoffs").json()["items"]] == [case_b]
    assert a.get(f"/v1/handoffs/{case_b}").status_code == 404
    # Each tenant's event stream carries only its own handoff.
    for client, mine, theirs in ((a, case_a, case_b), (b, case_b, case_a)):
        with client.stream("GET", f"/v1/conversations/{SHARED}/events") as stream:
            assert stream.status_code == 200
            text = _read_until(stream, mine)
        assert mine in text and theirs not in text


def _read_until(stream: object, needle: str) -> str:
    seen = ""
    for chunk in stream.iter_text():  # type: ignore[attr-defined]
        seen += chunk
        if needle in seen:
            return seen
    return seen


@pytest.mark.parametrize("role", ["agent", "system"])
def test_a_bot_key_cannot_post_agent_or_system_turns(
    clients: dict[str, TestClient], role: str
) -> None:
    refused = clients["a"].post("/v1/conversations/c1/turns", json=_turn("t1", "hi", role))
    assert refused.status_code == 403
    assert refused.json()["error"] == {
        "code": "forbidden",
        "message": f"'{role}' turns need an admin-scoped key",
        "field": "role",
    }
    allowed = clients["a_admin"].post("/v1/conversations/c1/turns", json=_turn("t1", "hi", role))
    assert allowed.status_code == 200, allowed.text


def test_a_bot_key_cannot_read_webhooks_or_their_secrets(clients: dict[str, TestClient]) -> None:
    made = clients["a_admin"].post("/v1/webhooks/endpoints", json={"url": "http://127.0.0.1:9/h"})
    assert made.status_code == 201, made.text
    endpoint = made.json()["id"]
    for path in (
        "/v1/webhooks/endpoints",
        f"/v1/webhooks/endpoints/{endpoint}",
        f"/v1/webhooks/endpoints/{endpoint}/secret",
        "/v1/webhooks/deliveries",
    ):
        refused = clients["a"].get(path)
        assert refused.status_code == 403, path
        assert "whsec_" not in refused.text
        assert refused.json()["error"]["code"] == "forbidden"
    assert clients["a"].delete(f"/v1/webhooks/endpoints/{endpoint}").status_code == 403
    assert clients["a_admin"].get(f"/v1/webhooks/endpoints/{endpoint}/secret").status_code == 200


def test_a_bot_only_key_reads_no_handoffs_or_analytics(clients: dict[str, TestClient]) -> None:
    bot = clients["a_bot"]
    assert bot.post("/v1/conversations/c1/turns", json=_turn("t1", "hello")).status_code == 200
    assert bot.get("/v1/handoffs").status_code == 403
    assert bot.get("/v1/analytics/kpis").status_code == 403


def test_a_tenant_shares_one_rate_limit_across_its_keys(settings: Settings) -> None:
    limited = settings.model_copy(
        update={
            "rate_limit_per_minute": 600,
            "tenant_rate_limit_per_minute": 1,
            "rate_limit_burst": 2,
        }
    )
    app = create_app(limited)
    with TestClient(app):
        now = datetime.now(UTC)
        with session_scope(app.state.session_factory) as s:
            for tenant in ("a", "b"):
                create_tenant(session=s, tenant_id=tenant, name=tenant, now=now)
            made = {
                name: create_key(session=s, tenant_id=name[0], name=name, actor="test", now=now)
                for name in ("a1", "a2", "b1")
            }
        client = {
            n: TestClient(app, headers={"Authorization": f"Bearer {k}"}) for n, k in made.items()
        }
        for name in ("a1", "a2"):
            assert (
                client[name].post("/v1/conversations/c/turns", json=_turn(name, "hi")).status_code
                == 200
            )
        refused = client["a1"].post("/v1/conversations/c/turns", json=_turn("a3", "hi"))
        assert refused.status_code == 429
        assert "tenant" in refused.json()["error"]["message"]
        assert (
            client["b1"].post("/v1/conversations/c/turns", json=_turn("b1", "hi")).status_code
            == 200
        )
