"""The tenant boundary, probed on every route of the app (the console's and adapters' included).

Tenant A has a conversation with a handoff, a webhook endpoint with a delivery, an article and a
console admin. Tenant B holds a key with every scope and a console admin of its own. Every route
in `app.routes` has a probe below: B reading or writing A's object gets 404 or 403; B's lists show
nothing of A's; B's writes to an id A uses land in B's own namespace and leave A's untouched. A
route added without a probe fails `test_every_route_has_a_tenant_probe`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from starlette.routing import Mount

from baton.api.app import create_app
from baton.config import Settings
from baton.desk import agents, knowledge
from baton.desk.roles import AgentRole
from baton.store.db import session_scope
from baton.store.keys import create_key
from baton.store.tables import ConversationRow, HandoffRow, WebhookEndpointRow
from baton.store.tenants import Scope, create_tenant
from baton.transfer import webhooks
from tests.adapters.test_peers import HANDOFF_INITIATE, cx_request
from tests.conftest import ENGINES, fresh_database
from tests.console.helpers import sign_in
from tests.factories.desk import PASSWORD
from tests.factories.transfer import LOOPBACK

A, B = "acme", "globex"
A_CONVERSATION = "conv-a"  # B writes to this id: it must land in B's namespace
A_PRIVATE = "conv-a-private"  # B never writes here: B must not see it
A_CUSTOMER = "cus-a"  # B exports and erases this id: only in its own namespace
Kind = Literal["object", "list", "own", "public"]


@dataclass(frozen=True)
class Probe:
    """What tenant B does on a route, and what it must get."""

    kind: Kind
    json: dict[str, Any] | None = None
    form: dict[str, str] | None = None
    query: dict[str, str] = field(default_factory=dict)
    stream: bool = False
    fresh_console: bool = False


_TURN = {"turn_id": "b-1", "role": "user", "text": "hello there", "sent_at": "2026-12-01T10:00:00Z"}
PROBES: dict[tuple[str, str], Probe] = {
    ("GET", "/openapi.json"): Probe("public"),
    ("GET", "/docs"): Probe("public"),
    ("GET", "/"): Probe("public"),
    ("GET", "/favicon.ico"): Probe("public"),
    ("MOUNT", "/docs-assets"): Probe("public"),
    ("GET", "/v1/conversations/{conversation_id}"): Probe("object"),
    ("POST", "/v1/conversations/{conversation_id}/handoff/cancel"): Probe("own"),
    ("GET", "/v1/customers/{customer_id}/export"): Probe("own"),
    ("DELETE", "/v1/customers/{customer_id}"): Probe("own"),
    ("GET", "/redoc"): Probe("public"),
    ("GET", "/healthz"): Probe("public"),
    ("GET", "/readyz"): Probe("public"),
    ("POST", "/v1/conversations/{conversation_id}/turns"): Probe("own", json=_TURN),
    ("POST", "/v1/conversations/{conversation_id}/handoff"): Probe("own", json={}),
    ("GET", "/v1/conversations/{conversation_id}/events"): Probe("object", stream=True),
    ("POST", "/v1/conversations/{conversation_id}/email/verify"): Probe(
        "object", json={"email": "someone@example.com"}
    ),
    ("POST", "/v1/conversations/{conversation_id}/email/confirm"): Probe(
        "object", json={"code": "123456"}
    ),
    ("GET", "/v1/handoffs"): Probe("list"),
    ("GET", "/v1/handoffs/{handoff_id}"): Probe("object"),
    ("GET", "/v1/handoffs/{handoff_id}/brief"): Probe("object"),
    ("GET", "/v1/handoffs/{handoff_id}/ticket/{system}"): Probe("object"),
    ("POST", "/v1/handoffs/{handoff_id}/csat"): Probe("object", json={"score": 1}),
    ("GET", "/v1/webhooks/event-types"): Probe("list"),
    ("POST", "/v1/webhooks/endpoints"): Probe("own", json={"url": "http://127.0.0.1:9/b"}),
    ("GET", "/v1/webhooks/endpoints"): Probe("list"),
    ("GET", "/v1/webhooks/endpoints/{endpoint_id}"): Probe("object"),
    ("PATCH", "/v1/webhooks/endpoints/{endpoint_id}"): Probe(
        "object", json={"url": "http://127.0.0.1:9/stolen"}
    ),
    ("DELETE", "/v1/webhooks/endpoints/{endpoint_id}"): Probe("object"),
    ("GET", "/v1/webhooks/endpoints/{endpoint_id}/secret"): Probe("object"),
    ("POST", "/v1/webhooks/endpoints/{endpoint_id}/rotate-secret"): Probe("object"),
    ("GET", "/v1/webhooks/deliveries"): Probe("list"),
    ("GET", "/v1/webhooks/deliveries/{delivery_id}"): Probe("object"),
    ("POST", "/v1/webhooks/deliveries/{delivery_id}/retry"): Probe("object"),
    ("POST", "/v1/adapters/botframework/handoff"): Probe("own", json=HANDOFF_INITIATE),
    ("POST", "/v1/adapters/dialogflow-cx/webhook"): Probe(
        "own", json=cx_request(1, "I want a person", [])
    ),
    ("GET", "/v1/analytics/kpis"): Probe("list"),
    ("GET", "/console/login"): Probe("public"),
    ("POST", "/console/login"): Probe("own", fresh_console=True),
    ("POST", "/console/logout"): Probe("own", form={}, fresh_console=True),
    ("GET", "/console"): Probe("list"),
    ("GET", "/console/inbox"): Probe("list"),
    ("GET", "/console/inbox/fragment"): Probe("list"),
    ("GET", "/console/cases/{handoff_id}"): Probe("object"),
    ("GET", "/console/cases/{handoff_id}/ticket.json"): Probe("object"),
    ("GET", "/console/kb"): Probe("list", query={"q": "warranty"}),
    ("GET", "/console/kb/{slug}"): Probe("object"),
    ("GET", "/console/agents"): Probe("list"),
    ("GET", "/console/dashboard"): Probe("list"),
    ("GET", "/console/floor"): Probe("list"),
    ("GET", "/console/floor/fragment"): Probe("list"),
    ("POST", "/console/floor/cases/{handoff_id}/reassign"): Probe(
        "object", form={"agent_id": "ag_nobody"}
    ),
    ("POST", "/console/presence"): Probe("own", form={"value": "online"}),
    ("POST", "/console/cases/{handoff_id}/accept"): Probe("object", form={}),
    ("POST", "/console/cases/{handoff_id}/reply"): Probe("object", form={"text": "mine now"}),
    ("POST", "/console/cases/{handoff_id}/transfer"): Probe(
        "object", form={"target": "queue:billing"}
    ),
    ("POST", "/console/cases/{handoff_id}/resolve"): Probe(
        "object", form={"code": "solved", "outcome": "resolved", "necessary": "yes"}
    ),
    ("POST", "/console/cases/{handoff_id}/label"): Probe("object", form={"necessary": "no"}),
    ("POST", "/console/cases/{handoff_id}/ticket"): Probe(
        "object", form={"subject": "x", "category": "y", "priority": "low"}
    ),
    ("POST", "/console/agents"): Probe(
        "own",
        form={
            "email": "new@globex.example.com",
            "name": "New",
            "password": PASSWORD,
            "role": "agent",
        },
    ),
    ("GET", "/console/stream"): Probe("list", stream=True),
    ("GET", "/console/cases/{handoff_id}/stream"): Probe("object", stream=True),
    ("MOUNT", "/console/static"): Probe("public"),
}


def app_routes(app: FastAPI) -> set[tuple[str, str]]:
    """Every (method, path) the app serves, walked from `app.routes` (not the OpenAPI document)."""
    found: set[tuple[str, str]] = set()
    for route in app.routes:
        if isinstance(route, Mount):
            found.add(("MOUNT", route.path))
        elif hasattr(route, "effective_route_contexts"):
            for context in route.effective_route_contexts():
                found |= {(m, context.path) for m in context.methods if m != "HEAD"}
        else:
            found |= {(m, route.path) for m in getattr(route, "methods", ()) if m != "HEAD"}
    return found


ROUTES = sorted(app_routes(create_app(Settings(secret_key="route-listing-only-0123456789ab"))))


def test_every_route_has_a_tenant_probe() -> None:
    """A new route must say how the tenant boundary applies to it, here, before it ships."""
    assert set(ROUTES) - set(PROBES) == set(), "routes without a tenant probe"
    assert set(PROBES) - set(ROUTES) == set(), "probes for routes that no longer exist"


@dataclass
class World:
    app: FastAPI
    bot_b: TestClient  # tenant B's key, every scope
    console_b: TestClient  # tenant B's console admin, signed in
    csrf_b: str
    ids: dict[str, str]
    secrets_of_a: list[str]

    def a_state(self) -> tuple[Any, ...]:
        """What B must never change: A's conversations, case and endpoint."""
        with session_scope(self.app.state.session_factory) as s:
            conversations = sorted(
                (c.id, c.turn_count)
                for c in s.scalars(select(ConversationRow).where(ConversationRow.tenant_id == A))
            )
            case = s.get(HandoffRow, self.ids["handoff_id"])
            endpoint = s.get(WebhookEndpointRow, self.ids["endpoint_id"])
            assert case is not None and endpoint is not None
            return (
                conversations,
                (case.status, case.agent_id, case.csat, case.queue, case.necessary),
                (endpoint.url, endpoint.enabled, repr(endpoint.secrets)),
            )


