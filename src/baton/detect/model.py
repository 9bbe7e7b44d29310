"""Baton's model of the bot's scope: which intent a message is, and how sure, or out of scope.

Word + character TF-IDF into a linear SVM, trained in seconds. Two things are fitted on data the
SVM did not see (a held-out fifth of the training file, or a validation file when given):
a softmax temperature, so intent probabilities are calibrated, and the scope cut, the lowest
score still called in scope. The cut is the highest one that costs in-scope accuracy no more than
`scope_budget`, so out-of-scope recall is as high as the budget allows; it maps to an
out-of-scope score of 0.5, which the policy's `detect.scope_threshold` compares against.

The scope score is the SVM margin of the best intent (over the out-of-scope class, when there is
one) plus `NEIGHBOUR_WEIGHT` times the cosine to the nearest in-scope training example: a message
far from every example is out of scope even when one intent's weights happen to like it. The
weight was chosen on CLINC150 validation data (out-of-scope recall 0.75 -> 0.78 at in-scope
accuracy 0.92); the look-up is one sparse product, about 0.3 ms against 10,000 examples.
The SVM's C is the one in `C_GRID` with the best accuracy on the calibration data (0.5 was
best on held-out BANKING77 train folds, 1.0 on CLINC150 validation).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax, softmax
from sklearn.svm import LinearSVC

from baton.detect.examples import OUT_OF_SCOPE, Example
from baton.detect.features import TextFeatures

DEFAULT_SCOPE_BUDGET = 0.015
NEIGHBOUR_WEIGHT = 1.0
C_GRID = (0.5, 1.0)
_CHUNK = 512
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
        neighbours: sparse.csr_matrix | None = None,
    ) -> None:
        self.features = features
        self.classes = tuple(classes)
        self.intents = tuple(c for c in self.classes if c != OUT_OF_SCOPE)
        self._in = np.asarray([i for i, c in enumerate(self.classes) if c != OUT_OF_SCOPE])
        self._oos = self.classes.index(OUT_OF_SCOPE) if OUT_OF_SCOPE in self.classes else None
        self.weights = np.ascontiguousarray(weights, dtype=np.float32)
        self.bias = bias.astype(np.float32)
        self.neighbours = neighbours
        self.temperature = 1.0
        self.scope_cut = -np.inf
        self.scope_scale = 1.0

    def _split(self, raw: np.ndarray, nearest: np.ndarray | float = 0.0) -> _Scores:
        inside = raw[..., self._in]
        top = inside.max(axis=-1)
        scope = top - raw[..., self._oos] if self._oos is not None else top
        return _Scores(inside, scope + NEIGHBOUR_WEIGHT * nearest)

    def raw_scores(self, text: str) -> np.ndarray:
        indices, values = self.features.vector(text)
        scores: np.ndarray = values.astype(np.float32) @ self.weights[indices] + self.bias
        return scores

    def nearest(self, text: str) -> float:
        """Cosine similarity to the nearest in-scope training example."""
        indices, values = self.features.vector(text)
        norm = float(np.linalg.norm(values))
        if self.neighbours is None or norm == 0.0:
            return 0.0
        similarity = self.neighbours[indices].T @ (values / norm).astype(np.float32)
        return float(similarity.max()) if similarity.size else 0.0

    def predict(self, text: str) -> IntentPrediction:
        """The most likely intent, its probability, and the chance the text is out of scope."""
        return self._prediction(self._split(self.raw_scores(text), self.nearest(text)))

    def predict_many(self, texts: Sequence[str]) -> list[IntentPrediction]:
        """`predict` over many texts at once, for evaluation."""
        matrix = self.features.matrix(texts)
        scores = self._split(self.batch_scores(texts), _max_cosine(matrix, self.neighbours))
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
        nearest: np.ndarray,
        scope_budget: float = DEFAULT_SCOPE_BUDGET,
    ) -> None:
        """Fit the temperature and the scope cut on scores of examples the SVM was not fitted on."""
        labels_arr = np.asarray(labels)
        inside = labels_arr != OUT_OF_SCOPE
        scores = self._split(raw, nearest)
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


def _neighbours(matrix: sparse.csr_matrix, labels: Sequence[str]) -> sparse.csr_matrix:
    """The in-scope training rows, unit length, feature-major (a row per feature) for look-ups."""
    rows = np.flatnonzero(np.asarray(labels) != OUT_OF_SCOPE)
    kept = sparse.csr_matrix(matrix[rows], dtype=np.float32)
    norms = np.sqrt(np.asarray(kept.multiply(kept).sum(axis=1))).ravel()
    scaled = sparse.diags(1.0 / np.maximum(norms, 1e-9)).astype(np.float32) @ kept
    return sparse.csr_matrix(scaled.T, dtype=np.float32)


def _max_cosine(matrix: sparse.csr_matrix, neighbours: sparse.csr_matrix | None) -> np.ndarray:
    """Each row's cosine to its nearest neighbour, in chunks to bound memory."""
    if neighbours is None:
        return np.zeros(matrix.shape[0])
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1))).ravel()
    unit = sparse.diags(1.0 / np.maximum(norms, 1e-9)) @ matrix
    out = np.zeros(matrix.shape[0])
    for start in range(0, matrix.shape[0], _CHUNK):
        block = unit[start : start + _CHUNK].astype(np.float32) @ neighbours
        out[start : start + _CHUNK] = block.max(axis=1).toarray().ravel()
    return out


