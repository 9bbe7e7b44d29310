"""The policy file's schema: every rule Baton follows is data here, validated with a named field."""

from __future__ import annotations

import re
import string
from datetime import date
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from baton.domain import Action, Channel, ReasonCode, Urgency

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
    next_best_action: str | None = Field(default=None, max_length=300)

    @field_validator("next_best_action")
    @classmethod
    def _check_template(cls, value: str | None) -> str | None:
        return None if value is None else _action_template(value)


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
        return _regex(value)


def _regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"not a regular expression: {exc}") from exc
    return value


class RedactionPattern(Strict):
    """An extra thing to redact; `keep_last` characters stay visible in the masked form."""

    kind: str = Field(pattern=_NAME)
    pattern: str
    keep_last: int = Field(default=0, ge=0, le=6)
    identifier: bool = Field(default=False, description="keep the masked form as an identifier")

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        return _regex(value)


class RedactionConfig(Strict):
    """What never reaches the brief, the console or a webhook in full."""

    card_numbers: bool = True
    national_ids: bool = True
    secrets: bool = True
    patterns: tuple[RedactionPattern, ...] = ()


def _action_template(value: str) -> str:
    """A next-best-action sentence: `{name}` placeholders only, no attribute or index access."""
    try:
        parts = list(string.Formatter().parse(value))
    except ValueError as exc:
        raise ValueError(f"not a template: {exc}") from exc
    for _text, name, spec, conversion in parts:
        if name is not None and (not re.fullmatch(r"[a-z_][a-z0-9_]*", name) or spec or conversion):
            raise ValueError(f"placeholder {{{name}}} must be a plain lower-case name")
    return value


class ActionMatch(Strict):
    """All given lists must match (AND); within a list any value matches (OR)."""

    intents: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    reasons: tuple[ReasonCode, ...] = ()
    queues: tuple[str, ...] = ()


class NextActionRule(Strict):
    """One sentence for the agent, chosen by reason, intent, topic or queue; first match wins."""

    name: str
    match: ActionMatch = Field(default_factory=ActionMatch)
    action: str = Field(min_length=1, max_length=300)

    @field_validator("action")
    @classmethod
    def _check_template(cls, value: str) -> str:
        return _action_template(value)


class TicketSystem(Strict):
    """How a brief's ticket fields land in one help desk or CRM's own field names.

    `fields` maps a Baton field (`subject`, `description`, `category`, `priority`, `requester`,
    `requester_email`, `tags`, `custom.<name>`) to a dotted target path; `custom_fields[ID]` appends
    `{"id": ID, "value": ...}` to a list, as Zendesk wants.
    """

    fields: dict[str, str]
    priorities: dict[Urgency, str] = Field(default_factory=dict)
    categories: dict[str, str] = Field(
        default_factory=dict, description="category -> the system's value; '*' for the rest"
    )
    constants: dict[str, str] = Field(default_factory=dict)


def _default_ticket_systems() -> dict[str, TicketSystem]:
    return {
        "zendesk": TicketSystem(
            fields={
                "subject": "ticket.subject",
                "description": "ticket.comment.body",
                "priority": "ticket.priority",
                "requester": "ticket.requester.name",
                "requester_email": "ticket.requester.email",
                "tags": "ticket.tags",
            },
            priorities={
                Urgency.LOW: "low",
                Urgency.NORMAL: "normal",
                Urgency.HIGH: "high",
                Urgency.CRITICAL: "urgent",
            },
        ),
        "hubspot": TicketSystem(
            fields={
                "subject": "properties.subject",
                "description": "properties.content",
                "priority": "properties.hs_ticket_priority",
                "category": "properties.hs_ticket_category",
            },
            priorities={
                Urgency.LOW: "LOW",
                Urgency.NORMAL: "MEDIUM",
                Urgency.HIGH: "HIGH",
                Urgency.CRITICAL: "URGENT",
            },
            categories={"*": "GENERAL_INQUIRY"},
            constants={"properties.hs_pipeline": "0", "properties.hs_pipeline_stage": "1"},
        ),
        "salesforce": TicketSystem(
            fields={
                "subject": "Subject",
                "description": "Description",
                "priority": "Priority",
                "requester": "SuppliedName",
                "requester_email": "SuppliedEmail",
                "custom.phone": "SuppliedPhone",
            },
            priorities={
                Urgency.LOW: "Low",
                Urgency.NORMAL: "Medium",
                Urgency.HIGH: "High",
                Urgency.CRITICAL: "High",
            },
            constants={"Origin": "Chat"},
        ),
    }


class TicketsConfig(Strict):
    tags: tuple[str, ...] = ("baton",)
    systems: dict[str, TicketSystem] = Field(default_factory=_default_ticket_systems)


class BriefConfig(Strict):
    """How the case brief is written: summary length, next best actions, ticket fields."""

    default_region: str | None = Field(
        default=None,
        min_length=2,
        max_length=2,
        description="phone region when the customer's is unknown",
    )
    max_summary_lines: int = Field(default=10, ge=5, le=10)
    next_best_actions: tuple[NextActionRule, ...] = ()
    fallback_action: str = Field(
        default="Read the summary, confirm the request with {customer} and resolve it: {want}",
        max_length=300,
    )
    tickets: TicketsConfig = Field(default_factory=TicketsConfig)

    @field_validator("fallback_action")
    @classmethod
    def _check_template(cls, value: str) -> str:
        return _action_template(value)


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
    "kb_answer",
    "refund_issued",
    "account_changed",
    "meeting_booked",
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
    brief: BriefConfig = Field(default_factory=BriefConfig)

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
        for action in self.brief.next_best_actions:
            for queue_name in action.match.queues:
                if queue_name not in names:
                    raise ValueError(
                        f"brief.next_best_actions: rule {action.name!r} names unknown queue "
                        f"{queue_name!r}"
                    )
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
