"""Routing an open case again when what it depends on changes: the bot names a queue or asks for
a priority before the customer takes the offer, or the customer confirms an e-mail address.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from baton.domain import Brief, Routing
from baton.errors import Conflict
from baton.lifecycle import EventType, HandoffStatus
from baton.policy import Policy
from baton.route import FloorSnapshot, route
from baton.route.levers import Levers
from baton.store import repositories as repo
from baton.store.floor import floor_snapshot
from baton.store.tables import HandoffRow


def apply_levers(
    session: Session,
    *,
    policy: Policy,
    handoff: HandoffRow,
    levers: Levers,
    now: datetime,
    floor: Callable[[], FloorSnapshot] | None = None,
) -> None:
    """The bot's queue and priority for a case that exists: an offer not yet taken is routed
    again with them; a queued case no agent has yet moves queue with its clock, as a transfer
    does; a case an agent holds stays where it is (the agent can transfer it). `floor`: where
    Route reads the floor (the engine's runtime; a replay's is the stored one)."""
    if not levers.routes:
        return
    if handoff.status == HandoffStatus.QUEUED.value:
        _move_queued(session, policy, handoff, levers, now)
        return
    if handoff.status != HandoffStatus.OFFERED.value:
        if levers.queue is not None and levers.queue != handoff.queue:
            raise Conflict(
                f"an agent already has the case in queue {handoff.queue!r}; they can transfer it",
                field="queue",
                code="handoff_already_routed",
            )
        return
    conversation = repo.load_conversation(
        session=session, tenant_id=handoff.tenant_id, conversation_id=handoff.conversation_id
    )
    routing = route(
        brief=Brief.model_validate(handoff.brief),
        customer=conversation.customer if conversation else None,
        policy=policy,
        snapshot=floor()
        if floor is not None
        else floor_snapshot(session=session, tenant_id=handoff.tenant_id, policy=policy),
        now=now,
        handoff_id=handoff.id,
        queue_name=levers.queue,
        min_priority=levers.min_priority,
    )
    handoff.queue, handoff.priority = routing.queue, routing.priority
    handoff.routing = routing.model_dump(mode="json")
    handoff.first_response_due = routing.first_response_due
    handoff.resolution_due = routing.resolution_due


def _move_queued(
    session: Session, policy: Policy, handoff: HandoffRow, levers: Levers, now: datetime
) -> None:
    before_queue, before_priority = handoff.queue, handoff.priority
    handoff.priority = max(handoff.priority, levers.min_priority)
    if handoff.queue_key is not None:
        raised = handoff.priority - before_priority
        handoff.queue_key -= raised * policy.priority.aging_seconds_per_point
    if levers.queue is not None and levers.queue != before_queue:
        handoff.queue = levers.queue
        skills = list(policy.queue(levers.queue).skills)
        handoff.routing = {**handoff.routing, "queue": levers.queue, "skills": skills}
    handoff.routing = {**handoff.routing, "priority": handoff.priority}
    if (handoff.queue, handoff.priority) == (before_queue, before_priority):
        return
    repo.record_event(
        session=session,
        handoff=handoff,
        type_=EventType.TRANSFERRED,
        at=now,
        actor="bot",
        data={"from_queue": before_queue, "to_queue": handoff.queue, "priority": handoff.priority},
    )


def refresh_offers(
    session: Session, *, policy: Policy, tenant_id: str, conversation_id: str, now: datetime
) -> None:
    """Recompute an open offer's channels after what they depend on changed (say, a confirmed
    e-mail address), so the customer's choice is checked against what is true now."""
    handoff = repo.get_open_handoff_row(
        session=session, tenant_id=tenant_id, conversation_id=conversation_id
    )
    conversation = repo.load_conversation(
        session=session, tenant_id=tenant_id, conversation_id=conversation_id
    )
    if handoff is None or handoff.status != HandoffStatus.OFFERED.value or conversation is None:
        return
    stored = Routing.model_validate(handoff.routing)
    fresh = route(
        brief=Brief.model_validate(handoff.brief),
        customer=conversation.customer,
        policy=policy,
        snapshot=floor_snapshot(session=session, tenant_id=tenant_id, policy=policy),
        now=now,
        handoff_id=handoff.id,
    )
    handoff.routing = stored.model_copy(update={"offers": fresh.offers}).model_dump(mode="json")
