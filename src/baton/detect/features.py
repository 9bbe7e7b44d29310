"""Word and character n-gram TF-IDF: fitted with scikit-learn, applied to one text without it.

scikit-learn's vectorizers cost about a millisecond per call on a single message; the detector
has that long for the whole turn. So the vocabulary and IDF weights are fitted once with
`TfidfVectorizer` (given our own analyzers, so training and inference cut text identically)
and a turn is turned into a sparse vector with a few dictionary look-ups.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

_WORD = re.compile(r"(?u)\b\w+\b|[?!]")
_SPACE = re.compile(r"\s+")
CHAR_NGRAMS = (2, 4)


def word_ngrams(text: str) -> list[str]:
    """Lower-cased word 1- to 3-grams; one-letter words ("i", "a") and "?" / "!" are kept, since
    "can i" and a question mark say something about intent and scope."""
    words = _WORD.findall(text.lower())
    grams = list(words)
    grams.extend(f"{a} {b}" for a, b in itertools.pairwise(words))
    grams.extend(f"{a} {b} {c}" for a, b, c in zip(words, words[1:], words[2:], strict=False))
    return grams


def char_ngrams(text: str) -> list[str]:
    """Character 2- to 4-grams inside word boundaries, the words padded with a space."""
    low, high = CHAR_NGRAMS
    grams: list[str] = []
    for word in _SPACE.sub(" ", text.lower()).split():
        padded = f" {word} "
        size = len(padded)
        for n in range(low, min(high, size) + 1):
            grams.extend(padded[i : i + n] for i in range(size - n + 1))
    return grams


@dataclass(frozen=True, slots=True)
class _Block:
    vocabulary: dict[str, int]
    idf: np.ndarray
    offset: int

    def add(self, grams: list[str], indices: list[int], values: list[float]) -> None:
        counts = Counter(g for g in grams if g in self.vocabulary)
        if not counts:
            return
        block = [(self.vocabulary[g], (1.0 + math.log(c))) for g, c in counts.items()]
        weights = [tf * float(self.idf[i]) for i, tf in block]
        norm = math.sqrt(sum(w * w for w in weights))
        indices.extend(self.offset + i for i, _ in block)
        values.extend(w / norm for w in weights)


class TextFeatures:
    """A fitted word + character TF-IDF space; `vector` maps one text into it."""

    def __init__(self, word: _Block, char: _Block) -> None:
        self._word = word
        self._char = char
        self.size = char.offset + len(char.vocabulary)

    @classmethod
    def fit(cls, texts: Sequence[str]) -> tuple[TextFeatures, sparse.csr_matrix]:
        """Fit the vocabularies and IDF on training texts; return the space and their matrix."""
        blocks: list[_Block] = []
        offset = 0
        for analyzer in (word_ngrams, char_ngrams):
            vectorizer = TfidfVectorizer(analyzer=analyzer, sublinear_tf=True)
            vectorizer.fit(texts)
            vocabulary = {str(k): int(v) for k, v in vectorizer.vocabulary_.items()}
            blocks.append(_Block(vocabulary, vectorizer.idf_.astype(np.float64), offset))
            offset += len(vocabulary)
        features = cls(blocks[0], blocks[1])
        return features, features.matrix(texts)

    def vector(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The TF-IDF vector of one text, as (feature indices, values)."""
        indices: list[int] = []
        values: list[float] = []
        self._word.add(word_ngrams(text), indices, values)
        self._char.add(char_ngrams(text), indices, values)
        return np.asarray(indices, dtype=np.int64), np.asarray(values, dtype=np.float64)

    def word_vocabulary(self) -> dict[str, int]:
        """Word n-gram -> its feature index (to name the words behind a score)."""
        return {gram: self._word.offset + i for gram, i in self._word.vocabulary.items()}

    def matrix(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """Many texts at once, as a sparse matrix (for training and batch evaluation)."""
        rows = [self.vector(text) for text in texts]
        indptr = np.cumsum([0, *(len(i) for i, _ in rows)])
        indices = np.concatenate([i for i, _ in rows]) if rows else np.zeros(0, np.int64)
        data = np.concatenate([v for _, v in rows]) if rows else np.zeros(0)
        return sparse.csr_matrix((data, indices, indptr), shape=(len(texts), self.size))
