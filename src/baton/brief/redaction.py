"""Redaction: card numbers (Luhn-checked), national IDs and secrets never reach a brief in full.

The brief, the agent console, webhooks and any LLM prompt see only the masked form (`**** 4242`);
a masked card or national ID is still kept as an identifier, so the agent knows it was given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Any

from baton.domain import Conversation, Decision, Identifier, Turn
from baton.policy.schema import RedactionConfig

MASK = "****"
SECRET_MASK = "[redacted secret]"  # noqa: S105 - the mask, not a secret

# 13-19 digits in one run, or in groups split by one consistent separator (4-4-4-x, Amex 4-6-5).
_CARD = (
    r"\b(?:\d{13,19}"
    r"|\d{4}([ .-]{1,2})\d{4}\1\d{4}\1\d{1,7}"
    r"|\d{4}([ .-]{1,2})\d{6}\2\d{4,5})\b"
)
_NATIONAL_IDS = (
    # US social security number
    r"\b(?!000|666|9\d\d)\d{3}[- ](?!00)\d{2}[- ](?!0000)\d{4}\b",
    # UK national insurance number
    r"\b(?![DFIQUV])[A-CEGHJ-PR-TW-Z](?![DFIQUVO])[A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b",
)
_TOKENS = (
    r"\bsk-[A-Za-z0-9_\-]{16,}",
    r"\bAKIA[0-9A-Z]{16}\b",
    r"\bgh[pousr]_[A-Za-z0-9]{30,}\b",
    r"\bxox[abprs]-[A-Za-z0-9\-]{10,}",
    r"\beyJ[\w\-]{8,}\.[\w\-]{8,}\.[\w\-]{8,}",
    r"\b(?i:bearer)\s+[\w\-.~+/]{16,}=*",
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)",
)
_ANNOUNCING_WORDS = (
    r"pass(?:word|code|phrase)|passwd|pin|otp|cvv|cvc|security code|verification code"
    r"|one[- ]time (?:pass)?code|api[ _-]?key|secret(?: key)?|access token|token"
)
# "my password is hunter2" / "pin: 1234" / "cvv 123": the value after the word, not the word.
_SECRET_VALUE = (
    rf"(?i)\b(?:{_ANNOUNCING_WORDS})(?:\s+(?:code|number))?\b"
    r"(?:\s*[:=]\s*|\s+(?:is|was)\s+(?=\S*\d)|\s+(?=\d{3,8}\b))(\S+)"
)


@dataclass(frozen=True, slots=True)
class Finding:
    """One redacted span: its kind, its masked form, and whether it is kept as an identifier."""

    kind: str
    masked: str
    identifier: bool


@dataclass(frozen=True, slots=True)
class _Rule:
    kind: str
    regex: re.Pattern[str]
    keep_last: int
    identifier: bool
    luhn: bool = False
    group: int = 0


def luhn_valid(digits: str) -> bool:
    """The card-number checksum: it keeps order and phone numbers from being taken for cards."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def mask(value: str, keep_last: int) -> str:
    """`**** 4242`: only the last characters of the value's letters and digits stay visible."""
    tail = re.sub(r"[\W_]", "", value)[-keep_last:] if keep_last else ""
    return f"{MASK} {tail}" if tail else SECRET_MASK


class Redactor:
    """Applies a policy's redaction rules to text; build one per policy with `redactor_for`."""

    def __init__(self, config: RedactionConfig) -> None:
        rules: list[_Rule] = []
        if config.card_numbers:
            rules.append(_Rule("card", re.compile(_CARD), 4, identifier=True, luhn=True))
        if config.national_ids:
            national = "|".join(f"(?:{p})" for p in _NATIONAL_IDS)
            rules.append(_Rule("national_id", re.compile(national), 4, True))
        if config.secrets:
            tokens = "|".join(f"(?:{p})" for p in _TOKENS)
            rules.append(_Rule("secret", re.compile(tokens), 0, False))
            rules.append(_Rule("secret", re.compile(_SECRET_VALUE), 0, False, group=1))
        rules.extend(
            _Rule(p.kind, re.compile(p.pattern), p.keep_last, p.identifier) for p in config.patterns
        )
        self._rules = tuple(rules)

    def redact(self, text: str) -> tuple[str, tuple[Finding, ...]]:
        """The text with every rule's matches masked, and what was masked, in order."""
        findings: list[Finding] = []
        for rule in self._rules:
            if rule.luhn and not _has_long_digit_run(text):
                continue
            text = rule.regex.sub(partial(_replace, rule=rule, findings=findings), text)
        return text, tuple(findings)

    def text(self, text: str) -> str:
        """Only the redacted text."""
        return self.redact(text)[0]