def _fit_svm(matrix: object, labels: Sequence[str], c: float = 1.0) -> LinearSVC:
    svm = LinearSVC(C=c, dual=True, max_iter=5000, random_state=0)
    svm.fit(matrix, np.asarray(labels))
    return svm


def _accuracy(svm: LinearSVC, matrix: object, labels: Sequence[str]) -> float:
    """Intent accuracy on the in-scope rows, the out-of-scope class left out of the argmax."""
    classes = np.asarray(svm.classes_)
    inside = np.flatnonzero(classes != OUT_OF_SCOPE)
    raw = np.asarray(matrix @ svm.coef_.T)[:, inside] + svm.intercept_[inside]
    truth = np.asarray(labels)
    keep = truth != OUT_OF_SCOPE
    return float(np.mean(classes[inside][raw.argmax(axis=1)][keep] == truth[keep]))


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
    checked = [e for e in validation if e.label is not None]
    if checked:
        val_texts = [e.text for e in checked]
        val_labels = [str(e.label) for e in checked]
        val_matrix = features.matrix(val_texts)
        fits = [_fit_svm(matrix, labels, c) for c in C_GRID]
        svm = max(fits, key=lambda f: _accuracy(f, val_matrix, val_labels))
        model = _model(features, svm, matrix, labels)
        known = [i for i, x in enumerate(val_labels) if x in model.classes]
        model.calibrate(
            model.batch_scores([val_texts[i] for i in known]),
            [val_labels[i] for i in known],
            nearest=_max_cosine(val_matrix[known], model.neighbours),
            scope_budget=scope_budget,
        )
        return model
    held = _hold_out(labels)
    train_rows, held_rows = np.flatnonzero(~held), np.flatnonzero(held)
    train_labels, held_labels = [labels[i] for i in train_rows], [labels[i] for i in held_rows]
    fits = [_fit_svm(matrix[train_rows], train_labels, c) for c in C_GRID]
    scores = [_accuracy(f, matrix[held_rows], held_labels) for f in fits]
    best = int(np.argmax(scores))
    partial = fits[best]
    model = _model(features, _fit_svm(matrix, labels, C_GRID[best]), matrix, labels)
    raw = np.asarray(matrix[held_rows] @ partial.coef_.T) + partial.intercept_
    order = [list(partial.classes_).index(c) for c in model.classes]
    model.calibrate(
        raw[:, order],
        held_labels,
        nearest=_max_cosine(matrix[held_rows], _neighbours(matrix[train_rows], train_labels)),
        scope_budget=scope_budget,
    )
    return model


def _model(
    features: TextFeatures, svm: LinearSVC, matrix: sparse.csr_matrix, labels: Sequence[str]
) -> IntentModel:
    classes = [str(c) for c in svm.classes_]
    return IntentModel(features, classes, svm.coef_.T, svm.intercept_, _neighbours(matrix, labels))
