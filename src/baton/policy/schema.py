"""The policy file's schema: every rule Baton follows is data here, validated with a named field."""

from __future__ import annotations

import re
from datetime import date
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from baton.domain import Action, Channel, ReasonCode

_SPAN = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$")
_NAME = r"^[a-z][a-z0-9_\-]{0,63}$"
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TriggerConfig(Strict):
    """Whether a reason fires, and what it does when it does."""

    action: Action = Action.OFFER
    threshold: float = Field(default=0.5, ge=0.0, le=1.0)
    enabled: bool = True

    @field_validator("action")
    @classmethod
    def _not_continue(cls, value: Action) -> Action:
        if value is Action.CONTINUE:
            raise ValueError("a trigger's action is 'offer' or 'handoff'")
        return value


def _default_triggers() -> dict[ReasonCode, TriggerConfig]:
    return {
        ReasonCode.HUMAN_REQUESTED: TriggerConfig(action=Action.HANDOFF, threshold=0.5),
        ReasonCode.LOW_CONFIDENCE: TriggerConfig(action=Action.OFFER, threshold=0.5),
        ReasonCode.REPEATED_FAILURE: TriggerConfig(action=Action.HANDOFF, threshold=0.5),
        ReasonCode.POLICY_RESTRICTED: TriggerConfig(action=Action.HANDOFF, threshold=0.5),
        ReasonCode.IDENTITY_REQUIRED: TriggerConfig(action=Action.HANDOFF, threshold=0.5),
        ReasonCode.HIGH_VALUE_INTENT: TriggerConfig(action=Action.OFFER, threshold=0.5),
        ReasonCode.NEGATIVE_SENTIMENT: TriggerConfig(action=Action.OFFER, threshold=0.5),
        ReasonCode.URGENT: TriggerConfig(action=Action.HANDOFF, threshold=0.5),
    }


class DetectConfig(Strict):
    """Tuning of the signals; the triggers decide what a signal's score means."""

    bot_confidence_floor: float = Field(default=0.4, ge=0.0, le=1.0)
    scope_threshold: float = Field(default=0.5, ge=0.0, le=1.0)
    failure_streak: int = Field(default=2, ge=1, le=20)
    sentiment_floor: float = Field(default=-0.5, ge=-1.0, le=0.0)
    sentiment_window: int = Field(default=3, ge=1, le=20)
    decline_cooldown_turns: int = Field(default=3, ge=0, le=100)
    tier_weights: dict[str, float] = Field(
        default_factory=lambda: {"enterprise": 1.0, "business": 0.8, "pro": 0.6, "free": 0.3}
    )
    lifecycle_weights: dict[str, float] = Field(
        default_factory=lambda: {"lead": 0.9, "trial": 0.9, "customer": 0.7, "churned": 0.5}
    )
    training: str | None = Field(
        default=None, description="JSONL training file, relative to the policy file"
    )


class IntentConfig(Strict):
    """An intent the policy knows: what reason it raises and where it goes."""

    reason: ReasonCode | None = None
    queue: str | None = None
    topic: str | None = None
    description: str = ""
    examples: tuple[str, ...] = ()
    next_best_action: str | None = None


class SlaConfig(Strict):
    first_response_minutes: int = Field(default=60, ge=1)
    next_response_minutes: int = Field(default=240, ge=1)
    resolution_minutes: int = Field(default=24 * 60, ge=1)
    clock: Literal["business", "calendar"] = "business"
    warn_at: float = Field(default=0.8, gt=0.0, lt=1.0)


class QueueConfig(Strict):
    name: str = Field(pattern=_NAME)
    description: str = ""
    calendar: str | None = None
    sla: SlaConfig = Field(default_factory=SlaConfig)
    urgent_sla: SlaConfig | None = None
    channels: tuple[Channel, ...] = (Channel.CHAT, Channel.EMAIL)
    max_chat_wait_seconds: int = Field(default=300, ge=0)
    offer_timeout_seconds: int = Field(default=120, ge=5)
    skills: tuple[str, ...] = ()
    meeting_link: str | None = None


class Match(Strict):
    """All given lists must match (AND); within a list any value matches (OR)."""

    intents: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    reasons: tuple[ReasonCode, ...] = ()
    tiers: tuple[str, ...] = ()
    lifecycle_stages: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()


