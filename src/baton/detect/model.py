"""Baton's model of the bot's scope: which intent a message is, and how sure, or out of scope.

Word + character TF-IDF into a linear SVM, trained in seconds. In encoder mode a sentence
encoder's embedding (`baton.detect.encoder`) joins the TF-IDF features of the same SVM. A softmax
temperature, so intent probabilities are calibrated, is fitted on data the SVM did not see (a
held-out fifth of the training file, or a validation file when given).

The scope score and its cut, the lowest score still called in scope, map to an out-of-scope
score of 0.5, which the policy's `detect.scope_threshold` compares against:

- light mode: the margin of the best intent (over the out-of-scope class when trained with one);
  the cut is the highest that costs held-out in-scope accuracy no more than `scope_budget`.
- encoder mode (issue #20): the mean cosine of the text to the `NEIGHBOURS` most similar training
  examples of the predicted intent, plus `CONFIDENCE_WEIGHT` times the intent's probability. Its
  cut is a fixed number, `DEFAULT_SCOPE_CUT`, chosen on CLINC150 train and val (never test) so
  that one cut serves bots of 10 to 100 examples per intent, 40 to 150 intents and 18 % to 60 %
  of traffic out of scope, with no validation split (docs/detect.md). The policy may move it
  (`detect.expected_out_of_scope_share`, `detect.scope_cut`: `cut_for_share`). With a
  validation file the cut is fitted on it instead: the highest that keeps in-scope accuracy at
  `VALIDATION_IN_SCOPE_FLOOR` (or one point under the raw accuracy, when that is lower).
  The nearest training example and its cosine are the prediction's evidence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax, softmax
from sklearn.svm import LinearSVC

from baton.detect.encoder import Encoder
from baton.detect.examples import OUT_OF_SCOPE, Example
from baton.detect.features import TextFeatures

DEFAULT_SCOPE_BUDGET = 0.01
EMBEDDING_SCALE = 2.0
NEIGHBOURS = 3
CONFIDENCE_WEIGHT = 0.2
DEFAULT_SCOPE_CUT = 0.65
VALIDATION_IN_SCOPE_FLOOR = 0.935
# The cut that maximised mean overall accuracy (out of scope as a class) at each expected share,
# on the simulated bots of docs/detect.md ("Out of scope on small bots"); interpolated between.
SHARE_CUTS = (
    (0.05, 0.45),
    (0.1, 0.52),
    (0.2, 0.56),
    (0.3, 0.59),
    (0.4, 0.62),
    (0.5, 0.64),
    (0.6, 0.65),
    (0.7, 0.72),
    (0.8, 0.765),
    (0.9, 0.80),
)
_HOLD_OUT_EVERY = 5
_CHUNK = 256


def cut_for_share(share: float) -> float:
    """The encoder-mode scope cut for a bot whose traffic is this share out of scope."""
    shares, cuts = zip(*SHARE_CUTS, strict=True)
    return float(np.interp(share, shares, cuts))


@dataclass(frozen=True, slots=True)
class IntentPrediction:
    intent: str
    confidence: float
    out_of_scope: float
    ranked: tuple[tuple[str, float], ...]
    nearest: str | None = None
    similarity: float | None = None


@dataclass(frozen=True, slots=True)
class _Scores:
    intent_scores: np.ndarray
    scope: np.ndarray
    nearest: np.ndarray | None = None
    similarity: np.ndarray | None = None


@dataclass(slots=True)
class Embedding:
    """The encoder's part of a trained model: its SVM weights and the training examples'
    embeddings (cached with the model, so a restart does not embed them again)."""

    encoder_name: str
    encoder_version: str
    weights: np.ndarray
    vectors: np.ndarray
    texts: tuple[str, ...]
    labels: np.ndarray

    def support(
        self, embedded: np.ndarray, predicted: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each row's most similar training example and that cosine (the evidence), and the mean
        cosine of its `NEIGHBOURS` most similar examples of the predicted intent (the scope)."""
        index = np.zeros(len(embedded), dtype=np.int64)
        best = np.zeros(len(embedded), dtype=np.float32)
        support = np.zeros(len(embedded), dtype=np.float32)
        for start in range(0, len(embedded), _CHUNK):
            part = slice(start, start + _CHUNK)
            sims = embedded[part] @ self.vectors.T
            rows = np.arange(len(sims))
            index[part] = sims.argmax(axis=1)
            best[part] = sims[rows, index[part]]
            own = np.where(self.labels[None, :] == predicted[part, None], sims, -np.inf)
            k = min(NEIGHBOURS, own.shape[1])
            top = -np.partition(-own, k - 1, axis=1)[:, :k]
            found = np.isfinite(top)
            support[part] = np.where(found, top, 0.0).sum(axis=1) / np.maximum(found.sum(1), 1)
        return index, best, support


