"""Does the customer ask for a person? Phrasings, typos, and negation ("I don't need an agent")."""

from __future__ import annotations

import re

from baton.detect.signals.base import NONE, Signal

_PERSON = (
    r"(?:a\s+|an\s+|the\s+|some\s+|your\s+)?(?:real\s+|live\s+|actual\s+)?"
    r"(?:human|humam|huamn|person|persn|agent|agnet|representative|rep|operator|someone|somebody|"
    r"staff|manager|supervisor|advisor|adviser|people)(?:\s+being)?"
)
_ASK = re.compile(
    r"\b(?:talk|speak|chat|connect|transfer|put)\w*\s+(?:me\s+)?(?:to|with|through to)\s+"
    + _PERSON
    + r"|\b(?:get|give|want|need|let me have|find)\s+(?:me\s+)?"
    + _PERSON
    + r"|\b(?:human|real person|live agent|customer service|representative|operator)"
    + r"\s*(?:please|pls|now|!)"
    + r"|^\s*(?:human|agent|representative|operator|person|live agent)\s*[.!?]*\s*$"
    + r"|\bcall me\b|\bphone me\b|\bcall (?:me )?back\b"
    + r"|\b(?:bot|robot|machine)\s+(?:is\s+)?(?:useless|stupid|not helping|no help)",
    re.IGNORECASE,
)
_NEGATED = re.compile(
    r"\b(?:don'?t|do not|no need|not|never|without)\s+(?:\w+\s+){0,3}?(?:need|want|talk|speak|"
    r"to\s+(?:talk|speak)|a\s+human|an\s+agent|a\s+person)",
    re.IGNORECASE,
)


def human_request(text: str) -> Signal:
    """Score an explicit request for a person in one user message."""
    match = _ASK.search(text)
    if match is None:
        return NONE
    before = text[: match.start() + 1]
    window = before[-40:] + match.group(0)
    if _NEGATED.search(window):
        return NONE
    return Signal(1.0, match.group(0).strip())
