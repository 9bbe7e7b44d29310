"""The summary port, and the deterministic extractive summarizer every brief can fall back on.

A `Summarizer` has one method, `summarize(request) -> Summary`. The default reads the redacted
conversation and writes plain sentences: who, what they want, what was tried, what is blocking.
An LLM adapter (`baton.brief.llm`) implements the same port and falls back to this one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

from baton.domain import Attempt, Conversation, Decision, Identifier, ReasonCode, Role, Turn

MAX_LINE_CHARS = 240
WANT_CHARS = 180
FOCUS_BONUS = 3.0
_UNSAID = "(the customer has not said yet)"

_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_WANT = re.compile(
    r"(?i)\b(?:i want|i need|i'?d like|i would like|i'?m trying|trying to|can you|could you|"
    r"please|help me|how (?:do|can) i|i can'?t|i cannot|unable to|not working|doesn'?t work|"
    r"won'?t|never arrived|charged|refund|cancel|change|reset|update|close|dispute|lost|stolen|"
    r"wrong|missing|broken|locked|blocked|declined|quote|pricing|demo|damaged|late|failed|"
    r"failing|error|crash(?:es|ed|ing)?|stopped|down|twice|fraud|hacked|return)\b"
)
_CONTACT = re.compile(
    r"(?i)\b(?:my (?:mobile|phone|number|cell|e-?mail|email address|direct line) is|call me|"
    r"reach me|text me|e-?mail me|contact me|you can reach)\b"
)
_ASK = re.compile(
    r"(?i)\b(?:i want|i need|i'?d like|i would like|please|can you|could you|help me)\b"
)
_HUMAN_ONLY = re.compile(
    r"(?i)\b(?:agent|human|person|someone|somebody|representative|operator|real people|"
    r"manager|supervisor)\b"
)
_SMALL_TALK = re.compile(
    r"(?i)^(?:hi|hello|hey|thanks|thank you|ok|okay|yes|no|yeah|nope|sure|great|fine)\b"
)
_REASON_WORDS = {
    ReasonCode.HUMAN_REQUESTED: "asked for a person",
    ReasonCode.LOW_CONFIDENCE: "the bot was not confident it could help",
    ReasonCode.REPEATED_FAILURE: "the bot failed several times in a row",
    ReasonCode.POLICY_RESTRICTED: "the policy keeps this topic for people",
    ReasonCode.IDENTITY_REQUIRED: "it needs an identity the bot cannot verify",
    ReasonCode.HIGH_VALUE_INTENT: "it is a high-value request",
    ReasonCode.NEGATIVE_SENTIMENT: "the customer is upset",
    ReasonCode.URGENT: "it is urgent",
}


@dataclass(frozen=True, slots=True)
class SummaryRequest:
    """What a summarizer may read: the redacted conversation and what the brief already knows."""

    conversation: Conversation
    decision: Decision
    identifiers: tuple[Identifier, ...] = ()
    attempted: tuple[Attempt, ...] = ()
    intent: str | None = None
    topic: str | None = None
    max_lines: int = 10
    now: datetime | None = None
    focus_turn_id: str | None = None
    opened_at: str | None = None


class Summary(BaseModel):
    """A summary of at most ten plain lines and the outcome the customer wants."""

    model_config = ConfigDict(frozen=True)

    lines: tuple[str, ...] = Field(min_length=1, max_length=10)
    desired_outcome: str
    source: str = "extractive"
    note: str | None = Field(default=None, description="why an LLM summary was not used")


class Summarizer(Protocol):
    """The summary port: turn a `SummaryRequest` into a `Summary`; it must not raise.

    Args:
        request: the redacted conversation, decision, identifiers and attempts.

    Example:
        brief = build_brief(..., summarizer=StaticSummarizer(("Line one.", "Line two.")))
    """

    def summarize(self, request: SummaryRequest) -> Summary: ...


class StaticSummarizer:
    """A fake for users' tests: always the same lines, whatever the conversation."""

    def __init__(self, lines: tuple[str, ...], desired_outcome: str = "") -> None:
        self.summary = Summary(lines=lines, desired_outcome=desired_outcome, source="static")

    def summarize(self, request: SummaryRequest) -> Summary:
        return self.summary


class ExtractiveSummarizer:
    """The deterministic default: the customer's own most telling sentences, framed in lines."""

    def summarize(self, request: SummaryRequest) -> Summary:
        sentences = _ranked_sentences(request.conversation, request.focus_turn_id)
        want = _clip(sentences[0], WANT_CHARS) if sentences else ""
        lines = [_who(request.conversation, request.now), f"Wants: {_quote(want or _UNSAID)}"]
        detail = next((s for s in sentences[1:3] if len(s.split()) >= 4), None)
        if detail:
            lines.append(f"Also said: {_quote(detail)}")
        if request.intent or request.topic:
            lines.append(_intent_line(request.intent, request.topic))
        lines.append(_tried(request))
        lines.append(_why(request.decision))
        lines.append(_mood(request.decision))
        lines.append(_gave(request.identifiers))
        last = _last_user_text(request.conversation)
        if last and last not in (want, detail):
            lines.append(f"Last message: {_quote(last)}")
        lines = [_clip(line) for line in lines[: request.max_lines]]
        return Summary(lines=tuple(lines), desired_outcome=want)


