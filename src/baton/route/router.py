"""Route: the queue, priority, SLA deadlines, expected wait and channel offers for a brief."""

from __future__ import annotations

from datetime import datetime

from baton.domain import Brief, Customer, Routing
from baton.policy import Policy
from baton.route.calendar import queue_calendar
from baton.route.eta import expected_wait_seconds
from baton.route.priority import priority
from baton.route.queues import choose_queue
from baton.route.sla import SlaKind, clock_calendar, sla_for, target_seconds
from baton.route.snapshot import FloorSnapshot
from baton.transfer.channels import OfferContext, channel_offers, contact_points


def route(
    *,
    brief: Brief,
    customer: Customer | None,
    policy: Policy,
    snapshot: FloorSnapshot,
    now: datetime,
    handoff_id: str,
    queue_name: str | None = None,
    min_priority: int = 0,
) -> Routing:
    """Where a case goes, how urgent it is, when it is due and what the customer is offered.

    `queue_name` and `min_priority` are the bot's word (already checked against the policy): the
    queue it named, and a priority the case gets at least.
    """
    if queue_name is None:
        queue_name, rule = choose_queue(brief=brief, customer=customer, policy=policy)
    else:
        rule = "bot"
    queue = policy.queue(queue_name)
    score = priority(
        brief=brief,
        customer=customer,
        config=policy.priority,
        tier_weights=policy.detect.tier_weights,
    )
    score = max(score, min_priority)
    sla = sla_for(queue, urgency=brief.urgency, priority=score)
    clock = clock_calendar(policy, queue, sla)
    hours = queue_calendar(policy, queue)
    first_due = clock.add(now, target_seconds(sla, SlaKind.FIRST_RESPONSE))
    is_open = hours.is_open(now)
    opens_at = None if is_open else hours.next_open(now)
    eta = expected_wait_seconds(snapshot.load(queue_name)) if is_open else None
    email, phone = contact_points(brief, customer)
    context = OfferContext(
        eta_seconds=eta,
        queue_open=is_open,
        opens_at=opens_at,
        reply_by=first_due,
        zone=hours.zone,
        handoff_id=handoff_id,
        now=now,
        email=email,
        phone=phone,
    )
    return Routing(
        queue=queue_name,
        priority=score,
        skills=queue.skills,
        first_response_due=first_due,
        resolution_due=clock.add(now, target_seconds(sla, SlaKind.RESOLUTION)),
        expected_wait_seconds=eta,
        offers=channel_offers(policy=policy, queue=queue, brief=brief, context=context),
        rule=rule,
        queue_open=is_open,
        opens_at=opens_at,
    )