def _seed_a(app: FastAPI, bot_a: TestClient) -> dict[str, str]:
    turn = {
        **_TURN,
        "turn_id": "a-1",
        "text": "I want to talk to a human agent right now",
        "customer": {"id": A_CUSTOMER},
    }
    for conversation in (A_CONVERSATION, A_PRIVATE):
        answer = bot_a.post(f"/v1/conversations/{conversation}/turns", json=turn)
        assert answer.status_code == 200, answer.text
    handoff = bot_a.post(f"/v1/conversations/{A_PRIVATE}/handoff", json={}).json()["handoff"]
    endpoint = bot_a.post("/v1/webhooks/endpoints", json={"url": "http://127.0.0.1:9/a"}).json()
    now = datetime.now(UTC)
    with session_scope(app.state.session_factory) as s:
        (delivery,) = webhooks.fan_out(
            session=s, tenant_id=A, event_type="handoff.created", payload={"x": 1}, now=now
        )
        article = knowledge.parse_article("acme-warranty", "# Acme warranty\n\nWarranty terms.")
        knowledge.load(session=s, tenant_id=A, articles=[article], now=now)
        return {
            "conversation_id": A_PRIVATE,
            "handoff_id": handoff["id"],
            "endpoint_id": endpoint["id"],
            "delivery_id": delivery.id,
            "slug": "acme-warranty",
            "system": "zendesk",
            "customer_id": A_CUSTOMER,
        }


