"""The plain baseline Baton's detector is measured against, in the same run and on the same data.

Word + character TF-IDF into logistic regression; out of scope when the top probability is under
a fixed threshold; the policy's reasons from the predicted intent; a person requested when a
keyword rule matches. About twenty lines of scikit-learn, as the issue describes it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_union

from baton.detect.examples import OUT_OF_SCOPE, Example
from baton.detect.signals.base import Signal
from baton.detect.state import DetectState
from baton.detect.triggers import Context, decide
from baton.domain import Action, Conversation, Decision, ReasonCode, Role
from baton.policy import Policy

_KEYWORDS = re.compile(r"\b(?:human|agent|person|someone|representative|operator)\b", re.I)
THRESHOLD = 0.5


class BaselineDetector:
    """The baseline, with the detector's `decide` interface so one scorer serves both."""

    def __init__(self, policy: Policy, examples: Sequence[Example]) -> None:
        self.policy = policy
        usable = [e for e in examples if e.label is not None]
        self.pipeline: Pipeline | None = None
        if len({e.label for e in usable}) > 1:
            union = make_union(
                TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
                TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
            )
            self.pipeline = Pipeline(
                [("tfidf", union), ("lr", LogisticRegression(C=10.0, max_iter=1000))]
            )
            self.pipeline.fit([e.text for e in usable], [str(e.label) for e in usable])

    def decide(
        self, conversation: Conversation, state: DetectState, now: datetime
    ) -> tuple[Decision, DetectState]:
        """Decide on the last turn from its text alone."""
        del now
        turn = conversation.turns[-1]
        if turn.role is not Role.USER:
            return Decision(action=Action.CONTINUE), state
        signals: dict[ReasonCode, Signal] = {}
        if _KEYWORDS.search(turn.text):
            signals[ReasonCode.HUMAN_REQUESTED] = Signal(1.0, "keyword")
        intent, confidence, in_scope = self._classify(turn.text)
        if not in_scope:
            signals[ReasonCode.LOW_CONFIDENCE] = Signal(1.0, f"top probability {confidence:.2f}")
        config = self.policy.intents.get(intent or "")
        if config is not None and config.reason is not None:
            signals[config.reason] = Signal(1.0, f"intent {intent}")
        context = Context(intent=intent, intent_confidence=confidence)
        return decide(signals=signals, policy=self.policy, state=state, context=context), state

    def _classify(self, text: str) -> tuple[str | None, float, bool]:
        """The top in-scope intent, its probability, and whether the text counts as in scope."""
        if self.pipeline is None:
            return None, 0.0, True
        probabilities = self.pipeline.predict_proba([text])[0]
        classes = [str(c) for c in self.pipeline.classes_]
        top = classes[int(np.argmax(probabilities))]
        if OUT_OF_SCOPE in classes:
            probabilities[classes.index(OUT_OF_SCOPE)] = 0.0
        best = int(np.argmax(probabilities))
        confidence = float(probabilities[best])
        return classes[best], confidence, top != OUT_OF_SCOPE and confidence >= THRESHOLD