class IntentModel:
    """A trained scope/intent model; `predict` costs a few dictionary look-ups and one product
    (plus one encoder pass in encoder mode)."""

    def __init__(
        self,
        features: TextFeatures,
        classes: Sequence[str],
        weights: np.ndarray,
        bias: np.ndarray,
        embedding: Embedding | None = None,
    ) -> None:
        self.features = features
        self.classes = tuple(classes)
        self.intents = tuple(c for c in self.classes if c != OUT_OF_SCOPE)
        self._in = np.asarray([i for i, c in enumerate(self.classes) if c != OUT_OF_SCOPE])
        self._oos = self.classes.index(OUT_OF_SCOPE) if OUT_OF_SCOPE in self.classes else None
        self.weights = np.ascontiguousarray(weights[: features.size], dtype=np.float32)
        self.bias = bias.astype(np.float32)
        self.embedding = embedding
        if embedding is not None:
            embedding.weights = np.ascontiguousarray(
                weights[features.size :] * EMBEDDING_SCALE, dtype=np.float32
            )
        self.encoder: Encoder | None = None
        self.temperature = 1.0
        self.scope_cut = DEFAULT_SCOPE_CUT if embedding is not None else -np.inf
        self.scope_scale = 1.0

    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        state["encoder"] = None
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)

    @property
    def mode(self) -> str:
        """`encoder` when the model was trained with a sentence encoder, else `light`."""
        return "light" if self.embedding is None else "encoder"

    def attach(self, encoder: Encoder) -> None:
        """Give a loaded model its encoder (a live ONNX session is not stored with the model)."""
        if self.embedding is None or encoder.version != self.embedding.encoder_version:
            raise ValueError("this model was not trained with that encoder")
        self.encoder = encoder

    def _embed(self, texts: Sequence[str]) -> np.ndarray | None:
        if self.embedding is None:
            return None
        if self.encoder is None:
            raise RuntimeError("an encoder-mode model needs attach(encoder) before predicting")
        return self.encoder.encode(texts)

    def _split(
        self,
        raw: np.ndarray,
        embedded: np.ndarray | None = None,
        neighbours: Embedding | None = None,
    ) -> _Scores:
        inside = raw[..., self._in]
        neighbours = neighbours or self.embedding
        if neighbours is None or embedded is None:
            top = inside.max(axis=-1)
            scope = top - raw[..., self._oos] if self._oos is not None else top
            return _Scores(inside, scope)
        nearest, similarity, support = neighbours.support(embedded, inside.argmax(axis=-1))
        confidence = softmax(inside * self.temperature, axis=-1).max(axis=-1)
        scope = support + CONFIDENCE_WEIGHT * confidence
        return _Scores(inside, scope, nearest, similarity)

    def raw_scores(self, text: str, embedded: np.ndarray | None = None) -> np.ndarray:
        indices, values = self.features.vector(text)
        scores: np.ndarray = values.astype(np.float32) @ self.weights[indices] + self.bias
        if self.embedding is not None and embedded is not None:
            scores = scores + embedded @ self.embedding.weights
        return scores

    def predict(self, text: str, cut: float | None = None) -> IntentPrediction:
        """The most likely intent, its probability, and the chance the text is out of scope
        (against `cut`, the policy's scope cut, when given; else the model's own)."""
        embedded = None
        if self.embedding is not None:
            if self.encoder is None:
                raise RuntimeError("an encoder-mode model needs attach(encoder) before predicting")
            embedded = self.encoder.encode_one(text)[None, :]
        raw = self.raw_scores(text, None if embedded is None else embedded[0])
        return self._predictions(self._split(raw[None, :], embedded), cut)[0]

    def predict_many(
        self, texts: Sequence[str], cut: float | None = None
    ) -> list[IntentPrediction]:
        """`predict` over many texts at once, for evaluation."""
        embedded = self._embed(texts)
        return self._predictions(self._split(self.batch_scores(texts, embedded), embedded), cut)

    def scope_scores(self, texts: Sequence[str]) -> np.ndarray:
        """The texts' scope scores, on the scale of the cut (under the cut is out of scope)."""
        embedded = self._embed(texts)
        return self._split(self.batch_scores(texts, embedded), embedded).scope

    def batch_scores(self, texts: Sequence[str], embedded: np.ndarray | None = None) -> np.ndarray:
        matrix = self.features.matrix(texts).astype(np.float32)
        scores: np.ndarray = np.asarray(matrix @ self.weights) + self.bias
        if self.embedding is not None and embedded is not None:
            scores = scores + embedded @ self.embedding.weights
        return scores

    def out_of_scope(self, scope: np.ndarray, cut: float | None = None) -> np.ndarray:
        """Map scope scores to [0, 1]; exactly 0.5 at the cut (the fitted one unless given)."""
        cut = self.scope_cut if cut is None else cut
        z = np.clip((cut - scope) / self.scope_scale, -30.0, 30.0)
        result: np.ndarray = 1.0 / (1.0 + np.exp(-z))
        return result

    def _predictions(self, scores: _Scores, cut: float | None = None) -> list[IntentPrediction]:
        out = []
        for i in range(len(scores.scope)):
            probabilities = softmax(scores.intent_scores[i] * self.temperature)
            order = np.argsort(probabilities)[::-1][:5]
            ranked = tuple((self.intents[j], float(probabilities[j])) for j in order)
            nearest = similarity = None
            if self.embedding is not None and scores.nearest is not None:
                nearest = self.embedding.texts[int(scores.nearest[i])]
                similarity = round(float(scores.similarity[i]), 4)  # type: ignore[index]
            out.append(
                IntentPrediction(
                    intent=ranked[0][0],
                    confidence=ranked[0][1],
                    out_of_scope=float(self.out_of_scope(np.asarray(scores.scope[i]), cut)),
                    ranked=ranked,
                    nearest=nearest,
                    similarity=similarity,
                )
            )
        return out

    def calibrate(
        self,
        raw: np.ndarray,
        labels: Sequence[str],
        *,
        embedded: np.ndarray | None = None,
        neighbours: Embedding | None = None,
        scope_budget: float = DEFAULT_SCOPE_BUDGET,
        fit_cut: bool = True,
    ) -> None:
        """Fit the temperature and the scope cut on scores of examples the SVM was not fitted on
        (and, in encoder mode, on their similarity to `neighbours`, the examples it was).

        In encoder mode the cut is fitted only when `fit_cut` (a validation file was given);
        otherwise it stays the fixed `DEFAULT_SCOPE_CUT`, which transfers across bots."""
        labels_arr = np.asarray(labels)
        inside = labels_arr != OUT_OF_SCOPE
        intent_scores = raw[..., self._in]
        self.temperature = _fit_temperature(
            intent_scores[inside], [self.intents.index(x) for x in labels_arr[inside]]
        )
        scores = self._split(raw, embedded, neighbours)
        predicted = np.asarray(self.intents)[scores.intent_scores.argmax(axis=1)]
        correct = (predicted == labels_arr)[inside]
        scope_in = scores.scope[inside]
        encoder_mode = scores.nearest is not None
        if not encoder_mode:
            self.scope_cut = _fit_cut(scope_in, correct, scope_budget)
        elif fit_cut:
            self.scope_cut = _fit_floor_cut(scope_in, correct, scope_budget)
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


