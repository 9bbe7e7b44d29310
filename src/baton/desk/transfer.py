"""Transfer: the same handoff moves to another queue (or an agent there) with its brief,
transcript and SLA clock unchanged, and keeps its place earned by waiting.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from baton.desk.assign import agent_loads, offer_case, spare_capacity
from baton.desk.locking import begin_write, locked
from baton.desk.offers import OfferState, Presence, pending_offer
from baton.domain import Channel
from baton.errors import (
    AgentNotFound,
    AgentUnavailable,
    HandoffNotFound,
    IllegalTransition,
    InvalidRequest,
)
from baton.lifecycle import EventType, HandoffStatus
from baton.policy import Policy
from baton.store import repositories as repo
from baton.store.tables import AgentRow, HandoffRow

TRANSFERABLE = (
    HandoffStatus.QUEUED.value,
    HandoffStatus.ASSIGNED.value,
    HandoffStatus.ACTIVE.value,
)


def transfer(
    *,
    session: Session,
    policy: Policy,
    handoff_id: str,
    queue: str,
    note: str | None,
    now: datetime,
    actor: str | None = None,
    agent_id: str | None = None,
) -> HandoffRow:
    """Move an open case to `queue`, optionally offering it straight to `agent_id` there.

    The brief, the transcript and the SLA clocks stay as they are; the case keeps its queue key,
    so the wait it has already done still counts. Raises `InvalidRequest` for an unknown queue,
    `IllegalTransition` for a case that is not queued, assigned or active, and `AgentNotFound` /
    `AgentUnavailable` when the named agent does not exist, is offline or has no free slot.
    """
    if not policy.has_queue(queue):
        raise InvalidRequest(f"no queue {queue!r} in the policy", field="queue")
    begin_write(session)
    agent = _target_agent(session, agent_id, queue) if agent_id else None
    handoff = session.scalars(locked(select(HandoffRow).where(HandoffRow.id == handoff_id))).first()
    if handoff is None:
        raise HandoffNotFound(f"no handoff {handoff_id!r}", field="handoff_id")
    if handoff.status not in TRANSFERABLE:
        raise IllegalTransition(
            f"a {handoff.status} handoff cannot be transferred", field="handoff_id"
        )
    if agent is not None:
        _check_slot(session, agent, handoff)
    from_queue, from_agent = handoff.queue, handoff.agent_id
    offer = pending_offer(session=session, handoff_id=handoff.id)
    if offer is not None:
        offer.state = OfferState.RELEASED.value
        offer.closed_at = now
    repo.move_handoff(session=session, handoff=handoff, target=HandoffStatus.QUEUED, at=now)
    handoff.queue = queue
    handoff.agent_id = None
    handoff.routing = {
        **handoff.routing,
        "queue": queue,
        "skills": list(policy.queue(queue).skills),
    }
    data = {
        "handoff_id": handoff.id,
        "from_queue": from_queue,
        "to_queue": queue,
        "from_agent": from_agent,
        "to_agent": agent_id,
        "note": note,
    }
    repo.record_event(
        session=session,
        handoff=handoff,
        type_=EventType.TRANSFERRED,
        at=now,
        actor=actor,
        data=data,
    )
    _announce(session, handoff, data, now)
    if agent is not None:
        offer_case(
            session=session,
            policy=policy,
            handoff=handoff,
            agent=agent,
            now=now,
            actor=actor or "transfer",
        )
        session.flush()
    return handoff


def _target_agent(session: Session, agent_id: str, queue: str) -> AgentRow:
    agent = session.scalars(locked(select(AgentRow).where(AgentRow.id == agent_id))).first()
    if agent is None:
        raise AgentNotFound(f"no agent {agent_id!r}", field="agent_id")
    if agent.presence == Presence.OFFLINE.value:
        raise AgentUnavailable(f"agent {agent_id!r} is offline", field="agent_id")
    if queue not in (agent.queues or []):
        raise AgentUnavailable(f"agent {agent_id!r} does not serve {queue!r}", field="agent_id")
    return agent


def _check_slot(session: Session, agent: AgentRow, handoff: HandoffRow) -> None:
    load = agent_loads(session=session, agent_ids=[agent.id]).get(agent.id, {})
    channel = handoff.channel or Channel.CHAT.value
    if spare_capacity(agent, load).get(channel, 0) <= 0:
        raise AgentUnavailable(f"agent {agent.id!r} has no free {channel} slot", field="agent_id")


def _announce(
    session: Session, handoff: HandoffRow, data: dict[str, str | None], now: datetime
) -> None:
    message = (
        f"I've passed your case to our {handoff.queue} team. They can see everything so far, "
        "so you won't need to repeat yourself."
    )
    payload = {**data, "conversation_id": handoff.conversation_id, "message": message}
    repo.add_conversation_event(
        session=session,
        conversation_id=handoff.conversation_id,
        type_="handoff.transferred",
        at=now,
        data={"handoff_id": handoff.id, "queue": handoff.queue, "message": message},
    )
    repo.enqueue(
        session=session, kind="webhook", topic="handoff.transferred", payload=payload, now=now
    )
