"""Presence that tells the truth: an agent is online only while their console is open and used.

The console's live streams open a connection row, touch it now and then, and close it when the
browser goes; pages and actions mark the agent active. Two worker passes read these:

- `auto_away`: an online agent with no live console for `lifecycle.away_after_disconnect_seconds`,
  or idle for `lifecycle.away_after_idle_seconds`, is set away (`away_cause` says which) and their
  unaccepted offers go back to the queue (`released`, reason `agent_away`). Opening the console
  again (after a disconnect) or acting in it (after idling) sets them online again; an agent who
  chose away stays away.
- `reoffer_silent`: an accepted case whose agent has not replied for
  `lifecycle.reoffer_after_silent_seconds` goes back to its queue (`reassigned`, cause
  `agent_silent`, and `handoff.reassigned` on the bot's stream and as a webhook); push routing
  ranks the silent agent last for it, as after a decline.

Both are worker paths: they skip rows another transaction holds and never wait for a lock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import and_, func, select, update
from sqlalchemy.orm import Session

from baton.desk.locking import begin_write, skip_locked
from baton.desk.notices import announce
from baton.desk.offers import OfferState, pending_offer, release_offer
from baton.desk.roles import Presence
from baton.lifecycle import EventType, HandoffStatus
from baton.policy import Policy
from baton.store import repositories as repo
from baton.store.tables import (
    AgentRow,
    ConsoleConnectionRow,
    ConversationRow,
    HandoffEventRow,
    HandoffRow,
    OfferRow,
)

# An open connection not heard from in this long belongs to a process that died without closing
# it; the agent's next connection closes it (the worker never compares stream clocks).
CONNECTION_STALE = timedelta(minutes=10)
# Activity is written at most this often per agent (a page view is not worth a write each time).
ACTIVITY_EVERY = timedelta(seconds=30)
REASSIGNED = "handoff.reassigned"
REASSIGNED_MESSAGE = (
    "Sorry for the wait. I'm finding another person to help you; they'll see everything you've "
    "told us so far."
)


class AwayCause(StrEnum):
    DISCONNECTED = "disconnected"
    IDLE = "idle"


@dataclass(frozen=True, slots=True)
class Away:
    agent_id: str
    cause: AwayCause
    released: tuple[str, ...]


def _agent(session: Session, tenant_id: str, agent_id: str) -> AgentRow | None:
    return session.scalars(
        select(AgentRow).where(AgentRow.tenant_id == tenant_id, AgentRow.id == agent_id)
    ).first()


def _back_online(agent: AgentRow, cause: AwayCause, now: datetime) -> None:
    """An agent the worker set away for `cause` is online again (a chosen away is kept)."""
    if agent.presence == Presence.AWAY.value and agent.away_cause == cause.value:
        agent.presence = Presence.ONLINE.value
        agent.presence_at = now
        agent.away_cause = None


def connect(*, session: Session, tenant_id: str, agent_id: str, now: datetime) -> int | None:
    """A console stream opened: record it; returns the connection's id (None: no such agent)."""
    agent = _agent(session, tenant_id, agent_id)
    if agent is None:
        return None
    _back_online(agent, AwayCause.DISCONNECTED, now)
    session.execute(
        update(ConsoleConnectionRow)
        .where(
            ConsoleConnectionRow.tenant_id == tenant_id,
            ConsoleConnectionRow.agent_id == agent_id,
            ConsoleConnectionRow.closed_at.is_(None),
            ConsoleConnectionRow.seen_at < now - CONNECTION_STALE,
        )
        .values(closed_at=ConsoleConnectionRow.seen_at)
    )
    row = ConsoleConnectionRow(
        tenant_id=tenant_id, agent_id=agent_id, opened_at=now, seen_at=now, closed_at=None
    )
    session.add(row)
    session.flush()
    return row.id


def heartbeat(*, session: Session, tenant_id: str, connection_id: int, now: datetime) -> None:
    """The stream is still open."""
    session.execute(
        update(ConsoleConnectionRow)
        .where(
            ConsoleConnectionRow.tenant_id == tenant_id,
            ConsoleConnectionRow.id == connection_id,
            ConsoleConnectionRow.closed_at.is_(None),
        )
        .values(seen_at=now)
    )


def disconnect(*, session: Session, tenant_id: str, connection_id: int, now: datetime) -> None:
    """The stream ended (the browser closed it, or it timed out and will reconnect)."""
    session.execute(
        update(ConsoleConnectionRow)
        .where(
            ConsoleConnectionRow.tenant_id == tenant_id,
            ConsoleConnectionRow.id == connection_id,
            ConsoleConnectionRow.closed_at.is_(None),
        )
        .values(seen_at=now, closed_at=now)
    )


