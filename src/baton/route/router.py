"""Route: the queue, priority, SLA deadlines, expected wait and channel offers for a brief."""

from __future__ import annotations

from datetime import datetime, timedelta

from baton.domain import Brief, Customer, Routing, Urgency
from baton.policy import Policy
from baton.route.priority import priority
from baton.route.queues import choose_queue
from baton.route.snapshot import FloorSnapshot
from baton.transfer.channels import channel_offers


def expected_wait_seconds(
    load_free: int, waiting: int, handle_seconds: float, online: int
) -> int | None:
    """A first estimate: none online means no chat wait can be promised."""
    if online == 0:
        return None
    if load_free > waiting:
        return 0
    return int((waiting - load_free + 1) * handle_seconds / online)


def route(
    *,
    brief: Brief,
    customer: Customer | None,
    policy: Policy,
    snapshot: FloorSnapshot,
    now: datetime,
    handoff_id: str,
) -> Routing:
    """Choose where a case goes and what the customer is offered."""
    queue_name, rule = choose_queue(brief=brief, customer=customer, policy=policy)
    queue = policy.queue(queue_name)
    sla = queue.urgent_sla if brief.urgency is Urgency.CRITICAL and queue.urgent_sla else queue.sla
    load = snapshot.load(queue_name)
    eta = expected_wait_seconds(
        load.free_slots, load.waiting, load.mean_handle_seconds, load.agents_online
    )
    return Routing(
        queue=queue_name,
        priority=priority(brief=brief, customer=customer, tier_weights=policy.detect.tier_weights),
        skills=queue.skills,
        first_response_due=now + timedelta(minutes=sla.first_response_minutes),
        resolution_due=now + timedelta(minutes=sla.resolution_minutes),
        expected_wait_seconds=eta,
        offers=channel_offers(
            policy=policy, queue=queue, eta_seconds=eta, handoff_id=handoff_id, now=now
        ),
        rule=rule,
    )
