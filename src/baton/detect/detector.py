"""Detect: score one new turn of a conversation against the policy, purely.

The detector reads only the new turn and the carried `DetectState`, never the earlier turns,
so its cost does not grow with the conversation. Its models are trained once per policy
(`baton.detect.training.load_models`) and shared across requests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from baton.detect.model import IntentModel, IntentPrediction, cut_for_share
from baton.detect.person_model import PersonModel
from baton.detect.signals import sentiment as mood
from baton.detect.signals import urgency as rush
from baton.detect.signals.base import NONE, Signal
from baton.detect.signals.bot_confidence import bot_confidence
from baton.detect.signals.human_request import human_request
from baton.detect.signals.intents import intent_signals
from baton.detect.signals.out_of_scope import out_of_scope
from baton.detect.signals.repeated_failure import correction, repeated_failure, rephrased
from baton.detect.state import DetectState
from baton.detect.triggers import Context, decide
from baton.domain import Action, Conversation, Decision, ReasonCode, Role, Turn
from baton.policy import Policy

_KEEP_FAILURES = 5
CLEARLY_OUT = 0.9  # a message this far out of scope names no intent worth acting on


@dataclass(frozen=True, slots=True)
class Models:
    """The trained parts of a detector; either may be absent (rules and bot signals still run)."""

    intents: IntentModel | None = None
    person: PersonModel | None = None

    @property
    def mode(self) -> str:
        """Which detector runs: `encoder` (TF-IDF + a sentence encoder) or `light` (TF-IDF)."""
        return self.intents.mode if self.intents is not None else "light"


class Detector:
    """Holds a policy and its trained models, and decides turn by turn."""

    def __init__(self, policy: Policy, models: Models | None = None) -> None:
        self.policy = policy
        self.models = models or Models()
        self.scope_cut = scope_cut(policy, self.models.intents)

    def decide(
        self, conversation: Conversation, state: DetectState, now: datetime
    ) -> tuple[Decision, DetectState]:
        """Decide on the conversation's last turn; return the decision and the new state."""
        del now  # no signal depends on the clock yet; kept for the stage contract
        turn = conversation.turns[-1]
        if turn.role is Role.USER:
            return self._user_turn(conversation, turn, state)
        if turn.role is Role.BOT and turn.bot is not None:
            return self._bot_turn(turn, state)
        return Decision(action=Action.CONTINUE), state

    def _bot_turn(self, turn: Turn, state: DetectState) -> tuple[Decision, DetectState]:
        """The bot's own report on the turn it just answered: fallback or low confidence."""
        low = bot_confidence(turn.bot, self.policy.detect.bot_confidence_floor)
        failed = low.score >= self.policy.trigger(ReasonCode.LOW_CONFIDENCE).threshold
        state = _count_failure(state, low.evidence if failed else None, bot=True)
        signals = {
            ReasonCode.LOW_CONFIDENCE: low,
            ReasonCode.REPEATED_FAILURE: self._failure_signal(state),
        }
        return decide(signals=signals, policy=self.policy, state=state), state

    def _person_request(self, text: str) -> Signal:
        """The person-request signal; a model hit names the words that weighed most in it."""
        model = self.models.person
        if model is None:
            return human_request(text)
        score = model.score(text)
        words = ", ".join(repr(w) for w in model.top_words(text)) if score >= 0.5 else ""
        return human_request(text, score, words)

    def _user_turn(
        self, conversation: Conversation, turn: Turn, state: DetectState
    ) -> tuple[Decision, DetectState]:
        text = turn.text
        intents = self.models.intents
        prediction = intents.predict(text, self.scope_cut) if intents else None
        asked = self._person_request(text)
        low, known = self._scope(turn, prediction, asked)
        level, mood_words = mood.compound(text)
        levels = (*state.sentiments, level)[-self.policy.detect.sentiment_window :]
        state = _count_failure(state, self._failure_of(turn, low, state), bot=False)
        state = state.model_copy(
            update={
                "user_turns": state.user_turns + 1,
                "sentiments": levels,
                "last_user_text": text[:500],
            }
        )
        bot_intent = turn.bot.intent if turn.bot else None
        signals = intent_signals(self.policy, known, bot_intent, conversation.customer)
        urgency = rush.urgency(text)
        signals[ReasonCode.URGENT] = _stronger(signals.get(ReasonCode.URGENT, NONE), urgency)
        signals[ReasonCode.HUMAN_REQUESTED] = asked
        signals[ReasonCode.LOW_CONFIDENCE] = low
        signals[ReasonCode.NEGATIVE_SENTIMENT] = mood.negative_sentiment(
            levels, self.policy.detect.sentiment_floor, mood_words
        )
        signals[ReasonCode.REPEATED_FAILURE] = self._failure_signal(state)
        context = self._context(known, bot_intent, levels, urgency)
        return decide(signals=signals, policy=self.policy, state=state, context=context), state

    def _scope(
        self, turn: Turn, prediction: IntentPrediction | None, asked: Signal
    ) -> tuple[Signal, IntentPrediction | None]:
        """The low-confidence signal, and the prediction if it is in scope enough to act on.

        A request for a person explains an out-of-scope message: Baton's scope model then raises
        no `low_confidence`, and intents count only from a prediction that is in scope.
        """
        low = self._low_confidence(turn, prediction)
        if prediction is None:
            return low, None
        requested = asked.score >= self.policy.trigger(ReasonCode.HUMAN_REQUESTED).threshold
        from_model = turn.bot is None or (turn.bot.confidence is None and not turn.bot.fallback)
        if requested and from_model:
            low = NONE
        limit = self.policy.detect.scope_threshold if requested else CLEARLY_OUT
        return low, (prediction if prediction.out_of_scope < limit else None)

    def _low_confidence(self, turn: Turn, prediction: IntentPrediction | None) -> Signal:
        """The bot's confidence when it gives one; otherwise Baton's own scope model."""
        bot = turn.bot
        if bot is not None and (bot.fallback or bot.confidence is not None):
            return bot_confidence(bot, self.policy.detect.bot_confidence_floor)
        return out_of_scope(prediction, self.policy.detect.scope_threshold)

    def _failure_of(self, turn: Turn, low: Signal, state: DetectState) -> str | None:
        """Why this user turn counts as a failed exchange, or None."""
        if low.score >= self.policy.trigger(ReasonCode.LOW_CONFIDENCE).threshold:
            return low.evidence
        corrected = correction(turn.text)
        if corrected:
            return f"corrected the bot: {corrected!r}"
        if rephrased(turn.text, state.last_user_text):
            return "rephrased the previous message"
        return None

    def _failure_signal(self, state: DetectState) -> Signal:
        why = "; ".join(state.failures[-self.policy.detect.failure_streak :])
        return repeated_failure(state.failure_streak, self.policy.detect.failure_streak, why)

    def _context(
        self,
        prediction: IntentPrediction | None,
        bot_intent: str | None,
        levels: tuple[float, ...],
        urgency: Signal,
    ) -> Context:
        intent = bot_intent or (prediction.intent if prediction else None)
        confidence = (
            None if bot_intent else (round(prediction.confidence, 4) if prediction else None)
        )
        config = self.policy.intents.get(intent) if intent else None
        return Context(
            intent=intent,
            intent_confidence=confidence,
            topic=config.topic if config else None,
            sentiment=mood.sentiment(levels),
            urgency=rush.level(urgency.score),
        )


