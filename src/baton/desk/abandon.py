"""Abandonment: the customer left before the case ended, by their word or by their silence.

Causes: `customer_left` (the bot said so: `POST …/handoff/cancel` or a turn with `left`),
`offer_ignored` (an offer nobody answered within `lifecycle.offer_ignored_seconds`) and
`customer_silent` (an open case whose customer has not written for
`lifecycle.customer_silent_seconds`). The timeouts are fired by the worker; each abandonment is a
`handoff.abandoned` event with its cause, and a handback.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from baton.desk.episodes import hand_back
from baton.desk.locking import begin_write, skip_locked
from baton.desk.notices import announce
from baton.desk.offers import OfferState, close_offer
from baton.desk.timers import stop_clocks
from baton.lifecycle import EventType, HandoffStatus
from baton.policy import Policy
from baton.reinject import reinjected
from baton.store import repositories as repo
from baton.store.tables import ConversationRow, HandoffEventRow, HandoffRow

CASE_STATES = (HandoffStatus.QUEUED.value, HandoffStatus.ASSIGNED.value, HandoffStatus.ACTIVE.value)
CUSTOMER_SIGNS = (
    EventType.OFFERED.value,
    EventType.CREATED.value,
    EventType.CUSTOMER_MESSAGE.value,
)


class AbandonCause(StrEnum):
    CUSTOMER_LEFT = "customer_left"
    OFFER_IGNORED = "offer_ignored"
    CUSTOMER_SILENT = "customer_silent"


def abandon(
    *,
    session: Session,
    handoff: HandoffRow,
    cause: AbandonCause,
    now: datetime,
    actor: str | None,
) -> None:
    """Close an open handoff as `abandoned` with its cause; the bot gets the conversation back."""
    close_offer(session=session, handoff_id=handoff.id, state=OfferState.RELEASED, now=now)
    repo.move_handoff(session=session, handoff=handoff, target=HandoffStatus.ABANDONED, at=now)
    stop_clocks(session=session, handoff_id=handoff.id, now=now, met=False)
    repo.record_event(
        session=session,
        handoff=handoff,
        type_=EventType.ABANDONED,
        at=now,
        actor=actor,
        data={"cause": cause.value},
    )
    announce(session, handoff, "handoff.abandoned", "", now, cause=cause.value, bot_active=True)
    hand_back(session=session, handoff=handoff, now=now, ending={"cause": cause.value})


def last_customer_sign(*, session: Session, handoff_id: str) -> datetime | None:
    """When the customer last showed they were there: the offer, the escalation, a message."""
    return session.scalar(
        select(func.max(HandoffEventRow.at)).where(
            HandoffEventRow.handoff_id == handoff_id, HandoffEventRow.type.in_(CUSTOMER_SIGNS)
        )
    )


def _claim(session: Session, handoff_id: str) -> HandoffRow | None:
    """Lock the handoff and its conversation without waiting; None if another holds either."""
    handoff = session.scalars(
        skip_locked(select(HandoffRow).where(HandoffRow.id == handoff_id))
    ).first()
    if handoff is None:
        return None
    conversation = session.scalars(
        skip_locked(select(ConversationRow.id).where(ConversationRow.id == handoff.conversation_id))
    ).first()
    return handoff if conversation is not None else None


def _due(
    handoff: HandoffRow, policy: Policy, last: datetime | None, now: datetime
) -> AbandonCause | None:
    timeouts = policy.lifecycle
    if last is None:
        return None
    quiet = (now - last).total_seconds()
    if handoff.status == HandoffStatus.OFFERED.value:
        return AbandonCause.OFFER_IGNORED if quiet >= timeouts.offer_ignored_seconds else None
    silent = quiet >= timeouts.customer_silent_seconds
    if handoff.status in CASE_STATES and silent and not reinjected("no_silence"):
        return AbandonCause.CUSTOMER_SILENT
    return None


def abandon_due(
    *,
    session: Session,
    policy: Policy,
    now: datetime,
    limit: int = 200,
    actor: str = "worker",
    tenant_id: str | None = None,
) -> int:
    """Abandon the offers and cases whose customer has gone quiet past the policy's timeouts;
    with `tenant_id`, only that tenant's (the worker passes each tenant its own policy)."""
    begin_write(session)
    shortest = min(policy.lifecycle.offer_ignored_seconds, policy.lifecycle.customer_silent_seconds)
    last = (
        select(HandoffEventRow.handoff_id, func.max(HandoffEventRow.at).label("at"))
        .where(HandoffEventRow.type.in_(CUSTOMER_SIGNS))
        .group_by(HandoffEventRow.handoff_id)
        .subquery()
    )
    candidates = session.scalars(
        select(HandoffRow.id)
        .join(last, last.c.handoff_id == HandoffRow.id)
        .where(
            HandoffRow.status.in_((HandoffStatus.OFFERED.value, *CASE_STATES)),
            last.c.at <= now - timedelta(seconds=shortest),
            *([HandoffRow.tenant_id == tenant_id] if tenant_id is not None else []),
        )
        .order_by(last.c.at)
        .limit(limit)
    ).all()
    done = 0
    for handoff_id in candidates:
        handoff = _claim(session, handoff_id)
        if handoff is None:
            continue
        cause = _due(
            handoff, policy, last_customer_sign(session=session, handoff_id=handoff.id), now
        )
        if cause is not None:
            abandon(session=session, handoff=handoff, cause=cause, now=now, actor=actor)
            done += 1
    return done