_CARD_HINT = re.compile(r"\d(?:[ .-]{0,2}\d){12}")


def _has_long_digit_run(text: str) -> bool:
    return _CARD_HINT.search(text) is not None


def _replace(match: re.Match[str], *, rule: _Rule, findings: list[Finding]) -> str:
    value = match.group(rule.group)
    if rule.luhn and not luhn_valid(re.sub(r"\D", "", value)):
        return match.group(0)
    masked = mask(value, rule.keep_last)
    findings.append(Finding(rule.kind, masked, rule.identifier))
    if rule.group:
        start, end = match.span(rule.group)
        offset = match.start(0)
        whole = match.group(0)
        return whole[: start - offset] + masked + whole[end - offset :]
    return masked


@lru_cache(maxsize=32)
def redactor_for(config: RedactionConfig) -> Redactor:
    """One compiled redactor per redaction config (a frozen, hashable policy part)."""
    return Redactor(config)


def redact_conversation(
    conversation: Conversation, redactor: Redactor
) -> tuple[Conversation, tuple[Identifier, ...]]:
    """The conversation as agents may see it, and the masked identifiers taken out of it."""
    masked: list[Identifier] = []
    turns = tuple(_redact_turn(turn, redactor, masked) for turn in conversation.turns)
    metadata = _redact_value(conversation.metadata, redactor, "metadata", masked)
    customer = conversation.customer
    if customer is not None and customer.name:
        customer = customer.model_copy(update={"name": redactor.text(customer.name)})
    safe = conversation.model_copy(
        update={"turns": turns, "metadata": metadata, "customer": customer}
    )
    return safe, tuple(masked)


def redact_decision(decision: Decision, redactor: Redactor) -> Decision:
    """The decision with its evidence (often the customer's own words) redacted."""
    reasons = tuple(
        r.model_copy(update={"evidence": redactor.text(r.evidence)}) for r in decision.reasons
    )
    return decision.model_copy(update={"reasons": reasons})


def _redact_turn(turn: Turn, redactor: Redactor, masked: list[Identifier]) -> Turn:
    source = f"turn:{turn.turn_id}"
    text, findings = redactor.redact(turn.text)
    masked.extend(_identifiers(findings, source))
    update: dict[str, Any] = {"text": text}
    if turn.metadata:
        update["metadata"] = _redact_value(turn.metadata, redactor, f"{source}.metadata", masked)
    if turn.bot is not None and (turn.bot.action or turn.bot.action_result):
        update["bot"] = turn.bot.model_copy(
            update={
                "action": redactor.text(turn.bot.action) if turn.bot.action else None,
                "action_result": (
                    redactor.text(turn.bot.action_result) if turn.bot.action_result else None
                ),
            }
        )
    return turn.model_copy(update=update)


def _redact_value(value: Any, redactor: Redactor, path: str, masked: list[Identifier]) -> Any:
    if isinstance(value, dict):
        return {k: _redact_value(v, redactor, f"{path}.{k}", masked) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redact_value(v, redactor, path, masked) for v in value]
    if isinstance(value, str | int) and not isinstance(value, bool):
        text, findings = redactor.redact(str(value))
        if not findings:
            return value
        masked.extend(_identifiers(findings, path))
        return text
    return value


def _identifiers(findings: tuple[Finding, ...], source: str) -> list[Identifier]:
    return [
        Identifier(kind=f.kind, value=f.masked, source=source, masked=True)
        for f in findings
        if f.identifier
    ]
