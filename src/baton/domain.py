"""The shared vocabulary of DESIGN.md as immutable domain objects.

Every stage speaks these types; the store and the API translate to and from them. They hold no
I/O and read no clock, so a conversation can be replayed through the pipeline byte for byte.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

# The one unit for text limits is the character (a Unicode code point), in the API, the console
# and the docs; a body limit alone is in bytes (`BATON_MAX_BODY_BYTES`).
MAX_TEXT_CHARS = 16 * 1024


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ReasonCode(StrEnum):
    HUMAN_REQUESTED = "human_requested"
    LOW_CONFIDENCE = "low_confidence"
    REPEATED_FAILURE = "repeated_failure"
    POLICY_RESTRICTED = "policy_restricted"
    IDENTITY_REQUIRED = "identity_required"
    HIGH_VALUE_INTENT = "high_value_intent"
    NEGATIVE_SENTIMENT = "negative_sentiment"
    URGENT = "urgent"


class Action(StrEnum):
    CONTINUE = "continue"
    OFFER = "offer"
    HANDOFF = "handoff"

    @property
    def rank(self) -> int:
        return _ACTION_RANK[self]


_ACTION_RANK = {Action.CONTINUE: 0, Action.OFFER: 1, Action.HANDOFF: 2}


class Role(StrEnum):
    USER = "user"
    BOT = "bot"
    AGENT = "agent"
    SYSTEM = "system"


class Urgency(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    CRITICAL = "critical"


URGENCY_ORDER = (Urgency.LOW, Urgency.NORMAL, Urgency.HIGH, Urgency.CRITICAL)


class Channel(StrEnum):
    CHAT = "chat"
    EMAIL = "email"
    MEETING = "meeting"
    CALLBACK = "callback"


class BotSignal(Frozen):
    """What the bot knows about its own handling of a turn."""

    confidence: float | None = Field(default=None, ge=0.0, le=1.0)
    intent: str | None = Field(default=None, max_length=200)
    fallback: bool = False
    policy_block: bool = False
    action: str | None = Field(default=None, max_length=200)
    action_result: str | None = Field(default=None, max_length=200)


class Customer(Frozen):
    id: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    name: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=64)
    region: str | None = Field(default=None, max_length=2, description="ISO 3166 region for phones")
    tier: str | None = Field(default=None, max_length=64)
    lifecycle_stage: str | None = Field(default=None, max_length=64)
    language: str | None = Field(default=None, max_length=16)
    authenticated: bool = False
    email_verified: bool = Field(
        default=False,
        description="the address was confirmed (by the bot, or by a code Baton sent to it)",
    )

    @property
    def trusted_email(self) -> str | None:
        """The address Baton may write to: one the bot vouches for or a code confirmed, never
        one merely typed in the chat (see `baton.transfer.verify`)."""
        return self.email if self.email and (self.authenticated or self.email_verified) else None


MAX_ATTACHMENTS = 10
MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024
# Images the console shows inline; anything else (SVG and HTML above all) is only ever a link.
INLINE_IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


class Attachment(Frozen):
    """A file the turn refers to, by URL: Baton never fetches or stores the file itself."""

    url: str = Field(min_length=8, max_length=2048, pattern=r"^https?://[^\s<>\"']+$")
    content_type: str = Field(
        max_length=100, pattern=r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,62}/[a-z0-9][a-z0-9!#$&^_.+-]{0,62}$"
    )
    size: int | None = Field(default=None, ge=0, le=MAX_ATTACHMENT_BYTES, description="bytes")
    name: str = Field(min_length=1, max_length=255)

    @property
    def inline_image(self) -> bool:
        return self.content_type in INLINE_IMAGE_TYPES


class Turn(Frozen):
    turn_id: str = Field(min_length=1, max_length=200)
    role: Role
    text: str = Field(max_length=MAX_TEXT_CHARS)
    sent_at: datetime
    bot: BotSignal | None = None
    channel: str | None = Field(default=None, max_length=64)
    metadata: dict[str, Any] = Field(default_factory=dict)
    attachments: tuple[Attachment, ...] = Field(default=(), max_length=MAX_ATTACHMENTS)


class Conversation(Frozen):
    """A conversation as the pipeline sees it: the turns so far, oldest first."""

    id: str
    turns: tuple[Turn, ...] = ()
    customer: Customer | None = None
    channel: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)

    def with_turn(self, turn: Turn) -> Conversation:
        return self.model_copy(update={"turns": (*self.turns, turn)})

    @property
    def user_turns(self) -> tuple[Turn, ...]:
        return tuple(t for t in self.turns if t.role is Role.USER)


class Reason(Frozen):
    code: ReasonCode
    score: float = Field(ge=0.0, le=1.0)
    evidence: str
    action: Action


class Sentiment(Frozen):
    level: float = Field(ge=-1.0, le=1.0, description="VADER compound of the last user turn")
    trend: float = Field(description="change per user turn over the recent window")
    label: str = "neutral"


class Decision(Frozen):
    action: Action
    reasons: tuple[Reason, ...] = ()
    score: float = Field(default=0.0, ge=0.0, le=1.0)
    intent: str | None = None
    intent_confidence: float | None = None
    topic: str | None = None
    sentiment: Sentiment | None = None
    urgency: Urgency = Urgency.NORMAL
    policy_hash: str | None = Field(default=None, description="the policy that decided")
    model_version: str | None = Field(default=None, description="the detector's trained models")

    @property
    def codes(self) -> tuple[ReasonCode, ...]:
        return tuple(r.code for r in self.reasons)


class Identifier(Frozen):
    kind: str
    value: str = Field(description="normalised value; the masked form ('**** 4242') when masked")
    source: str = Field(
        description="where it was found: 'turn:<turn_id>', 'turn:<turn_id>.metadata.<key>', "
        "'metadata.<key>' (the conversation's), or 'customer'"
    )
    masked: bool = Field(default=False, description="redacted by policy: only the tail is kept")


class Attempt(Frozen):
    action: str
    result: str | None = None
    turn_id: str | None = None


class TicketFields(Frozen):
    subject: str
    description: str
    category: str
    priority: str
    requester: str | None = Field(default=None, description="the customer's name")
    requester_email: str | None = Field(default=None, description="where a help desk replies")
    tags: tuple[str, ...] = ()
    custom: dict[str, Any] = Field(default_factory=dict)


class TranscriptLine(Frozen):
    turn_id: str
    role: Role
    text: str
    sent_at: datetime


class Brief(Frozen):
    summary: str = Field(description="5-10 plain lines: who, what they want, what was tried, why")
    summary_source: str = Field(default="extractive", description="'extractive' or 'llm'")
    intent: str | None
    desired_outcome: str
    topic: str | None
    urgency: Urgency
    sentiment: Sentiment | None
    identifiers: tuple[Identifier, ...]
    attempted: tuple[Attempt, ...]
    reasons: tuple[Reason, ...]
    next_best_action: str
    next_action_step: str | None = Field(
        default=None, description="the policy's playbook step the next best action comes from"
    )
    suggested_replies: tuple[str, ...] = ()
    knowledge: tuple[str, ...] = ()
    ticket_fields: TicketFields
    transcript: tuple[TranscriptLine, ...]
    episode: int = Field(default=1, description="the conversation's episode the brief covers")
    earlier_handoffs: tuple[str, ...] = Field(
        default=(), description="handoffs of the conversation's earlier episodes, oldest first"
    )
    bot_note: str | None = Field(
        default=None, description="what the bot wrote for the agent when it asked for a person"
    )
    opened_at_turn: str | None = Field(
        default=None, description="the turn that opened the case; later turns are the agent phase"
    )


class ChannelOffer(Frozen):
    channel: Channel
    available: bool
    expected_wait_seconds: int | None = None
    detail: str = ""
    link: str | None = None
    reply_by: datetime | None = Field(
        default=None, description="the promised reply time (e-mail, callback), from the SLA"
    )


class Routing(Frozen):
    queue: str
    priority: int = Field(ge=0, le=100)
    skills: tuple[str, ...] = ()
    first_response_due: datetime | None = None
    resolution_due: datetime | None = None
    expected_wait_seconds: int | None = None
    offers: tuple[ChannelOffer, ...] = ()
    rule: str = "default"
    queue_open: bool = True
    opens_at: datetime | None = Field(default=None, description="when a closed queue opens again")
