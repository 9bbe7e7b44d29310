from __future__ import annotations

import pytest

from baton.detect.signals.urgency import RISK_SCORE, TIME_SCORE, level, urgency
from baton.domain import Urgency


@pytest.mark.parametrize(
    "text",
    [
        "I think my account was hacked",
        "there's a fraudulent payment on my card",
        "my card was stolen",
        "your app is down",
        "someone is using my card",
    ],
)
def test_risk_fires(text: str) -> None:
    assert urgency(text).score == RISK_SCORE


def test_risk_with_time_pressure_is_strongest() -> None:
    signal = urgency("my card was stolen, block it right now")
    assert signal.score > RISK_SCORE
    assert "right now" in signal.evidence


@pytest.mark.parametrize(
    "text", ["I need this sorted today", "it's urgent", "deadline is by friday"]
)
def test_time_pressure_alone_raises_urgency_but_does_not_fire(text: str) -> None:
    signal = urgency(text)
    assert signal.score == TIME_SCORE
    assert level(signal.score) is Urgency.HIGH


def test_calm_message_is_normal() -> None:
    assert urgency("how do I order a new card?").score == 0.0
    assert level(0.0) is Urgency.NORMAL