class RoutingRule(Strict):
    name: str
    queue: str
    match: Match


class CalendarConfig(Strict):
    timezone: str = "UTC"
    weekly: dict[Weekday, tuple[str, ...]] = Field(default_factory=dict)
    holidays: tuple[date, ...] = ()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("weekly")
    @classmethod
    def _spans(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        for day, spans in value.items():
            for span in spans:
                if not _SPAN.match(span) or span[:5] >= span[6:]:
                    raise ValueError(f"{day}: {span!r} is not a span like '09:00-17:30'")
        return value


class ChannelsConfig(Strict):
    chat_max_wait_seconds: int = Field(default=300, ge=0)
    meeting_link_template: str = "https://cal.example.com/{queue}?ref={handoff_id}"
    callback: bool = False


class IdentifierPattern(Strict):
    kind: str = Field(pattern=_NAME)
    pattern: str

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from exc
        return value


class RedactionConfig(Strict):
    card_numbers: bool = True
    national_ids: bool = True
    secrets: bool = True


class ReplyTemplate(Strict):
    """A suggested reply; `{field}` names are filled from the brief, and it applies when all
    given lists match (empty lists match anything)."""

    name: str = Field(pattern=_NAME)
    text: str = Field(min_length=1, max_length=2000)
    reasons: tuple[ReasonCode, ...] = ()
    topics: tuple[str, ...] = ()
    intents: tuple[str, ...] = ()


def _default_replies() -> tuple[ReplyTemplate, ...]:
    return (
        ReplyTemplate(
            name="greeting",
            text="Hi {customer_name}, I'm {agent_name} and I have your conversation so far, "
            "so there's no need to repeat anything. Give me a moment to look into it.",
        ),
    )


_DEFAULT_RESOLUTION_CODES = (
    "solved",
    "workaround",
    "information_given",
    "refund_issued",
    "account_changed",
    "escalated_externally",
    "duplicate",
    "customer_unresponsive",
)


class DeskConfig(Strict):
    """What the agent console offers: suggested replies and the codes a case is resolved with."""

    replies: tuple[ReplyTemplate, ...] = Field(default_factory=_default_replies)
    resolution_codes: tuple[str, ...] = Field(default=_DEFAULT_RESOLUTION_CODES, min_length=1)


class Policy(Strict):
    """A validated, immutable policy: what Baton escalates, how, and where it sends it."""

    version: Literal[1] = 1
    name: str = "default"
    triggers: dict[ReasonCode, TriggerConfig] = Field(default_factory=_default_triggers)
    detect: DetectConfig = Field(default_factory=DetectConfig)
    intents: dict[str, IntentConfig] = Field(default_factory=dict)
    queues: tuple[QueueConfig, ...]
    routing: tuple[RoutingRule, ...] = ()
    default_queue: str
    calendars: dict[str, CalendarConfig] = Field(default_factory=dict)
    channels: ChannelsConfig = Field(default_factory=ChannelsConfig)
    identifiers: tuple[IdentifierPattern, ...] = ()
    redaction: RedactionConfig = Field(default_factory=RedactionConfig)
    desk: DeskConfig = Field(default_factory=DeskConfig)

    @model_validator(mode="after")
    def _references_exist(self) -> Policy:
        names = {q.name for q in self.queues}
        if len(names) != len(self.queues):
            raise ValueError("queues: two queues share a name")
        if self.default_queue not in names:
            raise ValueError(f"default_queue: {self.default_queue!r} is not a queue")
        for rule in self.routing:
            if rule.queue not in names:
                raise ValueError(f"routing: rule {rule.name!r} names unknown queue {rule.queue!r}")
        for intent, config in self.intents.items():
            if config.queue is not None and config.queue not in names:
                raise ValueError(f"intents.{intent}.queue: {config.queue!r} is not a queue")
        for queue in self.queues:
            if queue.calendar is not None and queue.calendar not in self.calendars:
                raise ValueError(
                    f"queues: {queue.name!r} names unknown calendar {queue.calendar!r}"
                )
        return self

    def queue(self, name: str) -> QueueConfig:
        for queue in self.queues:
            if queue.name == name:
                return queue
        raise KeyError(name)

    def trigger(self, code: ReasonCode) -> TriggerConfig:
        return self.triggers.get(code) or _default_triggers()[code]
