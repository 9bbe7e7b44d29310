"""Does the customer ask for a person? Any phrasing, typos, and negation ("I don't need an agent").

Rules (`person_rules`) find the families of phrasing and give the evidence; a small learned model
(`baton.detect.person_model`) catches the rest. Misspelt key words are put right first
(`lexicon`). A negation in the same clause as the request ("I don't need to talk to a human")
cancels both; a message about a call, a number or a language ("my call keeps dropping") is not a
contact-channel request, nor a model hit.
"""

from __future__ import annotations

import re
from functools import lru_cache

from baton.detect.signals.base import NONE, Signal
from baton.detect.signals.lexicon import correct_text
from baton.detect.signals.person_rules import ABOUT_A_CALL, FRUSTRATION, RULES, keywords_only

_SHORT = {
    "hooman": "human",
    "agen": "agent",
    "agnt": "agent",
    "ppl": "people",
    "spek": "speak",
    "tak": "talk",
    "cal": "call",
    "wanna": "want to",
    "gimme": "give me",
    "pls": "please",
    "plz": "please",
    "u": "you",
    "r": "are",
    "ur": "your",
}
_SHORT_RE = re.compile(r"\b(" + "|".join(re.escape(k) for k in _SHORT) + r")(?=\W|$)", re.I)
_SPACES = re.compile(r"\s+")
_CHANNEL_RULES = frozenset({"contact a person", "a contact channel"})

_CLAUSE = re.compile(r"[.!?;]|\bbut\b|\bhowever\b|\binstead\b|\band\b", re.IGNORECASE)
_NEGATION = re.compile(
    r"\b(?:don'?t|do not|dont|doesn'?t|does not|no need|not|never|without|no longer|"
    r"won'?t|will not|shouldn'?t|needn'?t)\b(?:\s+\w+){0,3}?\s*$|"
    r"\b(?:don'?t|do not|dont|no need|not|never|without|no longer)\s+(?:\w+\s+){0,3}?"
    r"(?:need|want|have|wish|require|like)\b(?:\s+\w+){0,3}\s*$|"
    r"\b(?:do|does|would|will|must|should)\s+(?:i|we|you)\s+(?:have|need)\s+to\s*$|"
    r"\b(?:am i|are you|is this|is that|is it|was i|were you)\b(?:\s+\w+){0,3}\s*$",
    re.IGNORECASE,
)
_CUE = re.compile(
    r"\b(?:talk|speak|chat|call|phone|ring|reach|contact|transfer|connect|put|pass|escalate|"
    r"(?:human|person|agent|rep|representative|operator|manager|supervisor|colleague|advis[eo]r|"
    r"employee|worker|consultant|executive|specialist|expert|bot|machine|robot)s?|people|"
    r"some(?:one|body)|any(?:one|body)|staff|team|concierge|housekeeping|reception|desk|"
    r"department|service|support|helpline|hotline|number|e-?mail|automated|real|live|"
    r"useless)\b",
    re.IGNORECASE,
)
_TOPIC = re.compile(r"\b(?:talk|speak|chat)(?:ing)?\s+about\b", re.IGNORECASE)
_TO_WHOM = re.compile(
    r"\b(?:talk|speak|chat)(?:ing)?\s+(?:directly\s+)?(?:to|with)\b", re.IGNORECASE
)


@lru_cache(maxsize=4096)
def normalise(text: str) -> str:
    """Put misspelt key words right and spell out chat shorthand ("pls", "u", "wanna")."""
    spaced = _SPACES.sub(" ", text)
    return correct_text(_SHORT_RE.sub(lambda m: _SHORT[m.group(1).lower()], spaced))


def about_a_call(text: str) -> bool:
    """Whether the message is about a call, a number or a language rather than asking for one."""
    return bool(ABOUT_A_CALL.search(normalise(text)))


def model_may_fire(text: str) -> bool:
    """Whether the learned model may call this a request: it names a person, a contact or the bot
    ("please bring me a sandwich" does not), is not negated, is not only talk *about* a topic
    ("I'd like to talk about my loan"), and is not about a call, a number or a language."""
    fixed = normalise(text)
    cues = [m.start() for m in _CUE.finditer(fixed)]
    if not cues or all(negated(fixed, at) for at in cues):
        return False
    if any_negated_request(text) or about_a_call(text):
        return False
    return not (_TOPIC.search(fixed) and not _TO_WHOM.search(fixed))


def negated(text: str, start: int) -> bool:
    """Whether a negation governs the request that starts at `start` (same clause, just before)."""
    clause_start = 0
    for match in _CLAUSE.finditer(text, 0, start):
        clause_start = match.end()
    before = text[clause_start:start]
    return bool(_NEGATION.search(before))


def rule_match(text: str) -> tuple[str, str] | None:
    """The first rule that matches outside a negation: (rule name, matched words)."""
    fixed = normalise(text)
    call_talk = bool(ABOUT_A_CALL.search(fixed))
    for name, pattern in RULES:
        if call_talk and name in _CHANNEL_RULES:
            continue
        for match in pattern.finditer(fixed):
            if not negated(fixed, match.start()):
                return name, match.group(0).strip()
    for name, pattern in FRUSTRATION:
        found = pattern.search(fixed)
        if found is not None:
            return name, found.group(0).strip()
    words = None if call_talk else keywords_only(fixed)
    return ("key words", words) if words else None


def any_negated_request(text: str) -> bool:
    """Whether the message holds a request for a person that a negation cancels."""
    fixed = normalise(text)
    return any(negated(fixed, m.start()) for _, pattern in RULES for m in pattern.finditer(fixed))


def human_request(text: str, learned: float = 0.0, words: str = "") -> Signal:
    """Score an explicit request for a person; `learned` is the person model's probability and
    `words` the words that weighed most in it."""
    hit = rule_match(text)
    if hit is not None:
        return Signal(1.0, f"asked for a person ({hit[0]}): {hit[1]!r}")
    if learned > 0.0 and model_may_fire(text):
        said = f": {words}" if words else ""
        return Signal(round(learned, 4), f"person-request model {learned:.2f}{said}")
    return NONE