def live_connections(*, session: Session, tenant_id: str) -> dict[str, int]:
    """Open console streams per agent of the tenant (for the floor)."""
    rows = session.execute(
        select(ConsoleConnectionRow.agent_id, func.count())
        .where(
            ConsoleConnectionRow.tenant_id == tenant_id,
            ConsoleConnectionRow.closed_at.is_(None),
        )
        .group_by(ConsoleConnectionRow.agent_id)
    ).all()
    return {str(agent_id): int(n) for agent_id, n in rows}


def needs_activity(agent: AgentRow, now: datetime) -> bool:
    """Whether an action or a page view by this agent should be written as activity now."""
    if agent.presence == Presence.AWAY.value and agent.away_cause == AwayCause.IDLE.value:
        return True
    return agent.active_at is None or now - agent.active_at >= ACTIVITY_EVERY


def note_activity(*, session: Session, tenant_id: str, agent_id: str, now: datetime) -> None:
    """The agent did something in the console: they are not idle (and back online if the
    worker had set them away for idling)."""
    agent = _agent(session, tenant_id, agent_id)
    if agent is None:
        return
    agent.active_at = now
    _back_online(agent, AwayCause.IDLE, now)


def _connected(session: Session, agent_ids: Sequence[str]) -> dict[str, bool]:
    rows = session.execute(
        select(ConsoleConnectionRow.agent_id).where(
            ConsoleConnectionRow.agent_id.in_(agent_ids),
            ConsoleConnectionRow.closed_at.is_(None),
        )
    ).all()
    return {str(r[0]): True for r in rows}


def _last_seen(session: Session, agent_ids: Sequence[str]) -> dict[str, datetime]:
    rows = session.execute(
        select(ConsoleConnectionRow.agent_id, func.max(ConsoleConnectionRow.seen_at))
        .where(ConsoleConnectionRow.agent_id.in_(agent_ids))
        .group_by(ConsoleConnectionRow.agent_id)
    ).all()
    return {str(a): at for a, at in rows if at is not None}


def _latest(*times: datetime | None) -> datetime | None:
    known = [t for t in times if t is not None]
    return max(known) if known else None


def away_cause(
    agent: AgentRow,
    *,
    connected: bool,
    last_seen: datetime | None,
    policy: Policy,
    now: datetime,
) -> AwayCause | None:
    """Why an online agent should be away now, if they should: no live console for the
    disconnect time (counted from the later of going online and the last stream), or a console
    open with nothing done in it for the idle time (from the later of going online and the last
    activity)."""
    life = policy.lifecycle
    online_since = agent.presence_at or agent.created_at
    if not connected:
        if life.away_after_disconnect_seconds is None:
            return None
        since = _latest(online_since, last_seen) or now
        if now - since >= timedelta(seconds=life.away_after_disconnect_seconds):
            return AwayCause.DISCONNECTED
        return None
    if life.away_after_idle_seconds is not None:
        since = _latest(online_since, agent.active_at) or now
        if now - since >= timedelta(seconds=life.away_after_idle_seconds):
            return AwayCause.IDLE
    return None


def auto_away(
    *, session: Session, policy: Policy, now: datetime, limit: int = 200, actor: str = "worker"
) -> list[Away]:
    """Set away the online agents with no live console or idle past the policy's times, and put
    their unaccepted offers back in the queue; returns who and why."""
    life = policy.lifecycle
    if life.away_after_disconnect_seconds is None and life.away_after_idle_seconds is None:
        return []
    begin_write(session)
    online = session.scalars(
        skip_locked(
            select(AgentRow)
            .where(AgentRow.presence == Presence.ONLINE.value, AgentRow.disabled_at.is_(None))
            .order_by(AgentRow.id)
            .limit(limit)
        )
    ).all()
    if not online:
        return []
    ids = [a.id for a in online]
    connected = _connected(session, ids)
    seen = _last_seen(session, ids)
    out: list[Away] = []
    for agent in online:
        cause = away_cause(
            agent,
            connected=connected.get(agent.id, False),
            last_seen=seen.get(agent.id),
            policy=policy,
            now=now,
        )
        if cause is None:
            continue
        agent.presence = Presence.AWAY.value
        agent.presence_at = now
        agent.away_cause = cause.value
        out.append(Away(agent.id, cause, tuple(_release_offers(session, agent, cause, now, actor))))
    session.flush()
    return out


def _release_offers(
    session: Session, agent: AgentRow, cause: AwayCause, now: datetime, actor: str
) -> list[str]:
    handoffs = session.scalars(
        skip_locked(
            select(HandoffRow).where(
                HandoffRow.agent_id == agent.id,
                HandoffRow.status == HandoffStatus.ASSIGNED.value,
            )
        )
    ).all()
    released = []
    for handoff in handoffs:
        if pending_offer(session=session, handoff_id=handoff.id) is None:
            continue
        release_offer(
            session=session,
            handoff=handoff,
            state=OfferState.RELEASED,
            reason=f"agent_{cause.value}",
            now=now,
            actor=actor,
        )
        released.append(handoff.id)
    return released


