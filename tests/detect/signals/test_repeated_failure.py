from __future__ import annotations

import pytest

from baton.detect.signals.repeated_failure import (
    correction,
    repeated_failure,
    rephrased,
    similarity,
)


@pytest.mark.parametrize(
    "text",
    [
        "No, that's not what I asked",
        "that is not what I meant",
        "I already told you, the card never arrived",
        "you're not listening",
        "nope, you didn't answer my question",
    ],
)
def test_corrections_are_found(text: str) -> None:
    assert correction(text) is not None


@pytest.mark.parametrize("text", ["no thanks", "Not yet, I'll check later", "no problem"])
def test_plain_no_is_not_a_correction(text: str) -> None:
    assert correction(text) is None


def test_rephrasing_is_similar_and_new_topics_are_not() -> None:
    assert rephrased("where is my new card?", "where's my new card??")
    assert rephrased("my card has not arrived yet", "my new card has still not arrived")
    assert not rephrased("how do I top up?", "where is my new card?")
    assert similarity("", "anything") == 0.0


def test_streak_fires_at_the_policy_length() -> None:
    assert repeated_failure(1, 2, "bot fallback").score < 0.5
    fired = repeated_failure(2, 2, "bot fallback; rephrased")
    assert fired.score >= 0.5
    assert "2 failed turn(s) in a row" in fired.evidence
    assert repeated_failure(0, 2, "").score == 0.0
