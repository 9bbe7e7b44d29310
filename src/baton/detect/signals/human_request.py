"""Does the customer ask for a person? Any phrasing, typos, and negation ("I don't need an agent").

Rules find the common phrasings and give the evidence; a small learned model
(`baton.detect.person_model`) catches the rest. A negation in the same clause as the request
("I don't need to talk to a human") cancels both.
"""

from __future__ import annotations

import re

from baton.detect.signals.base import NONE, Signal

_TYPOS = {
    "humam": "human",
    "huamn": "human",
    "hooman": "human",
    "humane": "human",
    "humen": "human",
    "humna": "human",
    "persn": "person",
    "preson": "person",
    "peron": "person",
    "perosn": "person",
    "agnet": "agent",
    "agen": "agent",
    "agant": "agent",
    "aggent": "agent",
    "represenative": "representative",
    "representitive": "representative",
    "representive": "representative",
    "reprasentative": "representative",
    "opperator": "operator",
    "operater": "operator",
    "somone": "someone",
    "someome": "someone",
    "sombody": "somebody",
    "spek": "speak",
    "speek": "speak",
    "tlak": "talk",
    "tak": "talk",
    "wanna": "want to",
    "gimme": "give me",
    "pls": "please",
    "plz": "please",
    "ppl": "people",
}
_TYPO = re.compile(r"\b(" + "|".join(_TYPOS) + r")\b", re.IGNORECASE)

_DET = r"(?:(?:a|an|the|some|one|any|your|ur|(?:one|some) of (?:your|the)|to)\s+)?"
_ADJ = r"(?:(?:real|live|actual|normal|proper|human|non-robotic|other|different|living)\s+)*"
_PERSON = (
    r"(?:human(?:\s+being)?s?|person|people|agents?|representatives?|reps?|operators?|"
    r"advis[eo]rs?|staff(?:\s+member)?|member of (?:staff|the team)|manager|supervisor|employee|"
    r"bank worker|worker|colleague|consultant|receptionist|reception|front (?:desk|office)|"
    r"concierge|housekeeping|room service|restaurant|spa|cleaners|cleaning staff|"
    r"(?:\w+\s+)?(?:team|department|desk)|"
    r"customer (?:service|support|care)(?:\s+(?:agent|rep|representative|team))?|"
    r"(?:some(?:one|body)|anyone|anybody)(?:\s+(?:else|real|there|who works there))?)"
)
_WHO = _DET + _ADJ + _PERSON + r"\b"
_TALK = (
    r"(?:(?:talk|speak|chat|converse|get in touch|be in touch|communicate)(?:ing)?|"
    r"ha(?:ve|ving) (?:a |an )?(?:quick |brief |short |private )?(?:word|chat|talk|conversation))"
)

