"""Agents and open cases for desk and console tests, made through the real engine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from baton.desk import agents
from baton.domain import Customer, Role, Turn
from baton.engine import Runtime, process_turn
from baton.policy import default_policy
from baton.store.tables import DEFAULT_TENANT, AgentRow, HandoffRow

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"
_runtime: Runtime | None = None


def runtime() -> Runtime:
    global _runtime
    if _runtime is None:
        _runtime = Runtime(default_policy())
    return _runtime


def make_agent(
    session: Session,
    name: str = "Ada Lovelace",
    *,
    queues: tuple[str, ...] = ("support",),
    role: agents.AgentRole = agents.AgentRole.AGENT,
    capacity: int = 3,
    email: str | None = None,
) -> AgentRow:
    return agents.create(
        tenant_id=DEFAULT_TENANT,
        session=session,
        email=email or f"{name.split()[0].lower()}@example.com",
        name=name,
        password=PASSWORD,
        role=role,
        queues=queues,
        capacity=capacity,
        actor="test",
        now=NOW,
    )


def open_case(
    session: Session,
    conversation_id: str = "c-1",
    text: str = "I want to talk to a human about order ORD-12345",
    *,
    customer: dict[str, Any] | None = None,
    at: datetime = NOW,
) -> HandoffRow:
    """A customer asks for a person; the engine queues the case (support by default)."""
    turn = Turn(turn_id=f"{conversation_id}-t1", role=Role.USER, text=text, sent_at=at)
    result = process_turn(
        session,
        tenant_id=DEFAULT_TENANT,
        runtime=runtime(),
        conversation_id=conversation_id,
        turn=turn,
        customer=Customer.model_validate(customer or {"name": "Bob Stone", "email": "bob@x.io"}),
        now=at,
    )
    assert result.handoff is not None, result
    row = session.get(HandoffRow, result.handoff.id)
    assert row is not None
    return row


def later(minutes: int) -> datetime:
    return NOW + timedelta(minutes=minutes)
