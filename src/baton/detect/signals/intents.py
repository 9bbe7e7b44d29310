"""The policy's intents: restricted topics, identity-required and high-value intents.

A reason's score is the probability mass the model puts on all the intents the policy maps to
that reason (so "refund" spread over three refund intents still counts), and at least
0.5 + confidence / 2 when the most likely intent is one of them; a bot-supplied intent the
policy knows counts as certain. High-value intents are weighted by the customer's tier and
lifecycle stage. An identity-required intent raises nothing for a customer the bot has already
verified (`customer.authenticated`), unless the policy marks the intent `always_person`.
"""

from __future__ import annotations

from baton.detect.model import IntentPrediction
from baton.detect.signals.base import Signal
from baton.domain import Customer, ReasonCode
from baton.policy import Policy

INTENT_REASONS = (
    ReasonCode.POLICY_RESTRICTED,
    ReasonCode.IDENTITY_REQUIRED,
    ReasonCode.HIGH_VALUE_INTENT,
    ReasonCode.URGENT,
)


def value_weight(policy: Policy, customer: Customer | None) -> tuple[float, str]:
    """A high-value intent's weight for this customer: 1 when neither tier nor stage is known."""
    weights: list[tuple[float, str]] = []
    if customer is not None and customer.tier:
        weights.append(
            (policy.detect.tier_weights.get(customer.tier, 0.5), f"tier {customer.tier}")
        )
    if customer is not None and customer.lifecycle_stage:
        stage = customer.lifecycle_stage
        weights.append((policy.detect.lifecycle_weights.get(stage, 0.5), f"stage {stage}"))
    if not weights:
        return 1.0, ""
    return max(weights)


def intent_signals(
    policy: Policy,
    prediction: IntentPrediction | None,
    bot_intent: str | None,
    customer: Customer | None,
) -> dict[ReasonCode, Signal]:
    """One signal per intent-driven reason code, from the bot's intent or Baton's model."""
    mass: dict[ReasonCode, list[tuple[str, float]]] = {}
    if bot_intent is not None and bot_intent in policy.intents:
        ranked: tuple[tuple[str, float], ...] = ((bot_intent, 1.0),)
        source = "bot intent"
    elif prediction is not None:
        ranked, source = prediction.ranked, "intent model"
    else:
        return {}
    verified = customer is not None and customer.authenticated
    for intent, p in ranked:
        config = policy.intents.get(intent)
        if config is None or config.reason not in INTENT_REASONS:
            continue
        if verified and config.reason is ReasonCode.IDENTITY_REQUIRED and not config.always_person:
            continue
        mass.setdefault(config.reason, []).append((intent, p))
    signals: dict[ReasonCode, Signal] = {}
    top_intent, top_p = ranked[0]
    for code, parts in mass.items():
        score = sum(p for _, p in parts)
        if parts[0][0] == top_intent:
            score = max(score, 0.5 + 0.5 * top_p)
        named = ", ".join(f"{i} {p:.2f}" for i, p in parts if p >= 0.05)
        evidence = f"{source}: {named or parts[0][0]}"
        if code is ReasonCode.HIGH_VALUE_INTENT:
            weight, why = value_weight(policy, customer)
            score *= weight
            evidence += f" x {weight:.2f} ({why})" if why else ""
        signals[code] = Signal(round(min(score, 1.0), 4), evidence)
    return signals