def silent_cases(
    *, session: Session, policy: Policy, now: datetime, limit: int = 200
) -> list[tuple[str, str]]:
    """Active cases (id, conversation id) accepted longer than the policy's time ago with no
    reply since the last acceptance."""
    seconds = policy.lifecycle.reoffer_after_silent_seconds
    if seconds is None:
        return []
    accepted = (
        select(
            HandoffEventRow.handoff_id.label("handoff_id"),
            func.max(HandoffEventRow.id).label("event_id"),
            func.max(HandoffEventRow.at).label("at"),
        )
        .where(HandoffEventRow.type == EventType.ACCEPTED.value)
        .group_by(HandoffEventRow.handoff_id)
        .subquery()
    )
    replied = (
        select(HandoffEventRow.id)
        .where(
            HandoffEventRow.handoff_id == accepted.c.handoff_id,
            HandoffEventRow.type == EventType.REPLIED.value,
            HandoffEventRow.id > accepted.c.event_id,
        )
        .exists()
    )
    rows = session.execute(
        select(HandoffRow.id, HandoffRow.conversation_id)
        .join(accepted, accepted.c.handoff_id == HandoffRow.id)
        .where(
            HandoffRow.status == HandoffStatus.ACTIVE.value,
            accepted.c.at <= now - timedelta(seconds=seconds),
            ~replied,
        )
        .order_by(accepted.c.at, HandoffRow.id)
        .limit(limit)
    ).all()
    return [(str(h), str(c)) for h, c in rows]


def reoffer_silent(
    *, session: Session, policy: Policy, now: datetime, limit: int = 200, actor: str = "worker"
) -> list[str]:
    """Put back in their queues the accepted cases whose agents went silent; returns their ids."""
    candidates = silent_cases(session=session, policy=policy, now=now, limit=limit)
    if not candidates:
        return []
    begin_write(session)
    moved = []
    for handoff_id, _conversation_id in candidates:
        handoff = _claim(session, handoff_id)
        if handoff is None or handoff.agent_id is None:
            continue
        _reassign(session, policy, handoff, now, actor)
        moved.append(handoff.id)
    session.flush()
    return moved


def _claim(session: Session, handoff_id: str) -> HandoffRow | None:
    """The case, locked after its conversation (the order a turn takes them), never waiting."""
    handoff = session.get(HandoffRow, handoff_id)
    if handoff is None:
        return None
    conversation = session.execute(
        skip_locked(
            select(ConversationRow.id).where(
                ConversationRow.tenant_id == handoff.tenant_id,
                ConversationRow.id == handoff.conversation_id,
            )
        )
    ).first()
    if conversation is None:
        return None
    row = session.scalars(
        skip_locked(
            select(HandoffRow)
            .where(HandoffRow.id == handoff_id)
            .execution_options(populate_existing=True)
        )
    ).first()
    if row is None or row.status != HandoffStatus.ACTIVE.value:
        return None
    return row


def _reassign(
    session: Session, policy: Policy, handoff: HandoffRow, now: datetime, actor: str
) -> None:
    agent_id = handoff.agent_id
    assert agent_id is not None
    seconds = policy.lifecycle.reoffer_after_silent_seconds
    repo.move_handoff(session=session, handoff=handoff, target=HandoffStatus.QUEUED, at=now)
    handoff.agent_id = None
    _pass_over(session, handoff.id, agent_id, now)
    repo.record_event(
        session=session,
        handoff=handoff,
        type_=EventType.REASSIGNED,
        at=now,
        actor=actor,
        data={"agent_id": agent_id, "cause": "agent_silent", "after_seconds": seconds},
    )
    announce(
        session,
        handoff,
        REASSIGNED,
        REASSIGNED_MESSAGE,
        now,
        cause="agent_silent",
        from_agent_id=agent_id,
    )


def _pass_over(session: Session, handoff_id: str, agent_id: str, now: datetime) -> None:
    """Mark the silent agent's hold on the case so that push routing passes them over."""
    held = session.scalars(
        select(OfferRow).where(
            and_(
                OfferRow.handoff_id == handoff_id,
                OfferRow.agent_id == agent_id,
                OfferRow.state == OfferState.ACCEPTED.value,
            )
        )
    ).all()
    for offer in held:
        offer.state = OfferState.REASSIGNED.value
        offer.closed_at = now
    if not held:
        session.add(
            OfferRow(
                handoff_id=handoff_id,
                agent_id=agent_id,
                state=OfferState.REASSIGNED.value,
                offered_at=now,
                expires_at=now,
                closed_at=now,
            )
        )
