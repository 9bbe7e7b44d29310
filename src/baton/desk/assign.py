"""Assignment: queue a case, push cases to agents (offers), or let an agent pull the next one.

Push runs in a worker: it locks the online agents it can (skipping those another worker holds),
counts their load, locks the best-ranked queued cases it can, and records every offer in the same
transaction. Capacity is counted under the agent's lock, so two workers never overfill an agent.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, load_only

from baton.desk import service
from baton.desk.agents import Presence
from baton.desk.locking import begin_write, skip_locked
from baton.desk.offers import OfferState, lock_agent
from baton.desk.timers import start_clocks
from baton.domain import Channel
from baton.errors import AgentUnavailable
from baton.lifecycle import EventType, HandoffStatus, check_transition
from baton.policy import Policy
from baton.reinject import reinjected
from baton.route import AgentSlot, CaseSlot, plan_assignments, queue_key
from baton.store import bulk
from baton.store import repositories as repo
from baton.store.tables import AgentRow, ConversationRow, HandoffRow, OfferRow

LOADED = (HandoffStatus.ASSIGNED.value, HandoffStatus.ACTIVE.value)
_CASE_COLUMNS = load_only(
    HandoffRow.id,
    HandoffRow.conversation_id,
    HandoffRow.status,
    HandoffRow.queue,
    HandoffRow.channel,
    HandoffRow.agent_id,
    HandoffRow.priority,
    HandoffRow.updated_at,
)


@dataclass(frozen=True, slots=True)
class Assignment:
    handoff_id: str
    agent_id: str
    expires_at: datetime


def queue_case(*, session: Session, policy: Policy, handoff: HandoffRow, now: datetime) -> None:
    """A case enters its queue: fix its service order and start its SLA clocks."""
    handoff.queue_key = queue_key(
        priority=handoff.priority,
        queued_at=now,
        aging_seconds_per_point=policy.priority.aging_seconds_per_point,
    )
    start_clocks(session=session, policy=policy, handoff=handoff, now=now)


def agent_loads(*, session: Session, agent_ids: Iterable[str]) -> dict[str, dict[str, int]]:
    """Open cases (offered or active) per agent and channel."""
    loads: dict[str, dict[str, int]] = {}
    rows = session.execute(
        select(HandoffRow.agent_id, HandoffRow.channel, func.count())
        .where(HandoffRow.agent_id.in_(list(agent_ids)), HandoffRow.status.in_(LOADED))
        .group_by(HandoffRow.agent_id, HandoffRow.channel)
    ).all()
    for agent_id, channel, count in rows:
        per = loads.setdefault(str(agent_id), {})
        key = channel or Channel.CHAT.value
        per[key] = per.get(key, 0) + int(count)
    return loads


def spare_capacity(agent: AgentRow, load: dict[str, int]) -> dict[str, int]:
    """Free slots per channel: the channel's capacity (or the agent's default) minus its load."""
    caps = agent.channel_capacity or {}
    return {
        ch.value: int(caps.get(ch.value, agent.capacity)) - load.get(ch.value, 0) for ch in Channel
    }


def _slot(agent: AgentRow, load: dict[str, int]) -> AgentSlot:
    last = agent.last_assigned_at.timestamp() if agent.last_assigned_at else -math.inf
    return AgentSlot(
        id=agent.id,
        queues=frozenset(agent.queues or ()),
        skills=frozenset(agent.skills or ()),
        spare=spare_capacity(agent, load),
        last_assigned=last,
    )


def _case(policy: Policy, handoff: HandoffRow, passed: frozenset[str]) -> CaseSlot:
    skills = policy.queue(handoff.queue).skills if policy.has_queue(handoff.queue) else ()
    return CaseSlot(
        id=handoff.id,
        queue=handoff.queue,
        channel=handoff.channel or Channel.CHAT.value,
        skills=frozenset(skills),
        passed=passed,
    )


def _passed(session: Session, handoff_ids: Sequence[str]) -> dict[str, frozenset[str]]:
    """Agents who declined or let lapse an offer of each case, or went silent on it."""
    rows = session.execute(
        select(OfferRow.handoff_id, OfferRow.agent_id).where(
            OfferRow.handoff_id.in_(handoff_ids),
            OfferRow.state.in_(
                (OfferState.DECLINED.value, OfferState.EXPIRED.value, OfferState.REASSIGNED.value)
            ),
        )
    ).all()
    out: dict[str, set[str]] = {}
    for handoff_id, agent_id in rows:
        out.setdefault(handoff_id, set()).add(agent_id)
    return {k: frozenset(v) for k, v in out.items()}


def assign_batch(
    *,
    session: Session,
    tenant_id: str,
    policy: Policy,
    now: datetime,
    limit: int = 200,
    actor: str = "worker",
) -> list[Assignment]:
    """Push: offer up to `limit` of the tenant's best-ranked queued cases to its eligible online
    agents; an agent never sees another tenant's case."""
    begin_write(session)
    agents = session.scalars(
        skip_locked(
            select(AgentRow).where(
                AgentRow.tenant_id == tenant_id, AgentRow.presence == Presence.ONLINE.value
            )
        )
    ).all()
    loads = agent_loads(session=session, agent_ids=[a.id for a in agents])
    slots = [_slot(a, loads.get(a.id, {})) for a in agents]
    slots = [s for s in slots if any(v > 0 for v in s.spare.values())]
    served = sorted({q for s in slots for q in s.queues})
    if not served:
        return []
    cases = session.scalars(
        skip_locked(
            select(HandoffRow)
            .options(_CASE_COLUMNS)
            .where(
                HandoffRow.tenant_id == tenant_id,
                HandoffRow.status == HandoffStatus.QUEUED.value,
                HandoffRow.queue.in_(served),
            )
            .order_by(HandoffRow.queue_key, HandoffRow.id)
            .limit(limit)
        )
    ).all()
    cases = _with_conversation_locks(session, cases)
    if not cases:
        return []
    passed = _passed(session, [c.id for c in cases])
    plan = plan_assignments([_case(policy, c, passed.get(c.id, frozenset())) for c in cases], slots)
    by_case = {c.id: c for c in cases}
    by_agent = {a.id: a for a in agents}
    offers = [
        _prepare(policy, by_case[case_id], by_agent[agent_id], now, actor)
        for case_id, agent_id in plan
    ]
    _write(session, tenant_id, offers, now)
    return [Assignment(o.handoff_id, o.agent_id, o.expires_at) for o in offers]