_RULES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE))
    for name, pattern in (
        ("talk to a person", rf"\b{_TALK}\s+(?:directly\s+)?(?:to|with)\s+{_WHO}"),
        (
            "put me through",
            r"\b(?:connect|transfer|put|pass|forward|hand|escalate|redirect)\s+"
            r"(?:me|my call|my case)\s+(?:through\s+|over\s+|on\s+)?(?:to|with)\s+"
            r"(?!my\b|your account|an? (?:new\s+)?account|(?:a|some) new\b)",
        ),
        (
            "get me a person",
            r"\b(?:get|give|want|need|find|bring|have|see|prefer|like|request|reach|contact|"
            r"call|ring)\s+(?:me\s+)?(?:to\s+)?"
            + _DET
            + _ADJ
            + r"(?:human(?:\s+being)?|person|agent|representative|operator|supervisor|manager|"
            r"advis[eo]r|some(?:one|body)\s+else|real\s+some(?:one|body)|staff member|"
            r"customer service)\b",
        ),
        (
            "someone to talk to",
            r"\b(?:some(?:one|body)|anyone|anybody|a (?:real )?(?:person|human))\s+(?:there\s+)?"
            r"(?:(?:i|we)\s+(?:can|could)|to)\s+(?:talk|speak|chat)\s+(?:to|with)\b|"
            r"\bget\s+(?:me\s+)?some(?:one|body)\s+(?:to\s+)?(?:help|call|contact|look at)\b",
        ),
        (
            "a person please",
            rf"\b{_DET}{_ADJ}(?:human|person|agent|representative|operator)"
            r"\s*(?:,\s*)?(?:please|now|asap|already|!)",
        ),
        (
            "a team please",
            r"^\W*(?:the\s+)?(?:\w+\s+)?(?:team|department|desk|office)\s*(?:,\s*)?please\W*$",
        ),
        (
            "this is going nowhere",
            r"^\W*(?:this|that|it)(?:'s| is)\s+(?:really |so |very |just |getting |becoming )?"
            r"(?:frustrating|pointless|useless|ridiculous|a waste of (?:my )?time)\W*$",
        ),
        (
            "a single word",
            r"^\W*(?:an?\s+)?(?:human|agent|representative|operator|person|live agent|"
            r"real person|customer service|speak to (?:a|an)\s+\w+)\W*$",
        ),
        (
            "on the line",
            rf"\b(?:get|put|have|bring)\s+(?:me\s+)?{_WHO}\s+(?:\w+\s+)?on the (?:line|phone)\b",
        ),
        (
            "call me",
            r"\b(?:call|phone|ring)\s+me\s+(?:back|now|asap|please|today|tomorrow|on|at|as soon)\b|"
            r"\bcall\s*back\b|\bcallback\b|\b(?:can|could|would|please)\s+(?:you\s+|someone\s+|"
            r"somebody\s+)?(?:call|phone|ring)\s+me\s*[.!?]*$|^\W*(?:call|phone|ring) me\W*$",
        ),
        (
            "not a bot",
            r"\b(?:bots?|robots?|machines?|computers?|virtual agents?|automated|ai|chatbot)\b"
            r".{0,40}\b(?:useless|stupid|no help|not help|doesn'?t help|can'?t help|dumb)\b|"
            r"\b(?:stop|tired of|sick of|fed up with|done with|enough of)\s+(?:talking to\s+)?"
            r"(?:a\s+|the\s+|this\s+)?(?:bots?|robots?|machines?|chatbots?|automated)\b|"
            r"\b(?:with|to)\s+(?:a|this)\s+(?:machine|robot|bot|chatbot)\b",
        ),
        (
            "you cannot help",
            r"\b(?:you(?:'re| are)? (?:can ?not|can'?t|cannot|are not|aren'?t) (?:help|helping|"
            r"the right)|(?:don'?t|do not) want to (?:talk|speak|chat) (?:to|with) you|"
            r"this (?:conversation|chat) is (?:not|going nowhere|useless|pointless)|"
            r"(?:is|are) not leading anywhere|get me out of (?:this|here))",
        ),
    )
)
_CLAUSE = re.compile(r"[.!?;]|\bbut\b|\bhowever\b|\binstead\b", re.IGNORECASE)
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
    r"employee|worker|consultant|bot|machine|robot)s?|people|some(?:one|body)|any(?:one|body)|"
    r"staff|team|concierge|housekeeping|reception|desk|department|service|automated|real|live)\b",
    re.IGNORECASE,
)
_TOPIC = re.compile(r"\b(?:talk|speak|chat)(?:ing)?\s+about\b", re.IGNORECASE)
_TO_WHOM = re.compile(
    r"\b(?:talk|speak|chat)(?:ing)?\s+(?:directly\s+)?(?:to|with)\b", re.IGNORECASE
)


def model_may_fire(text: str) -> bool:
    """Whether the learned model may call this a request: it names a person, a contact or the bot
    ("please bring me a sandwich" does not), is not negated, and is not only talk *about* a topic
    ("I'd like to talk about my loan")."""
    fixed = normalise(text)
    if not _CUE.search(fixed) or any_negated_request(text):
        return False
    return not (_TOPIC.search(fixed) and not _TO_WHOM.search(fixed))


def normalise(text: str) -> str:
    """Fix the common misspellings of the words that matter here."""
    return _TYPO.sub(lambda m: _TYPOS[m.group(1).lower()], text)


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
    for name, pattern in _RULES:
        for match in pattern.finditer(fixed):
            if name == "you cannot help" or not negated(fixed, match.start()):
                return name, match.group(0).strip()
    return None


def any_negated_request(text: str) -> bool:
    """Whether the message holds a request for a person that a negation cancels."""
    fixed = normalise(text)
    return any(
        negated(fixed, m.start())
        for name, pattern in _RULES
        if name != "you cannot help"
        for m in pattern.finditer(fixed)
    )


def human_request(text: str, learned: float = 0.0) -> Signal:
    """Score an explicit request for a person; `learned` is the person model's probability."""
    hit = rule_match(text)
    if hit is not None:
        return Signal(1.0, f"asked for a person: {hit[1]!r}")
    if learned > 0.0 and model_may_fire(text):
        return Signal(round(learned, 4), f"person-request model {learned:.2f}")
    return NONE
