"""Seed a demo store: agents online for every queue of the policy, and a bot API key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from baton.policy import Policy
from baton.store import repositories as repo
from baton.store.tables import AgentRow

DEMO_AGENTS = (
    ("ada", "Ada Lovelace", ("support", "billing", "account")),
    ("grace", "Grace Hopper", ("support", "security")),
    ("alan", "Alan Turing", ("sales", "account", "security")),
)


def seed_demo(*, session: Session, policy: Policy, now: datetime) -> str:
    """Create the demo agents (online) and an API key; return the key."""
    known = {q.name for q in policy.queues}
    for slug, name, queues in DEMO_AGENTS:
        session.add(
            AgentRow(
                id=f"ag_{slug}",
                email=f"{slug}@demo.baton.dev",
                name=name,
                role="agent",
                presence="online",
                capacity=3,
                skills=[],
                queues=[q for q in queues if q in known],
                created_at=now,
            )
        )
    session.flush()
    return repo.create_api_key(session=session, name="demo-bot", now=now)
