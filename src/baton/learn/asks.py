"""Repeat asks: an agent's message that asks the customer for something the brief already had.

A reply counts when one of its sentences holds a request cue ("could you send", "what's your",
"please confirm", "I'll need your", or a bare "your order number?") followed by the name of an
identifier kind the brief carried, and the reply does not quote that identifier's value (quoting
it is confirming, not asking).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_SUFFIX = r"\s*(?:number|no\.?|id|#|reference|ref|code)"
_NUMBER = f"(?:{_SUFFIX})?"
KIND_TERMS: dict[str, str] = {
    "email": r"e-?mail(?:\s+address)?",
    "phone": r"(?:phone|mobile|cell|telephone)(?:\s+number)?",
    "order": r"order" + _NUMBER,
    "invoice": r"invoice" + _NUMBER,
    "ticket": r"(?:ticket" + _NUMBER + r"|case" + _SUFFIX + ")",
    "account": r"account" + _SUFFIX,
    "booking": r"(?:booking|reservation)" + _NUMBER,
    "customer_id": r"customer" + _SUFFIX,
}
_VERBS = (
    r"(?:send|provide|share|confirm|give|tell|type|enter|write|paste|post|dm|"
    r"let\s+(?:me|us)\s+know|reply\s+with|look\s+up)"
)
_CUE = re.compile(
    r"\b(?:could|can|would|will)\s+(?:you|u)\s+(?:please\s+|kindly\s+|just\s+|also\s+)?"
    + _VERBS
    + r"|\bplease\s+(?:also\s+)?"
    + _VERBS
    + r"|\bwhat(?:'s|\u2019s|\s+is|\s+was|\s+are)\s+(?:your|the)\b"
    + r"|\b(?:may|can|could)\s+(?:i|we)\s+(?:please\s+)?(?:have|get|take|ask\s+for|grab|confirm)"
    + r"|\b(?:i|we)(?:'ll|\u2019ll|\s+will|'d|\s+would)?\s+(?:also\s+)?need\s+(?:your|the)\b"
    + r"|\b(?:send|give|tell)\s+(?:me|us)\s+(?:your|the)\b",
    re.IGNORECASE,
)
_SENTENCES = re.compile(r"(?<=[.!?])\s+|\n+")


def kind_pattern(kind: str) -> re.Pattern[str]:
    """The words that name an identifier kind; unknown kinds by their own name ("loyalty id")."""
    term = KIND_TERMS.get(kind) or re.escape(kind.replace("_", " ")) + _NUMBER
    return re.compile(r"\b" + term + r"\b", re.IGNORECASE)


def _asks_for(sentence: str, kind: re.Pattern[str]) -> bool:
    cue = _CUE.search(sentence)
    if cue is not None and kind.search(sentence, cue.start()):
        return True
    bare = re.match(r"^\s*(?:and\s+)?(?:your|the)\s+(.{1,40}?)\s*\?\s*$", sentence, re.IGNORECASE)
    return bare is not None and kind.fullmatch(bare.group(1)) is not None


def repeat_asks(reply: str, identifiers: Iterable[tuple[str, str]]) -> list[str]:
    """The identifier kinds the reply asks for although the brief had them, in the brief's order."""
    folded = reply.casefold()
    kinds: dict[str, list[str]] = {}
    for kind, value in identifiers:
        kinds.setdefault(kind, []).append(value.casefold())
    sentences = [s for s in _SENTENCES.split(reply) if s.strip()]
    asked: list[str] = []
    for kind, values in kinds.items():
        if any(value and value in folded for value in values):
            continue
        pattern = kind_pattern(kind)
        if any(_asks_for(sentence, pattern) for sentence in sentences):
            asked.append(kind)
    return asked
