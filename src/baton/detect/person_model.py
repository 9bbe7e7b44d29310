"""A small learned model of "the customer asks for a person", for the phrasings rules miss.

Logistic regression over the same word + character TF-IDF as the scope model, on the text with
misspelt key words put right (`human_request.normalise`), so "I need an agnet" and "I need an
agent" are one input. Trained on the person-request examples the package ships (and any a
training file labels). Its decision cut is chosen by cross-validation on those examples,
together with the rules, but never under a probability of `MIN_CUT` (0.7), and mapped to 0.5.
The floor was chosen by 5-fold cross-validation on NLU++ train, each fold's model trained as the
shipped one is (the other folds, Bitext train and the synthetic rows): the rules already find
59 of its 60 requests, so the floor is the lowest at which the model adds no false alarm, and
the model alone (a stand-in for the phrasings the rules will miss) finds 40 of the 60 at 0.7
against 33 at 0.9, with the same one false alarm (0.6: 2; 0.5: 4). `top_words` names the words
that weighed most towards a request, for the reason's evidence.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from baton.detect.examples import Example
from baton.detect.features import TextFeatures, word_ngrams
from baton.detect.signals.human_request import model_may_fire, normalise, rule_match

_FOLDS = 5
MIN_CUT = 0.7


class PersonModel:
    """`score(text)` is in [0, 1] and passes 0.5 exactly at the cross-validated cut."""

    def __init__(
        self,
        features: TextFeatures,
        weights: np.ndarray,
        bias: float,
        cut: float,
        word_weights: dict[str, float] | None = None,
    ):
        self.features = features
        self.weights = weights.astype(np.float64)
        self.bias = float(bias)
        self.cut = float(cut)
        self.word_weights = word_weights or {}

    def probability(self, text: str) -> float:
        indices, values = self.features.vector(normalise(text))
        z = float(values @ self.weights[indices]) + self.bias
        return 1.0 / (1.0 + math.exp(-max(min(z, 30.0), -30.0)))

    def score(self, text: str) -> float:
        p = self.probability(text)
        if p >= self.cut:
            return 0.5 + 0.5 * (p - self.cut) / max(1.0 - self.cut, 1e-9)
        return 0.5 * p / max(self.cut, 1e-9)

    def top_words(self, text: str, n: int = 3) -> list[str]:
        """The word n-grams of `text` with the largest weight towards a request."""
        grams = {g for g in word_ngrams(normalise(text)) if self.word_weights.get(g, 0.0) > 0}
        return sorted(grams, key=lambda g: -self.word_weights[g])[:n]


def _fit(matrix: object, labels: np.ndarray) -> LogisticRegression:
    model = LogisticRegression(C=20.0, class_weight="balanced", max_iter=2000, solver="liblinear")
    model.fit(matrix, labels)
    return model


def _best_cut(probabilities: np.ndarray, labels: np.ndarray, ruled: np.ndarray) -> float:
    """The cut that maximises F1 of "a rule fired or the model passed the cut"."""
    best, best_f1 = 0.5, -1.0
    for cut in np.unique(np.round(probabilities, 3)):
        fired = ruled | (probabilities >= cut)
        tp = int((fired & labels).sum())
        f1 = 2 * tp / max(int(fired.sum()) + int(labels.sum()), 1)
        if f1 > best_f1 or (f1 == best_f1 and cut > best):
            best, best_f1 = float(cut), f1
    return best


def _word_weights(features: TextFeatures, weights: np.ndarray) -> dict[str, float]:
    """The positive weights of the word n-gram features, by n-gram."""
    return {g: float(weights[i]) for g, i in features.word_vocabulary().items() if weights[i] > 0}


def train_person_model(examples: Sequence[Example]) -> PersonModel:
    """Train on examples labelled for a person request (True or False)."""
    usable = [e for e in examples if e.human_requested is not None]
    texts = [e.text for e in usable]
    labels = np.asarray([bool(e.human_requested) for e in usable])
    if labels.sum() < _FOLDS or (~labels).sum() < _FOLDS:
        raise ValueError("the person-request model needs positive and negative examples")
    features, matrix = TextFeatures.fit([normalise(t) for t in texts])
    out_of_fold = np.zeros(len(texts))
    folds = StratifiedKFold(n_splits=_FOLDS, shuffle=True, random_state=0)
    for train, held in folds.split(matrix, labels):
        out_of_fold[held] = _fit(matrix[train], labels[train]).predict_proba(matrix[held])[:, 1]
    ruled = np.asarray([rule_match(t) is not None for t in texts])
    barred = np.asarray([not model_may_fire(t) for t in texts])
    out_of_fold[barred] = 0.0
    final = _fit(matrix, labels)
    weights = final.coef_[0]
    return PersonModel(
        features,
        weights,
        float(final.intercept_[0]),
        max(_best_cut(out_of_fold, labels, ruled), MIN_CUT),
        _word_weights(features, weights),
    )
