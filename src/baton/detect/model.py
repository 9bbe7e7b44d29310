"""Baton's model of the bot's scope: which intent a message is, and how sure, or out of scope.

Word + character TF-IDF into a linear SVM, trained in seconds. Two things are fitted on data the
SVM did not see (a held-out fifth of the training file, or a validation file when given):
a softmax temperature, so intent probabilities are calibrated, and the scope cut, the lowest
score still called in scope. The cut is the highest one that costs in-scope accuracy no more than
`scope_budget`, so out-of-scope recall is as high as the budget allows; it maps to an
out-of-scope score of 0.5, which the policy's `detect.scope_threshold` compares against.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax, softmax
from sklearn.svm import LinearSVC

from baton.detect.examples import OUT_OF_SCOPE, Example
from baton.detect.features import TextFeatures

DEFAULT_SCOPE_BUDGET = 0.01
_HOLD_OUT_EVERY = 5


@dataclass(frozen=True, slots=True)
class IntentPrediction:
    intent: str
    confidence: float
    out_of_scope: float
    ranked: tuple[tuple[str, float], ...]


@dataclass(frozen=True, slots=True)
class _Scores:
    intent_scores: np.ndarray
    scope: np.ndarray


class IntentModel:
    """A trained scope/intent model; `predict` costs a few dictionary look-ups and one product."""

    def __init__(
        self,
        features: TextFeatures,
        classes: Sequence[str],
        weights: np.ndarray,
        bias: np.ndarray,
    ) -> None:
        self.features = features
        self.classes = tuple(classes)
        self.intents = tuple(c for c in self.classes if c != OUT_OF_SCOPE)
        self._in = np.asarray([i for i, c in enumerate(self.classes) if c != OUT_OF_SCOPE])
        self._oos = self.classes.index(OUT_OF_SCOPE) if OUT_OF_SCOPE in self.classes else None
        self.weights = np.ascontiguousarray(weights, dtype=np.float32)
        self.bias = bias.astype(np.float32)
        self.temperature = 1.0
        self.scope_cut = -np.inf
        self.scope_scale = 1.0

    def _split(self, raw: np.ndarray) -> _Scores:
        inside = raw[..., self._in]
        top = inside.max(axis=-1)
        scope = top - raw[..., self._oos] if self._oos is not None else top
        return _Scores(inside, scope)

    def raw_scores(self, text: str) -> np.ndarray:
        indices, values = self.features.vector(text)
        scores: np.ndarray = values.astype(np.float32) @ self.weights[indices] + self.bias
        return scores

    def predict(self, text: str) -> IntentPrediction:
        """The most likely intent, its probability, and the chance the text is out of scope."""
        return self._prediction(self._split(self.raw_scores(text)))

    def predict_many(self, texts: Sequence[str]) -> list[IntentPrediction]:
        """`predict` over many texts at once, for evaluation."""
        scores = self._split(self.batch_scores(texts))
        return [
            self._prediction(_Scores(scores.intent_scores[i], scores.scope[i]))
            for i in range(len(texts))
        ]

    def batch_scores(self, texts: Sequence[str]) -> np.ndarray:
        matrix = self.features.matrix(texts).astype(np.float32)
        scores: np.ndarray = np.asarray(matrix @ self.weights) + self.bias
        return scores

    def out_of_scope(self, scope: np.ndarray) -> np.ndarray:
        """Map scope scores to [0, 1]; exactly 0.5 at the fitted cut."""
        z = np.clip((self.scope_cut - scope) / self.scope_scale, -30.0, 30.0)
        result: np.ndarray = 1.0 / (1.0 + np.exp(-z))
        return result

    def _prediction(self, scores: _Scores) -> IntentPrediction:
        probabilities = softmax(scores.intent_scores * self.temperature)
        order = np.argsort(probabilities)[::-1][:5]
        ranked = tuple((self.intents[i], float(probabilities[i])) for i in order)
        return IntentPrediction(
            intent=ranked[0][0],
            confidence=ranked[0][1],
            out_of_scope=float(self.out_of_scope(np.asarray(scores.scope))),
            ranked=ranked,
        )

    def calibrate(
        self,
        raw: np.ndarray,
        labels: Sequence[str],
        *,
        scope_budget: float = DEFAULT_SCOPE_BUDGET,
    ) -> None:
        """Fit the temperature and the scope cut on scores of examples the SVM was not fitted on."""
        labels_arr = np.asarray(labels)
        inside = labels_arr != OUT_OF_SCOPE
        scores = self._split(raw)
        self.temperature = _fit_temperature(
            scores.intent_scores[inside], [self.intents.index(x) for x in labels_arr[inside]]
        )
        predicted = np.asarray(self.intents)[scores.intent_scores.argmax(axis=1)]
        correct = (predicted == labels_arr)[inside]
        scope_in = scores.scope[inside]
        self.scope_cut = _fit_cut(scope_in, correct, scope_budget)
        self.scope_scale = max(float(np.std(scope_in)) * 0.2, 1e-3)


def _fit_temperature(scores: np.ndarray, targets: list[int]) -> float:
    """The softmax temperature that minimises the negative log-likelihood of held-out labels."""
    if len(targets) == 0:
        return 1.0
    rows = np.arange(len(targets))

    def loss(t: float) -> float:
        return float(-log_softmax(scores * t, axis=1)[rows, targets].mean())

    result = minimize_scalar(loss, bounds=(0.1, 100.0), method="bounded")
    return float(result.x)


def _fit_cut(scope: np.ndarray, correct: np.ndarray, budget: float) -> float:
    """The highest cut whose rejected in-scope examples cost at most `budget` of accuracy."""
    if len(scope) == 0:
        return -np.inf
    order = np.argsort(scope)
    lost = np.cumsum(correct[order]) / len(scope)
    allowed = int(np.searchsorted(lost, budget, side="right"))
    if allowed == 0:
        return float(scope[order[0]]) - 1e-6
    if allowed >= len(scope):
        return float(scope[order[-1]]) + 1e-6
    return float((scope[order[allowed - 1]] + scope[order[allowed]]) / 2)


def _fit_svm(matrix: object, labels: Sequence[str]) -> LinearSVC:
    svm = LinearSVC(C=1.0, dual=True, max_iter=5000, random_state=0)
    svm.fit(matrix, np.asarray(labels))
    return svm


def _hold_out(labels: Sequence[str]) -> np.ndarray:
    """Every fifth example of each class with at least five is held out for calibration."""
    seen: dict[str, int] = {}
    counts: dict[str, int] = {}
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
    mask = np.zeros(len(labels), dtype=bool)
    for i, label in enumerate(labels):
        seen[label] = seen.get(label, 0) + 1
        mask[i] = counts[label] >= _HOLD_OUT_EVERY and seen[label] % _HOLD_OUT_EVERY == 0
    return mask


def train_intent_model(
    examples: Sequence[Example],
    *,
    validation: Sequence[Example] = (),
    scope_budget: float = DEFAULT_SCOPE_BUDGET,
) -> IntentModel:
    """Train on labelled examples; calibrate on `validation` if given, else on a held-out fifth."""
    usable = [e for e in examples if e.label is not None]
    texts = [e.text for e in usable]
    labels = [str(e.label) for e in usable]
    if len({x for x in labels if x != OUT_OF_SCOPE}) < 2:
        raise ValueError("the scope model needs at least two intents with examples")
    features, matrix = TextFeatures.fit(texts)
    svm = _fit_svm(matrix, labels)
    model = IntentModel(features, [str(c) for c in svm.classes_], svm.coef_.T, svm.intercept_)
    checked = [e for e in validation if e.label in model.classes]
    if checked:
        raw = model.batch_scores([e.text for e in checked])
        model.calibrate(raw, [str(e.label) for e in checked], scope_budget=scope_budget)
        return model
    held = _hold_out(labels)
    train_rows = np.flatnonzero(~held)
    partial = _fit_svm(matrix[train_rows], [labels[i] for i in train_rows])
    raw = np.asarray(matrix[np.flatnonzero(held)] @ partial.coef_.T) + partial.intercept_
    order = [list(partial.classes_).index(c) for c in model.classes]
    model.calibrate(
        raw[:, order], [labels[i] for i in np.flatnonzero(held)], scope_budget=scope_budget
    )
    return model
