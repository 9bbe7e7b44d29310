"""The journey's driver: the real app, reached only through its public surfaces.

Turn and handoff API calls through a real HTTP client (FastAPI's TestClient), the desk service
calls the console makes, worker ticks on a controllable clock, and the customer's departure.
The clock is the app's `Now` dependency, overridden: nothing reads the wall clock.

Two tenants are in play: `default` on the shipped policy and `strict` on its own, stricter one
(a bot answer under 0.9 confidence offers a person; offers and silent customers time out sooner).
Each call names its tenant and goes out with that tenant's key.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from baton.api.app import create_app
from baton.api.deps import utcnow
from baton.config import Settings
from baton.desk import agents, offers, presence, service, worker
from baton.desk.service import Outcome
from baton.engine import Runtime
from baton.policy import Policy
from baton.policy.loader import default_policy_path
from baton.store import repositories as repo
from baton.store.db import SessionFactory, session_scope
from baton.store.tables import DEFAULT_TENANT, AgentRow
from baton.store.tenants import create_tenant, set_tenant_policy
from baton.tenant_policy import TenantRuntimes

START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
WEEK = timedelta(days=7)

# Synthetic customer and bot lines (written for these tests), each with the decision the default
# policy makes on it.
NEUTRAL = "hello"
ASK_PERSON = "get me a human please"
FORCING = "this is useless, I want to talk to a real person about a double charge on my card"
BOT_FALLBACK: dict[str, Any] = {"confidence": 0.1, "fallback": True}
BOT_UNSURE: dict[str, Any] = {"confidence": 0.2}
BOT_FAIRLY_SURE: dict[str, Any] = {"confidence": 0.6}  # the strict tenant offers a person
STRICT = "strict"
TENANTS = (DEFAULT_TENANT, STRICT)


def weekly_policy_yaml() -> str:
    """The shipped policy with its hours in UTC and no holidays: every week alike, so a run that
    starts on a week boundary meets the same open and closed hours whenever it starts."""
    text = default_policy_path().read_text(encoding="utf-8")
    assert "timezone: Europe/London" in text and "holidays:" in text
    text = text.replace("timezone: Europe/London", "timezone: UTC")
    return "\n".join(line for line in text.splitlines() if "holidays:" not in line) + "\n"


def strict_policy_yaml(text: str | None = None) -> str:
    text = text or default_policy_path().read_text(encoding="utf-8")
    for old, new in (
        ("name: default", "name: strict"),
        ("bot_confidence_floor: 0.4", "bot_confidence_floor: 0.9"),
    ):
        assert old in text, old
        text = text.replace(old, new, 1)
    assert "\nlifecycle:" not in text
    return text + "\nlifecycle:\n  offer_ignored_seconds: 600\n  customer_silent_seconds: 1200\n"


class Clock:
    def __init__(self) -> None:
        self.now = START

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now

    def next_week(self) -> datetime:
        """On to the next whole week from START (or stay, at START): each machine run starts at
        the same hour of the same weekday, so Hypothesis replays a run the way it first went."""
        weeks = -((self.now - START) // -WEEK)
        self.now = START + weeks * WEEK
        return self.now


class Journey:
    """One live app on one database, and the handles a customer, a bot and agents use."""

    def __init__(self, client: TestClient, clock: Clock, keys: dict[str, str]) -> None:
        self.client = client
        self.clock = clock
        self.turns = 0
        self.headers = {t: {"Authorization": f"Bearer {k}"} for t, k in keys.items()}

    @property
    def factory(self) -> SessionFactory:
        factory: SessionFactory = self.client.app.state.session_factory  # type: ignore[attr-defined]
        return factory

    @property
    def runtimes(self) -> TenantRuntimes:
        runtimes: TenantRuntimes = self.client.app.state.runtimes  # type: ignore[attr-defined]
        return runtimes

    @property
    def runtime(self) -> Runtime:
        """The default tenant's runtime."""
        return self.runtime_of(DEFAULT_TENANT)

    def runtime_of(self, tenant: str) -> Runtime:
        """The tenant's runtime as the app resolves it (its own policy, or the deployment's)."""
        return self.runtimes.runtime_for(tenant)

    def policy(self, tenant: str) -> Policy:
        return self.runtime_of(tenant).policy

    # -- the bot and the customer (HTTP) ---------------------------------------------------------

    def turn(
        self,
        conversation: str,
        text: str,
        *,
        role: str = "user",
        tenant: str = DEFAULT_TENANT,
        **extra: Any,
    ) -> dict[str, Any]:
        self.turns += 1
        body = {
            "turn_id": f"t{self.turns}",
            "role": role,
            "text": text,
            "sent_at": self.clock.now.isoformat(),
            **extra,
        }
        return self._ok(self._post(tenant, f"/v1/conversations/{conversation}/turns", json=body))

    def bot_fallback(self, conversation: str, *, tenant: str = DEFAULT_TENANT) -> dict[str, Any]:
        return self.turn(
            conversation, "Sorry, I didn't get that.", role="bot", bot=BOT_FALLBACK, tenant=tenant
        )

    def bot_unsure(self, conversation: str, *, tenant: str = DEFAULT_TENANT) -> dict[str, Any]:
        """A low-confidence bot answer: the policy offers a person (`low_confidence`)."""
        return self.turn(
            conversation, "I think it may be this?", role="bot", bot=BOT_UNSURE, tenant=tenant
        )

    def handoff(self, conversation: str, *, tenant: str = DEFAULT_TENANT, **body: Any) -> Any:
        return self._post(tenant, f"/v1/conversations/{conversation}/handoff", json=body)

    def cancel(self, conversation: str, *, tenant: str = DEFAULT_TENANT) -> Any:
        return self._post(tenant, f"/v1/conversations/{conversation}/handoff/cancel")

    def conversation(self, conversation: str, *, tenant: str = DEFAULT_TENANT) -> dict[str, Any]:
        return self._ok(self._get(tenant, f"/v1/conversations/{conversation}"))

    def handoff_read(self, handoff_id: str, *, tenant: str = DEFAULT_TENANT) -> dict[str, Any]:
        return self._ok(self._get(tenant, f"/v1/handoffs/{handoff_id}"))

    def handoff_status(self, handoff_id: str, *, tenant: str) -> int:
        """The HTTP status of reading a handoff with `tenant`'s key (404: not its own)."""
        return int(self._get(tenant, f"/v1/handoffs/{handoff_id}").status_code)

    def brief(self, handoff_id: str, *, tenant: str = DEFAULT_TENANT) -> dict[str, Any]:
        return self._ok(self._get(tenant, f"/v1/handoffs/{handoff_id}/brief"))

    def kpis(self, *, tenant: str = DEFAULT_TENANT) -> dict[str, Any]:
        since = (START - timedelta(days=1)).isoformat()
        until = (self.clock.now + timedelta(days=1)).isoformat()
        return self._ok(
            self._get(tenant, "/v1/analytics/kpis", params={"since": since, "until": until})
        )

    def _post(self, tenant: str, path: str, **kwargs: Any) -> Any:
        return self.client.post(path, headers=self.headers[tenant], **kwargs)

    def _get(self, tenant: str, path: str, **kwargs: Any) -> Any:
        return self.client.get(path, headers=self.headers[tenant], **kwargs)

    @staticmethod
    def _ok(response: Any) -> dict[str, Any]:
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()
        return data

    # -- agents (the desk service calls the console makes) -------------------------------------

    @contextmanager
    def session(self) -> Iterator[Session]:
        with session_scope(self.factory) as session:
            yield session

    def add_agent(
        self, name: str, *, queues: tuple[str, ...], capacity: int, tenant: str = DEFAULT_TENANT
    ) -> str:
        with self.session() as s:
            row = agents.create(
                session=s,
                email=f"{name.lower()}@example.com",
                name=name,
                password="correct horse battery",
                role=agents.AgentRole.AGENT,
                queues=queues,
                capacity=capacity,
                actor="test",
                tenant_id=tenant,
                now=self.clock.now,
            )
            return row.id

    def presence(self, agent_id: str, presence: str) -> None:
        with self.session() as s:
            offers.change_presence(
                session=s, agent_id=agent_id, presence=presence, now=self.clock.now
            )

    def open_console(self, agent_id: str, *, tenant: str = DEFAULT_TENANT) -> int:
        """The agent's console opens a live stream (what presence counts as connected)."""
        with self.session() as s:
            connection = presence.connect(
                session=s, tenant_id=tenant, agent_id=agent_id, now=self.clock.now
            )
            assert connection is not None
            return connection

    def close_console(self, connection_id: int, *, tenant: str = DEFAULT_TENANT) -> None:
        with self.session() as s:
            presence.disconnect(
                session=s, tenant_id=tenant, connection_id=connection_id, now=self.clock.now
            )

    def _agent(self, s: Session, agent_id: str) -> AgentRow:
        row = s.get(AgentRow, agent_id)
        assert row is not None
        return row

    def accept(self, agent_id: str, handoff_id: str) -> None:
        with self.session() as s:
            service.accept(
                session=s, handoff_id=handoff_id, agent=self._agent(s, agent_id), now=self.clock.now
            )

    def reply(self, agent_id: str, handoff_id: str, text: str = "Let me look into that.") -> None:
        with self.session() as s:
            service.reply(
                session=s,
                handoff_id=handoff_id,
                agent=self._agent(s, agent_id),
                text=text,
                now=self.clock.now,
            )

    def resolve(self, agent_id: str, handoff_id: str, note: str = "refunded the charge") -> None:
        with self.session() as s:
            agent = self._agent(s, agent_id)
            policy = self.policy(agent.tenant_id)
            service.resolve(
                session=s,
                handoff_id=handoff_id,
                agent=agent,
                policy=policy,
                code=policy.desk.resolution_codes[0],
                outcome=Outcome.RESOLVED,
                necessary=True,
                now=self.clock.now,
                note=note,
            )

    def decline_offer(self, agent_id: str, handoff_id: str) -> None:
        with self.session() as s:
            offers.decline(session=s, handoff_id=handoff_id, agent_id=agent_id, now=self.clock.now)

    def tick(self) -> worker.TickResult:
        """One worker pass; each tenant's cases run on its own policy (the app's policy book)."""
        return worker.tick(
            factory=self.factory,
            policy=self.runtimes.policies,
            name="w",
            clock=lambda: self.clock.now,
        )

    def stream(
        self, conversation: str, *, tenant: str = DEFAULT_TENANT
    ) -> list[tuple[str, dict[str, Any]]]:
        """The conversation's events as the bot's stream serves them (its stored rows)."""
        with self.session() as s:
            rows = repo.list_conversation_events(
                session=s, tenant_id=tenant, conversation_id=conversation
            )
            return [(r.type, dict(r.data)) for r in rows]

    def events(self, handoff_id: str) -> list[tuple[str, dict[str, Any]]]:
        with self.session() as s:
            return [
                (e.type, dict(e.data))
                for e in repo.list_handoff_events(session=s, handoff_id=handoff_id)
            ]

    def all_rows(self, table: Any) -> list[Any]:
        with self.session() as s:
            rows = list(s.scalars(select(table)))
            s.expunge_all()
            return rows


