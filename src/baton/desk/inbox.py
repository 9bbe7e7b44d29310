"""What the console reads: waiting cases by priority, an agent's own cases, what changed since."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from baton.desk.agents import can_see, role_of
from baton.lifecycle import EventType, HandoffStatus
from baton.policy import Policy
from baton.store.tables import AgentRow, HandoffEventRow, HandoffRow, TurnRow

# The events that change what an inbox shows.
INBOX_EVENTS = frozenset(
    {
        EventType.CREATED,
        EventType.ASSIGNED,
        EventType.RELEASED,
        EventType.ACCEPTED,
        EventType.TRANSFERRED,
        EventType.REASSIGNED,
        EventType.RESOLVED,
        EventType.ABANDONED,
        EventType.CUSTOMER_MESSAGE,
        EventType.SLA_WARNING,
        EventType.SLA_BREACHED,
    }
)


@dataclass(frozen=True)
class CaseLine:
    """One case as a list shows it, with the SLA times its countdown needs."""

    id: str
    queue: str
    status: str
    priority: int
    subject: str
    requester: str | None
    reasons: tuple[str, ...]
    urgency: str
    channel: str | None
    agent_id: str | None
    created_at: datetime
    due: datetime | None
    warn_at: datetime | None


@dataclass(frozen=True)
class Change:
    event_id: int
    type: str
    handoff_id: str
    queue: str
    at: datetime


def case_line(row: HandoffRow, policy: Policy) -> CaseLine:
    brief = row.brief or {}
    ticket = brief.get("ticket_fields") or {}
    due = row.first_response_due
    warn_at = None
    if due is not None:
        try:
            fraction = policy.queue(row.queue).sla.warn_at
        except KeyError:
            fraction = 0.8
        warn_at = row.created_at + (due - row.created_at) * fraction
    return CaseLine(
        id=row.id,
        queue=row.queue,
        status=row.status,
        priority=row.priority,
        subject=str(ticket.get("subject") or "Conversation handed off"),
        requester=ticket.get("requester"),
        reasons=tuple(str(r.get("code")) for r in row.reasons or []),
        urgency=str(brief.get("urgency") or "normal"),
        channel=row.channel,
        agent_id=row.agent_id,
        created_at=row.created_at,
        due=due,
        warn_at=warn_at,
    )


def waiting(
    *, session: Session, tenant_id: str, queues: Sequence[str], policy: Policy, limit: int = 200
) -> list[CaseLine]:
    """The tenant's queued cases in these queues, highest priority first, oldest first among
    equals."""
    if not queues:
        return []
    rows = session.scalars(
        select(HandoffRow)
        .where(
            HandoffRow.tenant_id == tenant_id,
            HandoffRow.status == HandoffStatus.QUEUED.value,
            HandoffRow.queue.in_(queues),
        )
        .order_by(HandoffRow.priority.desc(), HandoffRow.created_at, HandoffRow.id)
        .limit(limit)
    )
    return [case_line(r, policy) for r in rows]


def mine(*, session: Session, agent_id: str, policy: Policy) -> list[CaseLine]:
    rows = session.scalars(
        select(HandoffRow)
        .where(
            HandoffRow.agent_id == agent_id,
            HandoffRow.status.in_([HandoffStatus.ASSIGNED.value, HandoffStatus.ACTIVE.value]),
        )
        .order_by(HandoffRow.priority.desc(), HandoffRow.created_at)
    )
    return [case_line(r, policy) for r in rows]


def last_event_id(*, session: Session) -> int:
    return int(session.scalar(select(func.max(HandoffEventRow.id))) or 0)


def changes(*, session: Session, agent: AgentRow, after_id: int, limit: int = 200) -> list[Change]:
    """Inbox-relevant events after `after_id` on cases this agent may see, oldest first."""
    stmt = (
        select(HandoffEventRow, HandoffRow)
        .join(HandoffRow, HandoffRow.id == HandoffEventRow.handoff_id)
        .where(
            HandoffRow.tenant_id == agent.tenant_id,
            HandoffEventRow.id > after_id,
            HandoffEventRow.type.in_([t.value for t in INBOX_EVENTS]),
        )
        .order_by(HandoffEventRow.id)
        .limit(limit)
    )
    if not role_of(agent).sees_every_queue:
        stmt = stmt.where(
            or_(HandoffRow.queue.in_(agent.queues or []), HandoffRow.agent_id == agent.id)
        )
    return [
        Change(event_id=e.id, type=e.type, handoff_id=h.id, queue=h.queue, at=e.at)
        for e, h in session.execute(stmt)
        if can_see(agent, h)
    ]


def turns_after(
    *, session: Session, tenant_id: str, conversation_id: str, after_seq: int
) -> list[TurnRow]:
    return list(
        session.scalars(
            select(TurnRow)
            .where(
                TurnRow.tenant_id == tenant_id,
                TurnRow.conversation_id == conversation_id,
                TurnRow.seq > after_seq,
            )
            .order_by(TurnRow.seq)
        )
    )