def _with_conversation_locks(session: Session, cases: Sequence[HandoffRow]) -> list[HandoffRow]:
    """The cases whose conversation this worker could lock without waiting: `handoff.assigned`
    goes on their streams, whose ids follow the conversation lock."""
    ids = {c.conversation_id for c in cases}
    held = set(
        session.scalars(
            skip_locked(select(ConversationRow.id).where(ConversationRow.id.in_(sorted(ids))))
        )
    )
    return [c for c in cases if c.conversation_id in held]


@dataclass(frozen=True, slots=True)
class _Offer:
    handoff_id: str
    agent_id: str
    expires_at: datetime
    row: dict[str, Any]
    event: tuple[str, EventType, datetime, str | None, dict[str, Any]]
    notice: tuple[str, dict[str, Any]]


def _prepare(
    policy: Policy,
    handoff: HandoffRow,
    agent: AgentRow,
    now: datetime,
    actor: str,
) -> _Offer:
    """Move the case to the agent and describe the offer, its event and its webhook."""
    queue = policy.queue(handoff.queue) if policy.has_queue(handoff.queue) else None
    expires = now + timedelta(seconds=queue.offer_timeout_seconds if queue else 120)
    check_transition(HandoffStatus(handoff.status), HandoffStatus.ASSIGNED)
    handoff.status = HandoffStatus.ASSIGNED.value
    handoff.updated_at = now
    handoff.agent_id = agent.id
    agent.last_assigned_at = now
    data = {"handoff_id": handoff.id, "queue": handoff.queue, "agent_id": agent.id}
    return _Offer(
        handoff_id=handoff.id,
        agent_id=agent.id,
        expires_at=expires,
        row={
            "handoff_id": handoff.id,
            "agent_id": agent.id,
            "state": OfferState.PENDING.value,
            "offered_at": now,
            "expires_at": expires,
            "closed_at": None,
        },
        event=(
            handoff.id,
            EventType.ASSIGNED,
            now,
            actor,
            {**data, "expires_at": expires.isoformat()},
        ),
        notice=(
            "handoff.assigned",
            {**data, "status": "assigned", "conversation_id": handoff.conversation_id},
        ),
    )


def _write(session: Session, tenant_id: str, offers: list[_Offer], now: datetime) -> None:
    session.flush()
    bulk.add_offers(session=session, offers=[o.row for o in offers])
    bulk.record_events(session=session, events=[o.event for o in offers])
    notices = [o.notice for o in offers]
    bulk.enqueue_many(session=session, tenant_id=tenant_id, kind="webhook", items=notices, now=now)
    if reinjected("assigned_off_stream"):
        return
    for offer in offers:
        topic, data = offer.notice
        repo.add_conversation_event(
            session=session,
            tenant_id=tenant_id,
            conversation_id=data["conversation_id"],
            type_=topic,
            at=now,
            data=data,
        )


def offer_case(
    *,
    session: Session,
    policy: Policy,
    handoff: HandoffRow,
    agent: AgentRow,
    now: datetime,
    actor: str,
) -> datetime:
    """Offer a queued case to one agent until the queue's offer timeout; returns when it lapses.

    The caller holds the agent's and the handoff's locks.
    """
    if agent.tenant_id != handoff.tenant_id:
        raise AgentUnavailable("this agent works for another tenant", field="agent_id")
    offer = _prepare(policy, handoff, agent, now, actor)
    _write(session, handoff.tenant_id, [offer], now)
    return offer.expires_at


def take_next(
    *, session: Session, policy: Policy, agent_id: str, now: datetime
) -> HandoffRow | None:
    """Pull: the agent takes the best-ranked case they may serve; it is theirs and active.

    Returns None when no queued case fits; raises `AgentUnavailable` when the agent is offline.
    """
    agent = lock_agent(session=session, agent_id=agent_id)
    if agent.presence == Presence.OFFLINE.value:
        raise AgentUnavailable("go online or away before taking cases", field="presence")
    slot = _slot(agent, agent_loads(session=session, agent_ids=[agent.id]).get(agent.id, {}))
    if not slot.queues:
        return None
    cases = session.scalars(
        skip_locked(
            select(HandoffRow)
            .options(_CASE_COLUMNS)
            .where(
                HandoffRow.tenant_id == agent.tenant_id,
                HandoffRow.status == HandoffStatus.QUEUED.value,
                HandoffRow.queue.in_(sorted(slot.queues)),
            )
            .order_by(HandoffRow.queue_key, HandoffRow.id)
            .limit(50)
        )
    ).all()
    plan = plan_assignments([_case(policy, c, frozenset()) for c in cases], [slot])
    if not plan:
        return None
    agent.last_assigned_at = now
    return service.accept(session=session, handoff_id=plan[0][0], agent=agent, now=now)
