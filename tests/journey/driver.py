"""The journey's driver: the real app, reached only through its public surfaces.

Turn and handoff API calls through a real HTTP client (FastAPI's TestClient), the desk service
calls the console makes, worker ticks on a controllable clock, and the customer's departure.
The clock is the app's `Now` dependency, overridden: nothing reads the wall clock.
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
from baton.store import repositories as repo
from baton.store.db import SessionFactory, session_scope
from baton.store.tables import DEFAULT_TENANT, AgentRow

START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)

# Synthetic customer and bot lines (written for these tests), each with the decision the default
# policy makes on it.
NEUTRAL = "hello"
ASK_PERSON = "get me a human please"
FORCING = "this is useless, I want to talk to a real person about a double charge on my card"
BOT_FALLBACK: dict[str, Any] = {"confidence": 0.1, "fallback": True}
BOT_UNSURE: dict[str, Any] = {"confidence": 0.2}


class Clock:
    def __init__(self) -> None:
        self.now = START

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


class Journey:
    """One live app on one database, and the handles a customer, a bot and agents use."""

    def __init__(self, client: TestClient, clock: Clock) -> None:
        self.client = client
        self.clock = clock
        self.turns = 0

    @property
    def factory(self) -> SessionFactory:
        factory: SessionFactory = self.client.app.state.session_factory  # type: ignore[attr-defined]
        return factory

    @property
    def runtime(self) -> Runtime:
        runtime: Runtime = self.client.app.state.runtime  # type: ignore[attr-defined]
        return runtime

    # -- the bot and the customer (HTTP) ---------------------------------------------------------

    def turn(
        self, conversation: str, text: str, *, role: str = "user", **extra: Any
    ) -> dict[str, Any]:
        self.turns += 1
        body = {
            "turn_id": f"t{self.turns}",
            "role": role,
            "text": text,
            "sent_at": self.clock.now.isoformat(),
            **extra,
        }
        return self._ok(self.client.post(f"/v1/conversations/{conversation}/turns", json=body))

    def bot_fallback(self, conversation: str) -> dict[str, Any]:
        return self.turn(conversation, "Sorry, I didn't get that.", role="bot", bot=BOT_FALLBACK)

    def bot_unsure(self, conversation: str) -> dict[str, Any]:
        """A low-confidence bot answer: the policy offers a person (`low_confidence`)."""
        return self.turn(conversation, "I think it may be this?", role="bot", bot=BOT_UNSURE)

    def handoff(self, conversation: str, **body: Any) -> Any:
        return self.client.post(f"/v1/conversations/{conversation}/handoff", json=body)

    def cancel(self, conversation: str) -> Any:
        return self.client.post(f"/v1/conversations/{conversation}/handoff/cancel")

    def conversation(self, conversation: str) -> dict[str, Any]:
        return self._ok(self.client.get(f"/v1/conversations/{conversation}"))

    def handoff_read(self, handoff_id: str) -> dict[str, Any]:
        return self._ok(self.client.get(f"/v1/handoffs/{handoff_id}"))

    def brief(self, handoff_id: str) -> dict[str, Any]:
        return self._ok(self.client.get(f"/v1/handoffs/{handoff_id}/brief"))

    def kpis(self) -> dict[str, Any]:
        since = (START - timedelta(days=1)).isoformat()
        until = (self.clock.now + timedelta(days=1)).isoformat()
        return self._ok(
            self.client.get("/v1/analytics/kpis", params={"since": since, "until": until})
        )

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

    def add_agent(self, name: str, *, queues: tuple[str, ...], capacity: int) -> str:
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
                tenant_id=DEFAULT_TENANT,
                now=self.clock.now,
            )
            return row.id

    def presence(self, agent_id: str, presence: str) -> None:
        with self.session() as s:
            offers.change_presence(
                session=s, agent_id=agent_id, presence=presence, now=self.clock.now
            )

    def open_console(self, agent_id: str) -> int:
        """The agent's console opens a live stream (what presence counts as connected)."""
        with self.session() as s:
            connection = presence.connect(
                session=s, tenant_id=DEFAULT_TENANT, agent_id=agent_id, now=self.clock.now
            )
            assert connection is not None
            return connection

    def close_console(self, connection_id: int) -> None:
        with self.session() as s:
            presence.disconnect(
                session=s, tenant_id=DEFAULT_TENANT, connection_id=connection_id, now=self.clock.now
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
            service.resolve(
                session=s,
                handoff_id=handoff_id,
                agent=self._agent(s, agent_id),
                policy=self.runtime.policy,
                code=self.runtime.policy.desk.resolution_codes[0],
                outcome=Outcome.RESOLVED,
                necessary=True,
                now=self.clock.now,
                note=note,
            )

    def decline_offer(self, agent_id: str, handoff_id: str) -> None:
        with self.session() as s:
            offers.decline(session=s, handoff_id=handoff_id, agent_id=agent_id, now=self.clock.now)

    def tick(self) -> worker.TickResult:
        return worker.tick(
            factory=self.factory, policy=self.runtime.policy, name="w", clock=lambda: self.clock.now
        )

    def stream(self, conversation: str) -> list[tuple[str, dict[str, Any]]]:
        """The conversation's events as the bot's stream serves them (its stored rows)."""
        with self.session() as s:
            rows = repo.list_conversation_events(
                session=s, tenant_id=DEFAULT_TENANT, conversation_id=conversation
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
def journey(settings: Settings) -> Iterator[Journey]:
    clock = Clock()
    settings = settings.model_copy(update={"rate_limit_per_minute": 0})
    app = create_app(settings)
    app.dependency_overrides[utcnow] = lambda: clock.now
    with TestClient(app) as client:
        with session_scope(client.app.state.session_factory) as session:  # type: ignore[attr-defined]
            key = repo.create_api_key(
                session=session,
                tenant_id=DEFAULT_TENANT,
                name="journey-bot",
                scopes="bot,read,admin",
                now=clock.now,
            )
        client.headers["Authorization"] = f"Bearer {key}"
        yield Journey(client, clock)
