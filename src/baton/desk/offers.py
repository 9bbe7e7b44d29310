"""Offers: a pushed case waits for its agent; declined, lapsed or left by an agent going offline,
it goes back to its queue. Accepting is `baton.desk.service.accept`, which closes the offer.

Lock order, everywhere: agent, then handoff, then its offers and timers. Worker paths never wait
for a lock (they skip what another transaction holds), so they cannot deadlock with people.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from baton.desk import agents
from baton.desk.agents import Presence
from baton.desk.locking import begin_write, locked, skip_locked
from baton.errors import AgentNotFound, HandoffNotFound, InvalidRequest, OfferConflict
from baton.lifecycle import EventType, HandoffStatus
from baton.store import repositories as repo
from baton.store.tables import AgentRow, HandoffRow, OfferRow


class OfferState(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    RELEASED = "released"
    REASSIGNED = "reassigned"


def pending_offer(*, session: Session, handoff_id: str) -> OfferRow | None:
    """The handoff's open offer, if any (at most one is pending at a time)."""
    return session.scalars(
        select(OfferRow).where(
            OfferRow.handoff_id == handoff_id, OfferRow.state == OfferState.PENDING.value
        )
    ).first()


def release_offer(
    *,
    session: Session,
    handoff: HandoffRow,
    state: OfferState,
    reason: str,
    now: datetime,
    actor: str | None,
) -> None:
    """Close the pending offer and put the case back in its queue (the caller holds its lock)."""
    close_offer(session=session, handoff_id=handoff.id, state=state, now=now)
    agent_id = handoff.agent_id
    repo.move_handoff(session=session, handoff=handoff, target=HandoffStatus.QUEUED, at=now)
    handoff.agent_id = None
    repo.record_event(
        session=session,
        handoff=handoff,
        type_=EventType.RELEASED,
        at=now,
        actor=actor,
        data={"agent_id": agent_id, "reason": reason},
    )


def _locked_handoff(session: Session, handoff_id: str) -> HandoffRow:
    begin_write(session)
    handoff = session.scalars(locked(select(HandoffRow).where(HandoffRow.id == handoff_id))).first()
    if handoff is None:
        raise HandoffNotFound(f"no handoff {handoff_id!r}", field="handoff_id")
    return handoff


def _own_offer(session: Session, handoff: HandoffRow, agent_id: str) -> OfferRow:
    offer = pending_offer(session=session, handoff_id=handoff.id)
    if (
        handoff.status != HandoffStatus.ASSIGNED.value
        or handoff.agent_id != agent_id
        or offer is None
    ):
        raise OfferConflict(
            f"handoff {handoff.id!r} is not offered to agent {agent_id!r} now", field="handoff_id"
        )
    return offer


def lock_agent(*, session: Session, agent_id: str) -> AgentRow:
    """Lock the agent's row (first, by the lock order) so their load cannot change under us."""
    begin_write(session)
    agent = session.scalars(locked(select(AgentRow).where(AgentRow.id == agent_id))).first()
    if agent is None:
        raise AgentNotFound(f"no agent {agent_id!r}", field="agent_id")
    return agent


def close_offer(*, session: Session, handoff_id: str, state: OfferState, now: datetime) -> None:
    """Close the handoff's pending offer, if any: accepted, or released by a transfer."""
    offer = pending_offer(session=session, handoff_id=handoff_id)
    if offer is not None:
        offer.state = state.value
        offer.closed_at = now


def decline(*, session: Session, handoff_id: str, agent_id: str, now: datetime) -> HandoffRow:
    """The agent passes on the offer; the case goes to the next agent who can take it."""
    handoff = _locked_handoff(session, handoff_id)
    _own_offer(session, handoff, agent_id)
    release_offer(
        session=session,
        handoff=handoff,
        state=OfferState.DECLINED,
        reason="declined",
        now=now,
        actor=agent_id,
    )
    return handoff


def expire_offers(
    *, session: Session, now: datetime, limit: int = 200, actor: str = "worker"
) -> int:
    """Release offers not accepted within their queue's timeout; returns how many."""
    begin_write(session)
    due = select(OfferRow.handoff_id).where(
        OfferRow.state == OfferState.PENDING.value, OfferRow.expires_at <= now
    )
    handoffs = session.scalars(
        skip_locked(
            select(HandoffRow)
            .where(HandoffRow.id.in_(due.limit(limit).scalar_subquery()))
            .where(HandoffRow.status == HandoffStatus.ASSIGNED.value)
        )
    ).all()
    for handoff in handoffs:
        offer = pending_offer(session=session, handoff_id=handoff.id)
        if offer is None or offer.expires_at > now:
            continue
        release_offer(
            session=session,
            handoff=handoff,
            state=OfferState.EXPIRED,
            reason="offer_timeout",
            now=now,
            actor=actor,
        )
    return len(handoffs)


def change_presence(*, session: Session, agent_id: str, presence: str, now: datetime) -> list[str]:
    """Set an agent online, away or offline; going offline releases their unaccepted cases.

    Away agents get no new offers but keep theirs until they lapse. Returns the ids of the
    handoffs put back in their queues.
    """
    try:
        state = Presence(presence)
    except ValueError as exc:
        raise InvalidRequest(
            f"presence is one of {', '.join(Presence)}, not {presence!r}", field="presence"
        ) from exc
    agent = lock_agent(session=session, agent_id=agent_id)
    agents.set_presence(session=session, agent=agent, presence=state)
    agent.presence_at = now
    agent.away_cause = None
    if state is not Presence.OFFLINE:
        return []
    handoffs = session.scalars(
        locked(
            select(HandoffRow).where(
                HandoffRow.agent_id == agent_id,
                HandoffRow.status == HandoffStatus.ASSIGNED.value,
            )
        )
    ).all()
    for handoff in handoffs:
        release_offer(
            session=session,
            handoff=handoff,
            state=OfferState.RELEASED,
            reason="agent_offline",
            now=now,
            actor=agent_id,
        )
    return [h.id for h in handoffs]
