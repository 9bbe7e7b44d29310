"""Urgency: risk (fraud, a breach, an outage) and time pressure ("right now", a deadline)."""

from __future__ import annotations

import re

from baton.detect.signals.base import NONE, Signal
from baton.domain import Urgency

_RISK = re.compile(
    r"\b(?:fraud\w*|scam(?:med|mer)?s?|stolen|theft|hack(?:ed|er|ers)?|breach(?:ed)?|"
    r"compromised|unauthori[sz]ed|identity theft|phishing|someone (?:is )?using my|"
    r"(?:site|app|service|system|website|platform|server)s? (?:is |are )?(?:down|offline|"
    r"not loading)|outage|not working for anyone|data leak|leaked)\b",
    re.IGNORECASE,
)
_TIME = re.compile(
    r"\b(?:urgent(?:ly)?|emergency|asap|right now|immediately|straight away|at once|"
    r"as soon as possible|today|tonight|by tomorrow|by (?:mon|tues|wednes|thurs|fri|satur|sun)day|"
    r"deadline|within (?:the )?(?:hour|\d+ (?:minutes|hours))|time.sensitive|can'?t wait)\b",
    re.IGNORECASE,
)

RISK_SCORE = 0.8
TIME_SCORE = 0.35


def urgency(text: str) -> Signal:
    """Risk fires the `urgent` reason; time pressure alone only raises the Decision's urgency."""
    risk = _RISK.search(text)
    rush = _TIME.search(text)
    if risk and rush:
        return Signal(0.95, f"risk {risk.group(0)!r} and time pressure {rush.group(0)!r}")
    if risk:
        return Signal(RISK_SCORE, f"risk: {risk.group(0)!r}")
    if rush:
        return Signal(TIME_SCORE, f"time pressure: {rush.group(0)!r}")
    return NONE


def level(score: float) -> Urgency:
    """The Decision's urgency before any reason fires: time pressure or risk raise it to high."""
    return Urgency.HIGH if score > 0.0 else Urgency.NORMAL
