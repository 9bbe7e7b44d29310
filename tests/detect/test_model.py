from __future__ import annotations

import numpy as np
import pytest

from baton.detect.examples import OUT_OF_SCOPE, Example
from baton.detect.features import TextFeatures, char_ngrams, word_ngrams
from baton.detect.model import DEFAULT_SCOPE_BUDGET, _fit_cut, train_intent_model


def test_word_ngrams_keep_one_letter_words_questions_and_trigrams() -> None:
    grams = word_ngrams("Can I get a refund?")
    assert "i" in grams
    assert "?" in grams
    assert "can i get" in grams
    assert "get a refund" in grams


def test_char_ngrams_are_two_to_four_letters_inside_padded_words() -> None:
    grams = char_ngrams("card")
    assert " c" in grams
    assert "car" in grams
    assert " car" in grams
    assert "card" in grams
    assert all(2 <= len(g) <= 4 for g in grams)


def test_one_text_and_the_batch_matrix_give_the_same_vector() -> None:
    texts = ["my card is lost", "can I get a refund?", "what is the weather"]
    features, matrix = TextFeatures.fit(texts)
    indices, values = features.vector(texts[1])
    row = np.zeros(features.size)
    row[indices] = values
    assert np.allclose(matrix[1].toarray()[0], row)


def test_the_scope_cut_costs_at_most_the_budget_of_in_scope_accuracy() -> None:
    rng = np.random.default_rng(0)
    scope = rng.normal(size=1000)
    correct = rng.random(1000) < 0.9
    cut = _fit_cut(scope, correct, DEFAULT_SCOPE_BUDGET)
    lost = (correct & (scope < cut)).sum() / len(scope)
    assert 0 < lost <= DEFAULT_SCOPE_BUDGET


def test_a_trained_model_names_intents_and_flags_out_of_scope() -> None:
    rows = {
        "card_lost": [
            "I lost my card",
            "my card is gone",
            "can't find my card",
            "card missing",
            "where is my card",
            "I have lost my bank card",
        ],
        "refund": [
            "I want a refund",
            "give me my money back",
            "refund please",
            "refund my order",
            "can I get a refund?",
            "I'd like my money refunded",
        ],
        OUT_OF_SCOPE: [
            "what is the weather",
            "tell me a joke",
            "who won the game",
            "sing a song",
            "what time is it in Tokyo",
            "recommend a film",
        ],
    }
    examples = [
        Example(text=text, intent=label, out_of_scope=False)
        if label != OUT_OF_SCOPE
        else Example(text=text, out_of_scope=True)
        for label, texts in rows.items()
        for text in texts
    ]
    model = train_intent_model(examples)
    assert model.intents == ("card_lost", "refund")
    assert model.predict("I lost my card yesterday").intent == "card_lost"
    assert model.predict("refund my money please").intent == "refund"
    assert (
        model.predict("tell me a joke about the weather").out_of_scope
        > model.predict("I lost my card").out_of_scope
    )


def test_the_scope_support_is_the_mean_of_the_nearest_examples_of_the_predicted_intent() -> None:
    from baton.detect.model import Embedding

    vectors = np.eye(4, dtype=np.float32)
    embedding = Embedding(
        encoder_name="e",
        encoder_version="v",
        weights=np.zeros((0, 0), dtype=np.float32),
        vectors=vectors,
        texts=("a0", "a1", "a2", "b0"),
        labels=np.asarray([0, 0, 0, 1], dtype=np.int32),
    )
    text = np.asarray([[0.9, 0.3, 0.0, 0.6]], dtype=np.float32)
    nearest, similarity, support = embedding.support(text, np.asarray([0]))
    assert nearest[0] == 0 and similarity[0] == pytest.approx(0.9)
    assert support[0] == pytest.approx((0.9 + 0.3 + 0.0) / 3)
    _, _, other = embedding.support(text, np.asarray([1]))
    assert other[0] == pytest.approx(0.6)  # an intent with one example: its one cosine


def test_with_validation_the_encoder_cut_keeps_in_scope_accuracy_at_the_floor() -> None:
    from baton.detect.model import VALIDATION_IN_SCOPE_FLOOR, _fit_floor_cut

    rng = np.random.default_rng(1)
    scope = rng.normal(size=2000)
    correct = rng.random(2000) < 0.97
    cut = _fit_floor_cut(scope, correct, DEFAULT_SCOPE_BUDGET)
    kept = (correct & (scope >= cut)).mean()
    assert VALIDATION_IN_SCOPE_FLOOR <= kept < VALIDATION_IN_SCOPE_FLOOR + 0.002
    weak = rng.random(2000) < 0.9  # raw accuracy under the floor: spend only the budget
    weak_cut = _fit_floor_cut(scope, weak, DEFAULT_SCOPE_BUDGET)
    raw = weak.mean()
    assert raw - DEFAULT_SCOPE_BUDGET - 1e-9 <= (weak & (scope >= weak_cut)).mean() < raw


def test_the_cut_rises_with_the_expected_share_out_of_scope() -> None:
    from baton.detect.model import DEFAULT_SCOPE_CUT, cut_for_share

    cuts = [cut_for_share(s) for s in (0.01, 0.18, 0.4, 0.6, 0.75, 0.99)]
    assert cuts == sorted(cuts)
    assert cut_for_share(0.6) == pytest.approx(DEFAULT_SCOPE_CUT)
    assert cut_for_share(0.55) == pytest.approx((0.64 + 0.65) / 2)