@contextmanager
def journey(settings: Settings, *, weekly: bool = False) -> Iterator[Journey]:
    """`weekly`: both tenants' policies keep UTC hours and no holidays (see `weekly_policy_yaml`),
    for the state machine, whose runs each start a week on."""
    clock = Clock()
    settings = settings.model_copy(
        update={"rate_limit_per_minute": 0, "tenant_policy_cache_seconds": 0}
    )
    app = create_app(settings)
    app.dependency_overrides[utcnow] = lambda: clock.now
    with TestClient(app) as client:
        with session_scope(client.app.state.session_factory) as session:  # type: ignore[attr-defined]
            create_tenant(session=session, tenant_id=STRICT, name="Strict", now=clock.now)
            base = weekly_policy_yaml() if weekly else None
            if base is not None:
                set_tenant_policy(
                    session=session,
                    tenant_id=DEFAULT_TENANT,
                    text=base,
                    actor="test",
                    now=clock.now,
                )
            set_tenant_policy(
                session=session,
                tenant_id=STRICT,
                text=strict_policy_yaml(base),
                actor="test",
                now=clock.now,
            )
            keys = {
                tenant: repo.create_api_key(
                    session=session,
                    tenant_id=tenant,
                    name=f"journey-bot-{tenant}",
                    scopes="bot,read,admin",
                    now=clock.now,
                )
                for tenant in TENANTS
            }
        yield Journey(client, clock, keys)