def _fit_floor_cut(scope: np.ndarray, correct: np.ndarray, budget: float) -> float:
    """The highest cut that keeps in-scope accuracy at `VALIDATION_IN_SCOPE_FLOOR`, or `budget`
    under the raw accuracy when that is already below the floor (so out-of-scope recall is as
    high as that accuracy allows)."""
    if len(scope) == 0:
        return DEFAULT_SCOPE_CUT
    accuracy = float(correct.mean())
    floor = min(VALIDATION_IN_SCOPE_FLOOR, accuracy - budget)
    return _fit_cut(scope, correct, accuracy - floor)


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


def _embedding(
    encoder: Encoder, vectors: np.ndarray, texts: Sequence[str], labels: Sequence[str]
) -> Embedding:
    """The in-scope training examples as neighbours, each with its intent's index among the
    sorted intents (the model's order); SVM weights are filled in by the model."""
    rows = [i for i, label in enumerate(labels) if label != OUT_OF_SCOPE]
    intents = {name: n for n, name in enumerate(sorted({labels[i] for i in rows}))}
    return Embedding(
        encoder_name=encoder.name,
        encoder_version=encoder.version,
        weights=np.zeros((0, 0), dtype=np.float32),
        vectors=np.ascontiguousarray(vectors[rows], dtype=np.float32),
        texts=tuple(texts[i] for i in rows),
        labels=np.asarray([intents[labels[i]] for i in rows], dtype=np.int32),
    )


