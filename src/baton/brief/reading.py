"""The case as a person reads it: which turn says what it is about, and the episode's mood.

A case is about what the customer said in its most salient turn, not in its first one: "my
payment was declined" then "I want a person about a double charge" is a double charge. Each
user turn's decision is weighed by the reasons it raised; reasons that come from what the
message is about (a restricted topic, an identity change, a high-value or urgent intent) weigh
most, a request for a person or anger a little, the bot's own failures not at all. Its intent
confidence breaks ties, and a later turn wins a tie.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from baton.detect.signals.sentiment import label, trend
from baton.domain import Decision, ReasonCode, Sentiment
from baton.policy import Policy

NO_CASE_INTENTS = frozenset({"smalltalk"})
_WEIGHTS = {
    ReasonCode.POLICY_RESTRICTED: 1.0,
    ReasonCode.IDENTITY_REQUIRED: 1.0,
    ReasonCode.HIGH_VALUE_INTENT: 1.0,
    ReasonCode.URGENT: 0.8,
    ReasonCode.HUMAN_REQUESTED: 0.3,
    ReasonCode.NEGATIVE_SENTIMENT: 0.3,
    ReasonCode.REPEATED_FAILURE: 0.0,
    ReasonCode.LOW_CONFIDENCE: 0.0,
}


@dataclass(frozen=True, slots=True)
class Reading:
    """One turn of the episode and the decision the detector made on it."""

    turn_id: str
    decision: Decision


@dataclass(frozen=True, slots=True)
class CaseReading:
    """What the case is about (from its most salient turn) and the episode's mood."""

    intent: str | None
    topic: str | None
    turn_id: str | None
    sentiment: Sentiment | None


def salience(decision: Decision, policy: Policy) -> float:
    """How much a turn says about what the case is; below zero when it names no intent."""
    if not decision.intent or decision.intent in NO_CASE_INTENTS:
        return -1.0
    weighed = sum(_WEIGHTS[r.code] * r.score for r in decision.reasons)
    known = 0.25 if decision.intent in policy.intents else 0.0
    confidence = 1.0 if decision.intent_confidence is None else decision.intent_confidence
    return weighed + known + 0.5 * confidence


def read_case(readings: Sequence[Reading], policy: Policy) -> CaseReading:
    """The intent and topic of the most salient turn, and the mood over all the turns."""
    best: Reading | None = None
    best_score = -1.0
    for reading in readings:
        score = salience(reading.decision, policy)
        if score >= 0 and score >= best_score:
            best, best_score = reading, score
    intent = best.decision.intent if best else None
    config = policy.intents.get(intent or "")
    topic = (config.topic if config else None) or (best.decision.topic if best else None)
    return CaseReading(
        intent=intent,
        topic=topic,
        turn_id=best.turn_id if best else None,
        sentiment=episode_mood(readings),
    )


def episode_mood(readings: Sequence[Reading]) -> Sentiment | None:
    """The episode's lowest level and its trend over every turn: calmer later reads "improving",
    never as if the anger had not happened."""
    levels = [r.decision.sentiment.level for r in readings if r.decision.sentiment is not None]
    if not levels:
        return None
    low = min(levels)
    return Sentiment(level=low, trend=round(trend(levels), 4), label=label(low))
