from __future__ import annotations

import pytest

from baton.detect.signals.sentiment import compound, label, negative_sentiment, sentiment, trend


def test_angry_message_is_strongly_negative_and_names_its_words() -> None:
    level, words = compound("This is ridiculous, what the hell is going on with my money")
    assert level <= -0.7
    assert "ridiculous" in words
    assert label(level) in {"negative", "angry"}


def test_thanks_is_positive() -> None:
    level, words = compound("Thanks, that was really helpful!")
    assert level > 0.5
    assert words == ""


def test_trend_is_the_slope_per_turn() -> None:
    assert trend([0.5, 0.0, -0.5]) == pytest.approx(-0.5)
    assert trend([0.2]) == 0.0


def test_level_below_the_floor_fires() -> None:
    signal = negative_sentiment([-0.8], floor=-0.5)
    assert signal.score >= 0.5
    assert "sentiment -0.80" in signal.evidence


def test_mild_level_does_not_fire() -> None:
    assert negative_sentiment([-0.2], floor=-0.5).score < 0.5


def test_falling_trend_fires_before_the_floor() -> None:
    signal = negative_sentiment([0.6, 0.1, -0.3], floor=-0.5)
    assert signal.score >= 0.5
    assert "trend -0.45" in signal.evidence


def test_sentiment_reports_level_trend_and_label() -> None:
    s = sentiment([0.4, -0.6])
    assert (s.level, s.trend, s.label) == (-0.6, -1.0, "negative")
