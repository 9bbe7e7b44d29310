"""Repeated failure: fallbacks and low confidence in a row, rephrasing, and corrections."""

from __future__ import annotations

import re

from baton.detect.signals.base import NONE, Signal

_CORRECTION = re.compile(
    r"^\W*(?:no+|nope|wrong|incorrect)\b[\s,.!]*(?:that'?s not|not what|i (?:said|meant|asked)|"
    r"i didn'?t|you)|\b(?:that'?s|that is|this is) not what i (?:asked|said|meant|wanted)\b|"
    r"\bi (?:already|just) (?:said|told you|asked|explained)\b|\byou(?:'re| are) not "
    r"(?:listening|understanding)\b|\b(?:not|didn'?t) (?:answer|understand) my question\b|"
    r"\bas i said\b|\bread my (?:message|question)\b|\bthat doesn'?t (?:help|answer)\b",
    re.IGNORECASE,
)
_TOKEN = re.compile(r"[a-z0-9]+")
REPHRASE_SIMILARITY = 0.5


def correction(text: str) -> str | None:
    """The words with which the customer corrects the bot, if any."""
    match = _CORRECTION.search(text)
    return match.group(0).strip() if match else None


def similarity(a: str, b: str) -> float:
    """Overlap of the two messages' words and character trigrams; 1 for the same words."""
    wa, wb = set(_TOKEN.findall(a.lower())), set(_TOKEN.findall(b.lower()))
    if not wa or not wb:
        return 0.0
    words = len(wa & wb) / len(wa | wb)
    if min(len(wa), len(wb)) >= 3:
        words = max(words, 0.8 * len(wa & wb) / min(len(wa), len(wb)))
    ta = {a.lower()[i : i + 3] for i in range(max(len(a) - 2, 0))}
    tb = {b.lower()[i : i + 3] for i in range(max(len(b) - 2, 0))}
    grams = len(ta & tb) / len(ta | tb) if ta and tb else 0.0
    return max(words, grams)


def rephrased(text: str, previous: str) -> bool:
    """A customer saying nearly the same thing again means the bot did not get it."""
    return bool(previous) and similarity(text, previous) >= REPHRASE_SIMILARITY


def repeated_failure(streak: int, needed: int, why: str) -> Signal:
    """Fires once `streak` failed turns in a row reach the policy's `failure_streak`."""
    if streak <= 0:
        return NONE
    score = (
        0.5 + 0.5 * min(1.0, (streak - needed) / max(needed, 1))
        if streak >= needed
        else (0.4 * streak / needed)
    )
    return Signal(round(score, 4), f"{streak} failed turn(s) in a row: {why}")
