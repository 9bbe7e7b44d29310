"""Offers: an agent accepts or declines a pushed case; lapsed offers and offline agents release it.

Lock order, everywhere: agent, then handoff, then its offers and timers. Worker paths never wait
for a lock (they skip what another transaction holds), so they cannot deadlock with people.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

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


class Presence(StrEnum):
    ONLINE = "online"
    AWAY = "away"
    OFFLINE = "offline"


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
    offer = pending_offer(session=session, handoff_id=handoff.id)
    if offer is not None:
        offer.state = state.value
        offer.closed_at = now
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


def accept(*, session: Session, handoff_id: str, agent_id: str, now: datetime) -> HandoffRow:
    """The agent takes the case offered to them: it becomes active and the customer is told."""
    handoff = _locked_handoff(session, handoff_id)
    offer = _own_offer(session, handoff, agent_id)
    offer.state = OfferState.ACCEPTED.value
    offer.closed_at = now
    repo.move_handoff(session=session, handoff=handoff, target=HandoffStatus.ACTIVE, at=now)
    repo.record_event(
        session=session, handoff=handoff, type_=EventType.ACCEPTED, at=now, actor=agent_id
    )
    announce_accepted(session=session, handoff=handoff, agent_id=agent_id, now=now)
    return handoff


def announce_accepted(
    *, session: Session, handoff: HandoffRow, agent_id: str, now: datetime
) -> None:
    """Tell the bot side and the outside world that a person has the case."""
    agent = session.get(AgentRow, agent_id)
    name = agent.name if agent is not None else "An agent"
    data = {
        "handoff_id": handoff.id,
        "queue": handoff.queue,
        "agent_id": agent_id,
        "message": f"{name} from our {handoff.queue} team has joined.",
    }
    repo.add_conversation_event(
        session=session,
        conversation_id=handoff.conversation_id,
        type_="handoff.accepted",
        at=now,
        data=data,
    )
    repo.enqueue(session=session, kind="webhook", topic="handoff.accepted", payload=data, now=now)


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


def set_presence(*, session: Session, agent_id: str, presence: str, now: datetime) -> list[str]:
    """Set an agent online, away or offline; going offline releases their unaccepted offers.

    Returns the ids of the handoffs put back in their queues.
    """
    try:
        state = Presence(presence)
    except ValueError as exc:
        raise InvalidRequest(
            f"presence is one of {', '.join(Presence)}, not {presence!r}", field="presence"
        ) from exc
    begin_write(session)
    agent = session.scalars(locked(select(AgentRow).where(AgentRow.id == agent_id))).first()
    if agent is None:
        raise AgentNotFound(f"no agent {agent_id!r}", field="agent_id")
    agent.presence = state.value
    agent.presence_at = now
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
