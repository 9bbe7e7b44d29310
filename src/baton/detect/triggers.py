"""The policy turns signal scores into a `Decision`: thresholds, actions, the customer's word.

Every reason whose score passes its trigger's threshold fires with its evidence. The strongest
action wins; an explicit request for a person always hands off; an offer the customer declined
is not made again for the policy's cooldown (a reason that forces a handoff still does).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from baton.detect.signals.base import Signal
from baton.detect.state import DetectState
from baton.domain import Action, Decision, Reason, ReasonCode, Sentiment, Urgency
from baton.policy import Policy


@dataclass(frozen=True, slots=True)
class Context:
    """What the Decision reports beside its reasons."""

    intent: str | None = None
    intent_confidence: float | None = None
    topic: str | None = None
    sentiment: Sentiment | None = None
    urgency: Urgency = Urgency.NORMAL


def fired_reasons(signals: Mapping[ReasonCode, Signal], policy: Policy) -> list[Reason]:
    """The reasons whose signal passes the trigger's threshold, strongest action first."""
    reasons: list[Reason] = []
    for code, signal in signals.items():
        trigger = policy.trigger(code)
        if not trigger.enabled or signal.score <= 0.0 or signal.score < trigger.threshold:
            continue
        action = Action.HANDOFF if code is ReasonCode.HUMAN_REQUESTED else trigger.action
        reasons.append(
            Reason(
                code=code,
                score=round(min(signal.score, 1.0), 4),
                evidence=signal.evidence,
                action=action,
            )
        )
    reasons.sort(
        key=lambda r: (
            r.code is not ReasonCode.HUMAN_REQUESTED,
            -r.action.rank,
            -r.score,
            r.code.value,
        )
    )
    return reasons


def decide(
    *,
    signals: Mapping[ReasonCode, Signal],
    policy: Policy,
    state: DetectState,
    context: Context | None = None,
) -> Decision:
    """Fire each reason whose score passes its threshold and take the strongest action."""
    context = context or Context()
    reasons = fired_reasons(signals, policy)
    action = max((r.action for r in reasons), key=lambda a: a.rank, default=Action.CONTINUE)
    if action is Action.OFFER and cooling_down(policy, state):
        action = Action.CONTINUE
    urgent = any(r.code is ReasonCode.URGENT for r in reasons)
    urgency = Urgency.CRITICAL if urgent else context.urgency
    return Decision(
        action=action,
        reasons=tuple(reasons),
        score=max((r.score for r in reasons), default=0.0),
        intent=context.intent,
        intent_confidence=context.intent_confidence,
        topic=context.topic,
        sentiment=context.sentiment,
        urgency=urgency,
    )


def cooling_down(policy: Policy, state: DetectState) -> bool:
    """A declined offer is not made again for the policy's cooldown, in user turns."""
    if state.declined_at_turn is None:
        return False
    return state.user_turns - state.declined_at_turn < policy.detect.decline_cooldown_turns
