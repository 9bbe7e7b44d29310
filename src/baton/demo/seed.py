"""Seed a demo store: the printed agent online for every queue, the others away, and a bot key.

Only the agent whose login the demo prints is online: a newcomer's case must reach the console
they are looking at, not an agent nobody is signed in as.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from baton.desk.agents import hash_password
from baton.policy import Policy
from baton.store import repositories as repo
from baton.store.tables import AgentRow

DEMO_PASSWORD = "baton-demo-password"  # noqa: S105 - the demo's published console password
DEMO_AGENTS = (
    ("ada", "Ada Lovelace", ("support", "billing", "account")),
    ("grace", "Grace Hopper", ("support", "security")),
    ("alan", "Alan Turing", ("sales", "account", "security")),
)


def seed_demo(*, session: Session, policy: Policy, now: datetime) -> str:
    """Create the demo agents (console password DEMO_PASSWORD) and an API key."""
    known = [q.name for q in policy.queues]
    password_hash = hash_password(DEMO_PASSWORD)
    for n, (slug, name, queues) in enumerate(DEMO_AGENTS):
        serves = known if n == 0 else [q for q in queues if q in known]
        skills = sorted({s for q in serves for s in policy.queue(q).skills})
        session.add(
            AgentRow(
                id=f"ag_{slug}",
                email=f"{slug}@demo.baton.dev",
                name=name,
                role="agent",
                password_hash=password_hash,
                presence="online" if n == 0 else "away",
                capacity=3,
                skills=skills,
                queues=serves,
                created_at=now,
            )
        )
    session.flush()
    return repo.create_api_key(session=session, name="demo-bot", now=now)
