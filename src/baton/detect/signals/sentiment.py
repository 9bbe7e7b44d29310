"""Sentiment: the level of the last user turn and its trend over the recent ones (VADER).

Frustration phrases and profanity that VADER underweights push the level down.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from baton.detect.signals.base import NONE, Signal
from baton.domain import Sentiment

_FRUSTRATION = re.compile(
    r"\b(?:frustrat\w*|ridiculous|unacceptable|useless|pathetic|waste of (?:my )?time|"
    r"fed up|sick of|tired of|fuming|furious|outrageous|joke|disgrace\w*|terrible service|"
    r"worst|never again|how many times|still (?:not|no|nothing|waiting))\b",
    re.IGNORECASE,
)
_PROFANITY = re.compile(
    r"\b(?:f+u+c+k+\w*|sh[i1]t+\w*|damn\w*|crap\w*|bullshit|wtf|hell|bastard\w*|"
    r"arse\w*|ass(?:hole)?s?|piss\w*|bloody|fudge off|screw (?:you|this))\b",
    re.IGNORECASE,
)


@lru_cache(maxsize=1)
def _analyzer() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


def compound(text: str) -> tuple[float, str]:
    """VADER's compound score, lowered by frustration and profanity; and what lowered it."""
    score = float(_analyzer().polarity_scores(text)["compound"])
    found = [m.group(0).lower() for m in (_FRUSTRATION.search(text), _PROFANITY.search(text)) if m]
    if found:
        score = min(score, 0.0) - 0.25 * len(found)
    return max(-1.0, min(1.0, score)), ", ".join(found)


def trend(levels: Sequence[float]) -> float:
    """Least-squares slope of the levels, per user turn; 0 with fewer than two."""
    n = len(levels)
    if n < 2:
        return 0.0
    mean_x = (n - 1) / 2
    mean_y = sum(levels) / n
    num = sum((i - mean_x) * (y - mean_y) for i, y in enumerate(levels))
    den = sum((i - mean_x) ** 2 for i in range(n))
    return num / den


def label(level: float) -> str:
    if level <= -0.5:
        return "angry" if level <= -0.75 else "negative"
    if level < -0.05:
        return "slightly negative"
    return "positive" if level >= 0.05 else "neutral"


def sentiment(levels: Sequence[float]) -> Sentiment:
    """The Decision's sentiment from the recent levels, oldest first."""
    level = levels[-1] if levels else 0.0
    return Sentiment(level=level, trend=round(trend(levels), 4), label=label(level))


def negative_sentiment(levels: Sequence[float], floor: float, words: str = "") -> Signal:
    """Fires at the floor, or on a falling trend that ends below zero; stronger further down."""
    if not levels:
        return NONE
    level = levels[-1]
    slope = trend(levels)
    span = max(1.0 + floor, 1e-6)
    by_level = 0.5 + 0.5 * (floor - level) / span if level <= floor else 0.5 * level / floor
    by_trend = 0.5 + min(0.5, -slope / 2) if slope <= -0.4 and level < 0 else 0.0
    score = max(0.0, min(1.0, max(by_level, by_trend)))
    if score <= 0.0:
        return NONE
    detail = f"sentiment {level:.2f}, trend {slope:+.2f}/turn"
    return Signal(round(score, 4), f"{detail} ({words})" if words else detail)