def scope_cut(policy: Policy, model: IntentModel | None) -> float | None:
    """The policy's scope cut for an encoder-mode model (explicit, or from the expected share
    out of scope), or None to keep the model's own; light mode keeps its budget cut."""
    if model is None or model.mode != "encoder":
        return None
    detect = policy.detect
    if detect.scope_cut is not None:
        return detect.scope_cut
    if detect.expected_out_of_scope_share is not None:
        return cut_for_share(detect.expected_out_of_scope_share)
    return None


def _stronger(a: Signal, b: Signal) -> Signal:
    return a if a.score >= b.score else b


def _count_failure(state: DetectState, why: str | None, *, bot: bool) -> DetectState:
    """Extend the failure streak on a failed turn; only a good user turn resets it.

    A confident bot turn clears the bot's own failure flag but keeps the streak: the customer's
    next message (a rephrase, a correction, or a new question) says whether the answer worked.
    """
    if why is not None:
        return state.model_copy(
            update={
                "failure_streak": state.failure_streak + 1,
                "failures": (*state.failures, why)[-_KEEP_FAILURES:],
                "last_bot_failed": bot,
            }
        )
    if bot:
        return state.model_copy(update={"last_bot_failed": False})
    if state.last_bot_failed:
        return state
    return state.model_copy(update={"failure_streak": 0, "failures": ()})
