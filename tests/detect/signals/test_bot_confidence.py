from __future__ import annotations

from baton.detect.signals.bot_confidence import bot_confidence
from baton.domain import BotSignal


def test_fallback_fires_fully() -> None:
    assert bot_confidence(BotSignal(fallback=True), 0.4).score == 1.0


def test_confidence_under_the_floor_fires_with_the_numbers() -> None:
    signal = bot_confidence(BotSignal(confidence=0.1), 0.4)
    assert signal.score >= 0.5
    assert signal.evidence == "bot confidence 0.10 < 0.40"


def test_confident_bot_or_no_block_does_not_fire() -> None:
    assert bot_confidence(BotSignal(confidence=0.9), 0.4).score == 0.0
    assert bot_confidence(None, 0.4).score == 0.0