def _score(sentence: str, position: int) -> float:
    words = sentence.split()
    score = min(len(words), 20) / 10 + 3 * len(_WANT.findall(sentence))
    score += 1.0 if _ASK.search(sentence) else 0.0
    score += 1.0 if "?" in sentence else 0.0
    if _CONTACT.search(sentence):
        score -= 3
    if _HUMAN_ONLY.search(sentence) and len(words) < 12:
        score -= 4
    if _SMALL_TALK.match(sentence) and len(words) < 6:
        score -= 4
    return score - 0.1 * position


def _ranked_sentences(conversation: Conversation, focus: str | None = None) -> list[str]:
    """The customer's sentences, most telling first; the case's most salient turn counts more."""
    seen: dict[str, float] = {}
    position = 0
    for turn in conversation.turns:
        if turn.role is not Role.USER:
            continue
        bonus = FOCUS_BONUS if turn.turn_id == focus else 0.0
        for raw in _SENTENCE.split(turn.text):
            sentence = " ".join(raw.split())
            if len(sentence) < 3 or sentence in seen:
                continue
            seen[sentence] = _score(sentence, position) + bonus
            position += 1
    return sorted(seen, key=lambda s: -seen[s])


def _who(conversation: Conversation, now: datetime | None) -> str:
    customer = conversation.customer
    who = (customer.name if customer else None) or "The customer"
    traits = [t for t in (customer.tier, customer.lifecycle_stage) if t] if customer else []
    if customer and customer.authenticated:
        traits.append("signed in")
    described = f"{who} ({', '.join(traits)})" if traits else who
    count = len(conversation.user_turns)
    channel = conversation.channel or next(
        (t.channel for t in conversation.turns if t.channel), None
    )
    where = f" on {channel}" if channel else ""
    minutes = _minutes(conversation, now)
    span = f" over {minutes} min" if minutes else ""
    return f"{described} wrote {count} message{'s' if count != 1 else ''}{where}{span}."


def _minutes(conversation: Conversation, now: datetime | None) -> int:
    """Minutes from the first turn to now (or to the last turn, without a `now`)."""
    if not conversation.turns:
        return 0
    end = now or conversation.turns[-1].sent_at
    return max(0, round((end - conversation.turns[0].sent_at).total_seconds() / 60))


def _intent_line(intent: str | None, topic: str | None) -> str:
    parts = []
    if intent:
        parts.append(f"intent {intent.replace('_', ' ')}")
    if topic:
        parts.append(f"topic {topic}")
    return f"Read as: {', '.join(parts)}."


def _tried(request: SummaryRequest) -> str:
    if request.attempted:
        done = [f"{a.action} ({a.result or 'no result'})" for a in request.attempted[-4:]]
        more = len(request.attempted) - len(done)
        extra = f" and {more} more" if more > 0 else ""
        return f"The bot tried: {', '.join(done)}{extra}."
    turns = _bot_phase(request.conversation.turns, request.opened_at)
    answers = [t for t in turns if t.role is Role.BOT]
    failed = sum(1 for t in turns if t.bot and (t.bot.fallback or t.bot.policy_block))
    if not answers and not failed:
        return "The bot has not answered yet."
    failed_words = f"; {failed} fell back or were blocked" if failed else ""
    return f"The bot answered {len(answers)} time{'s' if len(answers) != 1 else ''}{failed_words}."


def _bot_phase(turns: tuple[Turn, ...], opened_at: str | None) -> tuple[Turn, ...]:
    """The turns up to the one that opened the case: the agent phase is no bot's doing."""
    ids = [t.turn_id for t in turns]
    return turns[: ids.index(opened_at) + 1] if opened_at in ids else turns


def _why(decision: Decision) -> str:
    if not decision.reasons:
        return "Escalated without a reason from the detector."
    parts = []
    for reason in decision.reasons[:3]:
        evidence = f' ("{_clip(reason.evidence, 60)}")' if reason.evidence else ""
        parts.append(f"{_REASON_WORDS[reason.code]}{evidence}")
    return f"Handed over because {'; '.join(parts)}."


def _mood(decision: Decision) -> str:
    urgency = f"Urgency {decision.urgency.value}"
    sentiment = decision.sentiment
    if sentiment is None:
        return f"{urgency}."
    trend = (
        "getting worse"
        if sentiment.trend < -0.05
        else "improving"
        if sentiment.trend > 0.05
        else "steady"
    )
    return f"{urgency}; mood {sentiment.label} ({sentiment.level:+.2f}, {trend})."


def _gave(identifiers: tuple[Identifier, ...]) -> str:
    if not identifiers:
        return "Gave no order, account or contact details yet."
    shown = [f"{i.kind.replace('_', ' ')} {i.value}" for i in identifiers[:6]]
    more = len(identifiers) - len(shown)
    return f"Gave: {', '.join(shown)}{f' and {more} more' if more > 0 else ''}."


def _last_user_text(conversation: Conversation) -> str | None:
    for turn in reversed(conversation.turns):
        if turn.role is Role.USER:
            return " ".join(turn.text.split())
    return None


def _quote(text: str) -> str:
    return f'"{_clip(text, WANT_CHARS)}"'


def _clip(text: str, limit: int = MAX_LINE_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
