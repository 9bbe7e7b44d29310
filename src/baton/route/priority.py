"""Priority from reasons, urgency, tier and sentiment; waiting time ages it so no case starves.

A queued case is served in order of its queue key, `queued_at - priority * aging`: a case's
effective priority grows by one point every `aging_seconds_per_point`, so ordering by this fixed
key is ordering by effective priority at any moment, and a case waits at most
`100 * aging_seconds_per_point` behind cases that arrive after it.
"""

from __future__ import annotations

from datetime import datetime

from baton.domain import Brief, Customer
from baton.policy import PriorityConfig

MAX_PRIORITY = 100


def priority(
    *,
    brief: Brief,
    customer: Customer | None,
    config: PriorityConfig,
    tier_weights: dict[str, float],
) -> int:
    """A score in 0..100; higher is served first."""
    score = max((config.reason_weights.get(r.code, 0) for r in brief.reasons), default=0)
    score += config.urgency_weights.get(brief.urgency, 0)
    if customer is not None and customer.tier:
        score += round(config.tier_points * tier_weights.get(customer.tier, 0.0))
    if brief.sentiment is not None and brief.sentiment.level < 0:
        score += round(-config.sentiment_points * brief.sentiment.level)
    return clamp(score)


def clamp(score: int) -> int:
    return max(0, min(MAX_PRIORITY, score))


def queue_key(*, priority: int, queued_at: datetime, aging_seconds_per_point: int) -> float:
    """The fixed sort key of a queued case: smaller is served first."""
    return queued_at.timestamp() - priority * aging_seconds_per_point


def effective_priority(
    *, priority: int, queued_at: datetime, now: datetime, aging_seconds_per_point: int
) -> float:
    """The priority a case has reached after waiting since `queued_at` (may exceed 100)."""
    waited = max(0.0, (now - queued_at).total_seconds())
    return priority + waited / aging_seconds_per_point