def train_intent_model(
    examples: Sequence[Example],
    *,
    validation: Sequence[Example] = (),
    scope_budget: float = DEFAULT_SCOPE_BUDGET,
    encoder: Encoder | None = None,
    cache_dir: Path | None = None,
) -> IntentModel:
    """Train on labelled examples; calibrate on `validation` if given, else on a held-out fifth.

    With an encoder, its embeddings (kept under `cache_dir`) join the TF-IDF features."""
    usable = [e for e in examples if e.label is not None]
    texts = [e.text for e in usable]
    labels = [str(e.label) for e in usable]
    if len({x for x in labels if x != OUT_OF_SCOPE}) < 2:
        raise ValueError("the scope model needs at least two intents with examples")
    features, matrix = TextFeatures.fit(texts)
    vectors = encoder.encode_cached(texts, cache_dir) if encoder is not None else None
    if vectors is not None:
        matrix = sparse.hstack([matrix, sparse.csr_matrix(vectors * EMBEDDING_SCALE)]).tocsr()
    svm = _fit_svm(matrix, labels)
    embedding = (
        _embedding(encoder, vectors, texts, labels)
        if encoder is not None and vectors is not None
        else None
    )
    model = IntentModel(
        features, [str(c) for c in svm.classes_], svm.coef_.T, svm.intercept_, embedding
    )
    if encoder is not None:
        model.attach(encoder)
    checked = [e for e in validation if e.label in model.classes]
    if checked:
        held_texts = [e.text for e in checked]
        embedded = encoder.encode_cached(held_texts, cache_dir) if encoder is not None else None
        raw = model.batch_scores(held_texts, embedded)
        model.calibrate(
            raw, [str(e.label) for e in checked], embedded=embedded, scope_budget=scope_budget
        )
        return model
    _calibrate_on_hold_out(model, matrix, labels, vectors, texts, scope_budget)
    return model


def _calibrate_on_hold_out(
    model: IntentModel,
    matrix: sparse.csr_matrix,
    labels: Sequence[str],
    vectors: np.ndarray | None,
    texts: Sequence[str],
    scope_budget: float,
) -> None:
    """Refit on four fifths and calibrate the model on the fifth that refit did not see."""
    held = _hold_out(labels)
    train_rows = [int(i) for i in np.flatnonzero(~held)]
    held_rows = [int(i) for i in np.flatnonzero(held)]
    partial = _fit_svm(matrix[train_rows], [labels[i] for i in train_rows])
    raw = np.asarray(matrix[held_rows] @ partial.coef_.T) + partial.intercept_
    order = [list(partial.classes_).index(c) for c in model.classes]
    neighbours = embedded = None
    if vectors is not None and model.encoder is not None:
        neighbours = _embedding(
            model.encoder,
            vectors[train_rows],
            [texts[i] for i in train_rows],
            [labels[i] for i in train_rows],
        )
        embedded = vectors[held_rows]
    model.calibrate(
        raw[:, order],
        [labels[i] for i in held_rows],
        embedded=embedded,
        neighbours=neighbours,
        scope_budget=scope_budget,
        fit_cut=False,
    )
