"""Agents and queued cases for routing tests, written straight to the store."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from baton.desk.assign import queue_case
from baton.lifecycle import HandoffStatus
from baton.policy import Policy
from baton.store.tables import (
    DEFAULT_TENANT,
    AgentRow,
    ConsoleConnectionRow,
    ConversationRow,
    HandoffRow,
)

_ids = itertools.count(1)


def add_agent(
    session: Session,
    *,
    agent_id: str,
    queues: tuple[str, ...],
    now: datetime,
    capacity: int = 3,
    skills: tuple[str, ...] = (),
    presence: str = "online",
    channel_capacity: dict[str, int] | None = None,
    tenant_id: str = DEFAULT_TENANT,
) -> AgentRow:
    agent = AgentRow(
        id=agent_id,
        tenant_id=tenant_id,
        email=f"{agent_id}@example.test",
        name=agent_id.title(),
        role="agent",
        presence=presence,
        capacity=capacity,
        channel_capacity=channel_capacity or {},
        skills=list(skills),
        queues=list(queues),
        created_at=now,
    )
    session.add(agent)
    session.flush()
    if presence == "online":  # an online agent has the console open (presence reads it)
        session.add(
            ConsoleConnectionRow(tenant_id=tenant_id, agent_id=agent_id, opened_at=now, seen_at=now)
        )
        session.flush()
    return agent


def add_case(
    session: Session,
    *,
    policy: Policy,
    queue: str,
    now: datetime,
    priority: int = 50,
    channel: str = "chat",
    urgency: str = "normal",
    handoff_id: str | None = None,
    tenant_id: str = DEFAULT_TENANT,
    conversation_id: str | None = None,
) -> HandoffRow:
    """A queued handoff with its SLA clocks started, as the engine leaves a forced handoff."""
    n = next(_ids)
    handoff_id = handoff_id or f"ho_test{n:06d}"
    conversation = ConversationRow(
        tenant_id=tenant_id,
        id=conversation_id or f"conv-{handoff_id}",
        meta={},
        state={},
        turn_count=0,
        created_at=now,
        updated_at=now,
    )
    brief: dict[str, Any] = {"urgency": urgency, "summary": "test case"}
    handoff = HandoffRow(
        id=handoff_id,
        tenant_id=tenant_id,
        conversation_id=conversation.id,
        status=HandoffStatus.QUEUED.value,
        queue=queue,
        priority=priority,
        channel=channel,
        reasons=[],
        brief=brief,
        routing={"queue": queue, "skills": []},
        created_at=now,
        updated_at=now,
    )
    session.add_all([conversation, handoff])
    session.flush()
    queue_case(session=session, policy=policy, handoff=handoff, now=now)
    session.flush()
    return handoff
