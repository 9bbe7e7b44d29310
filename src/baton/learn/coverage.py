"""Coverage suggestions: clusters of handoffs a person did not need to take, with their phrases.

Candidates are handoffs the agents labelled unnecessary or closed with a knowledge-base answer.
Their customers' words are clustered (character n-gram TF-IDF, so "delivery" and "delivered"
meet; k-means with k chosen by silhouette, no cluster smaller than two), and each cluster's top
word phrases say what the bot could learn to answer on its own.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import BaseModel
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.metrics import silhouette_score

MAX_CLUSTERS = 8
MAX_CANDIDATES = 2000
# Words of asking for a person say why the case escalated, not what it was about.
ESCALATION_WORDS = frozenset(
    {"talk", "speak", "person", "human", "agent", "someone", "real", "representative", "let",
     "want", "need", "help", "hi", "hello", "thanks", "thank", "pls", "quick", "question",
     "does", "did", "long", "just"}
)  # fmt: skip
STOP_WORDS = sorted(ENGLISH_STOP_WORDS | ESCALATION_WORDS)
NEAR_BEST = 0.02


@dataclass(frozen=True, slots=True)
class Candidate:
    handoff_id: str
    text: str
    queue: str
    reason: str
    unnecessary: bool
    kb_answer: bool


class CoverageCluster(BaseModel):
    size: int
    top_phrases: list[str]
    examples: list[str]
    unnecessary: int
    kb_answers: int
    queues: dict[str, int]
    reasons: dict[str, int]
    handoff_ids: list[str]


def _choose_k(matrix: Any, n: int, min_size: int) -> np.ndarray:
    """Labels for the k with the best silhouette (fewer clusters on a near tie); one cluster
    when no split leaves every cluster at least `min_size` strong."""
    scored: list[tuple[float, int, np.ndarray]] = []
    for k in range(2, min(MAX_CLUSTERS, n // min_size) + 1):
        labels = KMeans(n_clusters=k, n_init=10, random_state=0).fit_predict(matrix)
        sizes = np.bincount(labels, minlength=k)
        if len(set(labels)) < 2 or sizes.min() < min_size:
            continue
        scored.append((float(silhouette_score(matrix, labels, metric="cosine")), k, labels))
    if not scored:
        return np.zeros(n, dtype=int)
    best = max(score for score, _, _ in scored)
    return min((s for s in scored if s[0] >= best - NEAR_BEST), key=lambda s: s[1])[2]


def _phrases(weights: np.ndarray, terms: np.ndarray, limit: int = 5) -> list[str]:
    chosen: list[str] = []
    for index in np.argsort(weights)[::-1]:
        if weights[index] <= 0 or len(chosen) == limit:
            break
        term = str(terms[index])
        if any(term in other for other in chosen):
            continue
        chosen = [c for c in chosen if c not in term] + [term]
    return chosen


def cluster(candidates: Sequence[Candidate], min_size: int = 2) -> list[CoverageCluster]:
    """Group the candidates by what the customers asked; biggest clusters first."""
    items = list(candidates)[:MAX_CANDIDATES]
    if len(items) < min_size:
        return []
    texts = [c.text.lower() for c in items]
    shape = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
    words = TfidfVectorizer(stop_words=STOP_WORDS, ngram_range=(1, 2), sublinear_tf=True)
    try:
        matrix = shape.fit_transform(texts)
        phrases = words.fit_transform(texts)
    except ValueError:  # nothing but stop words
        return []
    terms = words.get_feature_names_out()
    labels = _choose_k(matrix, len(items), min_size)
    clusters = []
    for label in sorted(set(int(x) for x in labels)):
        members = [i for i, x in enumerate(labels) if int(x) == label]
        if len(members) < min_size:
            continue
        rows = matrix[members]
        closeness = np.asarray(rows @ np.asarray(rows.mean(axis=0)).ravel()).ravel()
        nearest = [members[i] for i in np.argsort(closeness)[::-1]]
        group = [items[i] for i in members]
        clusters.append(
            CoverageCluster(
                size=len(members),
                top_phrases=_phrases(np.asarray(phrases[members].mean(axis=0)).ravel(), terms),
                examples=list(dict.fromkeys(items[i].text for i in nearest))[:3],
                unnecessary=sum(c.unnecessary for c in group),
                kb_answers=sum(c.kb_answer for c in group),
                queues=dict(Counter(c.queue for c in group).most_common()),
                reasons=dict(Counter(c.reason for c in group).most_common()),
                handoff_ids=[c.handoff_id for c in group],
            )
        )
    return sorted(clusters, key=lambda c: (-c.size, c.top_phrases))
