"""The policy turns signal scores into a `Decision`: thresholds, actions, the customer's word."""

from __future__ import annotations

from collections.abc import Mapping

from baton.detect.signals.base import Signal
from baton.detect.state import DetectState
from baton.domain import Action, Decision, Reason, ReasonCode, Sentiment, Urgency
from baton.policy import Policy


def decide(
    *,
    signals: Mapping[ReasonCode, Signal],
    policy: Policy,
    state: DetectState,
    intent: str | None = None,
    intent_confidence: float | None = None,
    topic: str | None = None,
    sentiment: Sentiment | None = None,
) -> Decision:
    """Fire each reason whose score passes its trigger's threshold and take the strongest action."""
    reasons: list[Reason] = []
    for code, signal in signals.items():
        trigger = policy.trigger(code)
        if trigger.enabled and signal.score >= trigger.threshold:
            reasons.append(
                Reason(
                    code=code,
                    score=round(signal.score, 4),
                    evidence=signal.evidence,
                    action=trigger.action,
                )
            )
    reasons.sort(key=lambda r: (-r.action.rank, -r.score, r.code.value))
    action = max((r.action for r in reasons), key=lambda a: a.rank, default=Action.CONTINUE)
    if action is Action.OFFER and _cooling_down(policy, state):
        action = Action.CONTINUE
    urgency = Urgency.CRITICAL if ReasonCode.URGENT in {r.code for r in reasons} else Urgency.NORMAL
    return Decision(
        action=action,
        reasons=tuple(reasons),
        score=max((r.score for r in reasons), default=0.0),
        intent=intent,
        intent_confidence=intent_confidence,
        topic=topic,
        sentiment=sentiment,
        urgency=urgency,
    )


def _cooling_down(policy: Policy, state: DetectState) -> bool:
    """A declined offer is not made again for the policy's cooldown, in user turns."""
    if state.declined_at_turn is None:
        return False
    return state.user_turns - state.declined_at_turn < policy.detect.decline_cooldown_turns
