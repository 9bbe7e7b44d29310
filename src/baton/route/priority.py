"""Priority from reasons, tier and sentiment: urgent first, angry and valuable sooner."""

from __future__ import annotations

from baton.domain import Brief, Customer, ReasonCode, Urgency

_REASON_WEIGHT = {
    ReasonCode.URGENT: 40,
    ReasonCode.POLICY_RESTRICTED: 15,
    ReasonCode.IDENTITY_REQUIRED: 15,
    ReasonCode.HIGH_VALUE_INTENT: 20,
    ReasonCode.NEGATIVE_SENTIMENT: 15,
    ReasonCode.REPEATED_FAILURE: 10,
    ReasonCode.HUMAN_REQUESTED: 10,
    ReasonCode.LOW_CONFIDENCE: 5,
}
_URGENCY_WEIGHT = {Urgency.LOW: 0, Urgency.NORMAL: 5, Urgency.HIGH: 15, Urgency.CRITICAL: 25}


def priority(*, brief: Brief, customer: Customer | None, tier_weights: dict[str, float]) -> int:
    """A score in 0..100; higher is served first."""
    score = max((_REASON_WEIGHT[r.code] for r in brief.reasons), default=0)
    score += _URGENCY_WEIGHT[brief.urgency]
    if customer is not None and customer.tier:
        score += round(20 * tier_weights.get(customer.tier, 0.0))
    if brief.sentiment is not None and brief.sentiment.level < 0:
        score += round(-10 * brief.sentiment.level)
    return max(0, min(100, score))