@pytest.fixture(scope="module", params=ENGINES)
def world(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    model_cache_dir: Path,
) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("tenants")
    with fresh_database(request.param, folder) as url:
        settings = Settings(
            database_url=url,
            model_cache_dir=model_cache_dir,
            secret_key="test-secret-key-0123456789abcdef",
            rate_limit_per_minute=0,
            webhook_allow_private=LOOPBACK,
        )
        app = create_app(settings)
        with TestClient(app) as bot_a:
            now = datetime.now(UTC)
            with session_scope(app.state.session_factory) as s:
                every = frozenset(Scope)
                for tenant in (A, B):
                    create_tenant(session=s, tenant_id=tenant, name=tenant.title(), now=now)
                    agents.create(
                        session=s,
                        tenant_id=tenant,
                        actor="test",
                        email=f"admin@{tenant}.example.com",
                        name=f"{tenant} admin",
                        password=PASSWORD,
                        role=AgentRole.ADMIN,
                        queues=[],
                        now=now,
                    )
                key_a = create_key(
                    session=s, tenant_id=A, name="a", actor="test", now=now, scopes=every
                )
                key_b = create_key(
                    session=s, tenant_id=B, name="b", actor="test", now=now, scopes=every
                )
            bot_a.headers["Authorization"] = f"Bearer {key_a}"
            ids = _seed_a(app, bot_a)
            secret = bot_a.get(f"/v1/webhooks/endpoints/{ids['endpoint_id']}/secret")
            secrets_of_a = [secret.json()["secret"]]
            bot_b = TestClient(app, headers={"Authorization": f"Bearer {key_b}"})
            console_b = TestClient(app)
            csrf_b = sign_in(console_b, f"admin@{B}.example.com")
            yield World(app, bot_b, console_b, csrf_b, ids, secrets_of_a)


def _a_ids(world: World) -> list[str]:
    return [
        world.ids["handoff_id"],
        world.ids["endpoint_id"],
        world.ids["delivery_id"],
        world.ids["slug"],
        A_PRIVATE,
        f"admin@{A}.example.com",
        *world.secrets_of_a,
    ]


def _send(world: World, method: str, path: str, probe: Probe) -> tuple[int, str, str]:
    """The status, the body (or a stream's first chunk), and the URL asked for."""
    client = world.console_b if path.startswith("/console") else world.bot_b
    form = probe.form
    if probe.fresh_console:
        client = TestClient(world.app)
        if method == "POST" and path == "/console/logout":
            form = {"csrf_token": sign_in(client, f"admin@{B}.example.com")}
        else:
            form = {"email": f"admin@{B}.example.com", "password": PASSWORD, "login_token": "x"}
    elif form is not None:
        form = {**form, "csrf_token": world.csrf_b}
    ids = {**world.ids, "conversation_id": A_CONVERSATION} if probe.kind == "own" else world.ids
    url = path.format(**ids)
    kwargs: dict[str, Any] = {"params": probe.query, "follow_redirects": False}
    if probe.json is not None:
        kwargs["json"] = probe.json
    if form is not None:
        kwargs["data"] = form
    if probe.stream:
        with client.stream(method, url, **kwargs) as response:
            if response.status_code != 200:
                return response.status_code, response.read().decode(), url
            return response.status_code, next(response.iter_text(), ""), url
    response = client.request(method, url, **kwargs)
    return response.status_code, response.text, url


@pytest.mark.parametrize("route", ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_tenant_b_never_reaches_tenant_a(world: World, route: tuple[str, str]) -> None:
    method, path = route
    probe = PROBES[route]
    if probe.kind == "public" and method == "MOUNT":
        method, path = "GET", path + "/console.js"
    before = world.a_state()
    status, body, url = _send(world, method, path, probe)
    if probe.kind == "object":
        assert status in (403, 404), (status, body[:300])
    else:
        assert status < 500 and status not in (401,), (status, body[:300])
    for secret in (i for i in _a_ids(world) if i not in url):  # an error may echo the ask
        assert secret not in body, f"{method} {path} shows tenant A's {secret!r}"
    assert world.a_state() == before
