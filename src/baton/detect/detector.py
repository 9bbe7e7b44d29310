"""Detect: score one new turn of a conversation against the policy, purely."""

from __future__ import annotations

from datetime import datetime

from baton.detect.signals.base import Signal
from baton.detect.signals.bot_confidence import bot_confidence
from baton.detect.signals.human_request import human_request
from baton.detect.state import DetectState
from baton.detect.triggers import decide
from baton.domain import Action, Conversation, Decision, ReasonCode, Role
from baton.policy import Policy


class Detector:
    """Holds a policy (and, where trained, its scope model) and decides turn by turn."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy

    def decide(
        self, conversation: Conversation, state: DetectState, now: datetime
    ) -> tuple[Decision, DetectState]:
        """Decide on the conversation's last turn; return the decision and the new state."""
        turn = conversation.turns[-1]
        if turn.role is not Role.USER:
            return Decision(action=Action.CONTINUE), state
        floor = self.policy.detect.bot_confidence_floor
        low = bot_confidence(turn.bot, floor)
        streak = state.failure_streak + 1 if low.fired else 0
        signals: dict[ReasonCode, Signal] = {
            ReasonCode.HUMAN_REQUESTED: human_request(turn.text),
            ReasonCode.LOW_CONFIDENCE: low,
        }
        if streak >= self.policy.detect.failure_streak:
            signals[ReasonCode.REPEATED_FAILURE] = Signal(1.0, f"{streak} failed turns in a row")
        new_state = state.model_copy(
            update={
                "user_turns": state.user_turns + 1,
                "failure_streak": streak,
                "last_user_text": turn.text[:500],
            }
        )
        intent = turn.bot.intent if turn.bot else None
        config = self.policy.intents.get(intent) if intent else None
        decision = decide(
            signals=signals,
            policy=self.policy,
            state=new_state,
            intent=intent,
            topic=config.topic if config else None,
        )
        return decision, new_state
