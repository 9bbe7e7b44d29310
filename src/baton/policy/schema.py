"""The policy file's schema: every rule Baton follows is data here, validated with a named field."""

from __future__ import annotations

import re
import string
from datetime import date, timedelta
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_lib
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from baton.domain import Action, Channel, ReasonCode, Urgency

_SPAN = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$")
_NAME = r"^[a-z][a-z0-9_\-]{0,63}$"
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$")
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
    encoder: str | None = Field(
        default=None,
        description="sentence encoder for encoder mode (a name exported with `baton encoder "
        "export`, or a folder holding model.onnx and tokenizer.json); unset = light mode",
    )
    expected_out_of_scope_share: float | None = Field(
        default=None,
        gt=0.0,
        lt=1.0,
        description="encoder mode: the share of traffic expected out of scope; moves the scope "
        "cut to the one that served that share best on public data (unset = the default cut, "
        "chosen for 18-60 %)",
    )
    scope_cut: float | None = Field(
        default=None,
        ge=0.0,
        le=1.5,
        description="encoder mode: an explicit scope cut (the mean cosine to the predicted "
        "intent's 3 nearest examples + 0.2 x its probability); wins over everything else",
    )

    @model_validator(mode="after")
    def _one_scope_setting(self) -> DetectConfig:
        if self.scope_cut is not None and self.expected_out_of_scope_share is not None:
            raise ValueError("set detect.scope_cut or detect.expected_out_of_scope_share, not both")
        return self


class IntentConfig(Strict):
    """An intent the policy knows: what reason it raises and where it goes."""

    reason: ReasonCode | None = None
    queue: str | None = None
    topic: str | None = None
    description: str = ""
    label: str | None = Field(
        default=None,
        max_length=120,
        description="the issue in an agent's words, e.g. 'a double charge'",
    )
    examples: tuple[str, ...] = ()
    next_best_action: str | None = Field(default=None, max_length=300)
    always_person: bool = False

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
    urgent_priority: int = Field(
        default=80, ge=0, le=100, description="priority from which `urgent_sla` applies"
    )


class Match(Strict):
    """All given lists must match (AND); within a list any value matches (OR)."""

    intents: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    reasons: tuple[ReasonCode, ...] = ()
    tiers: tuple[str, ...] = ()
    lifecycle_stages: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()

    @field_validator("languages")
    @classmethod
    def _language_tags(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for tag in value:
            if not _LANGUAGE.match(tag):
                raise ValueError(f"{tag!r} is not a lower-case language tag like 'en' or 'pt-br'")
        return value

    @model_validator(mode="after")
    def _not_empty(self) -> Match:
        if not any(self.conditions().values()):
            raise ValueError("a match needs at least one condition; default_queue catches the rest")
        return self

    def conditions(self) -> dict[str, frozenset[str]]:
        """Each field's accepted values; an empty set means 'any'."""
        return {
            name: frozenset(str(v) for v in getattr(self, name)) for name in type(self).model_fields
        }

    def covers(self, other: Match) -> bool:
        """True when every case `other` matches is matched by this one too."""
        mine, theirs = self.conditions(), other.conditions()
        return all(not mine[k] or (theirs[k] and theirs[k] <= mine[k]) for k in mine)


class RoutingRule(Strict):
    """A routing entry: cases that `match` go to `queue`; the first matching rule wins."""

    name: str = Field(pattern=_NAME)
    queue: str
    match: Match


class HolidaysConfig(Strict):
    """A calendar's days off: a country's (or subdivision's) public holidays, plus or minus dates.

    `holidays: [2026-12-25]` (explicit dates only) reads as `{extra: [2026-12-25]}`. The country's
    holidays come from the `holidays` package, which keeps them for every year, so a policy never
    lists next year's bank holidays by hand.
    """

    country: str | None = Field(default=None, description="ISO 3166-1 alpha-2 code, e.g. GB, US")
    subdivision: str | None = Field(default=None, description="e.g. ENG for England, CA for US-CA")
    extra: tuple[date, ...] = ()
    except_: tuple[date, ...] = Field(default=(), alias="except")

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    @model_validator(mode="before")
    @classmethod
    def _dates_alone(cls, value: object) -> object:
        return {"extra": value} if isinstance(value, list | tuple) else value

    @model_validator(mode="after")
    def _known_country(self) -> HolidaysConfig:
        if self.country is None:
            if self.subdivision is not None:
                raise ValueError("a subdivision needs its country")
            return self
        known = holidays_lib.list_supported_countries()
        if self.country not in known:
            raise ValueError(f"country: {self.country!r} is not a country code the holidays know")
        if self.subdivision is not None and self.subdivision not in known[self.country]:
            raise ValueError(
                f"subdivision: {self.subdivision!r} is not a subdivision of {self.country}"
            )
        return self

    def __contains__(self, day: object) -> bool:
        """Whether `day` (a local date) is a day off."""
        if not isinstance(day, date) or day in self.except_:
            return False
        return day in self.extra or (
            self.country is not None and day in _country_holidays(self.country, self.subdivision)
        )

    def upcoming(self, start: date, count: int) -> list[tuple[date, str]]:
        """The next `count` days off from `start` on (inclusive), with their names."""
        found: list[tuple[date, str]] = []
        day = start
        while len(found) < count and day <= start + timedelta(days=3 * 366):
            if day in self:
                found.append((day, _name(self, day)))
            day += timedelta(days=1)
        return found


def _name(config: HolidaysConfig, day: date) -> str:
    if config.country is not None and day not in config.extra:
        return str(_country_holidays(config.country, config.subdivision).get(day, "holiday"))
    return "extra day off"


@lru_cache(maxsize=64)
def _country_holidays(country: str, subdivision: str | None) -> holidays_lib.HolidayBase:
    return holidays_lib.country_holidays(country, subdiv=subdivision)


class CalendarConfig(Strict):
    timezone: str = "UTC"
    weekly: dict[Weekday, tuple[str, ...]] = Field(default_factory=dict)
    holidays: HolidaysConfig = Field(default_factory=HolidaysConfig)

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
        if not any(value.values()):
            raise ValueError("a calendar needs at least one opening span")
        return value


class ChannelsConfig(Strict):
    chat_max_wait_seconds: int = Field(default=300, ge=0)
    meeting_link_template: str = "https://cal.example.com/{queue}?ref={handoff_id}"
    callback: bool = False
    meeting_reasons: tuple[ReasonCode, ...] = Field(
        default=(ReasonCode.HIGH_VALUE_INTENT,),
        description="reasons that make a case complex enough to offer a meeting in any queue",
    )
    team_email: str | None = Field(
        default=None,
        max_length=254,
        pattern=r"^[^@\s]+@[^@\s]+$",
        description="where the team's notice of an e-mail handoff goes; a tenant's own policy "
        "sets its own (BATON_TEAM_EMAIL is the default tenant's fallback)",
    )


def _default_reason_weights() -> dict[ReasonCode, int]:
    return {
        ReasonCode.URGENT: 40,
        ReasonCode.POLICY_RESTRICTED: 15,
        ReasonCode.IDENTITY_REQUIRED: 15,
        ReasonCode.HIGH_VALUE_INTENT: 20,
        ReasonCode.NEGATIVE_SENTIMENT: 15,
        ReasonCode.REPEATED_FAILURE: 10,
        ReasonCode.HUMAN_REQUESTED: 10,
        ReasonCode.LOW_CONFIDENCE: 5,
    }


class PriorityConfig(Strict):
    """How a case's priority (0..100) is scored, and how waiting raises it so none starves."""

    reason_weights: dict[ReasonCode, int] = Field(default_factory=_default_reason_weights)
    urgency_weights: dict[Urgency, int] = Field(
        default_factory=lambda: {
            Urgency.LOW: 0,
            Urgency.NORMAL: 5,
            Urgency.HIGH: 15,
            Urgency.CRITICAL: 25,
        }
    )
    tier_points: int = Field(default=20, ge=0, le=100)
    sentiment_points: int = Field(default=10, ge=0, le=100)
    aging_seconds_per_point: int = Field(
        default=30, ge=1, description="waiting this long is worth one priority point"
    )
    breach_bump: int = Field(default=20, ge=0, le=100)
    bot_max: int = Field(
        default=50,
        ge=0,
        le=100,
        description="the highest priority a bot may ask for, so a prompt-injected bot cannot "
        "put its cases ahead of every queue",
    )


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


REASON_LABELS = {
    ReasonCode.HUMAN_REQUESTED: "Asked for a person",
    ReasonCode.LOW_CONFIDENCE: "Bot not confident",
    ReasonCode.REPEATED_FAILURE: "Bot kept failing",
    ReasonCode.POLICY_RESTRICTED: "Restricted topic",
    ReasonCode.IDENTITY_REQUIRED: "Needs identity check",
    ReasonCode.HIGH_VALUE_INTENT: "High-value request",
    ReasonCode.NEGATIVE_SENTIMENT: "Customer upset",
    ReasonCode.URGENT: "Urgent",
}


class LifecycleConfig(Strict):
    """When a handoff the customer walked away from is closed as `abandoned` (by the worker)."""

    offer_ignored_seconds: int = Field(
        default=1800, ge=60, description="an offer nobody answered is abandoned after this"
    )
    customer_silent_seconds: int = Field(
        default=4 * 3600,
        ge=60,
        description="an open case abandoned when the customer has not written for this long",
    )
    away_after_disconnect_seconds: int | None = Field(
        default=90,
        ge=10,
        description="an online agent with no live console this long is set away (null: never); "
        "their unaccepted offers go back to the queue",
    )
    away_after_idle_seconds: int | None = Field(
        default=None,
        ge=60,
        description="an online agent whose console is open but who has done nothing in it this "
        "long is set away (null, the default: never); their unaccepted offers go back",
    )
    reoffer_after_silent_seconds: int | None = Field(
        default=600,
        ge=30,
        description="an accepted case whose agent has not replied this long goes back to its "
        "queue for someone else (`handoff.reassigned`, cause `agent_silent`; null: never)",
    )


class DeskConfig(Strict):
    """What the agent console offers: suggested replies and the codes a case is resolved with."""

    replies: tuple[ReplyTemplate, ...] = Field(default_factory=_default_replies)
    resolution_codes: tuple[str, ...] = Field(default=_DEFAULT_RESOLUTION_CODES, min_length=1)
    follow_up_hours: int = Field(
        default=168,
        ge=0,
        le=8760,
        description="how long after a case is resolved an agent may open a follow-up linked to it",
    )
    reason_labels: dict[ReasonCode, str] = Field(
        default_factory=dict, description="what the console shows for a reason code"
    )

    def labels(self) -> dict[str, str]:
        """Every reason code's label: the policy's, else the shipped one."""
        return {
            code.value: self.reason_labels.get(code) or REASON_LABELS[code] for code in ReasonCode
        }


class RetentionConfig(Strict):
    """How long transcripts and customer fields are kept; the KPI facts are kept regardless."""

    days: int | None = Field(
        default=None,
        ge=1,
        le=36_500,
        description="a conversation idle this many days, with no open case, is erased by the "
        "worker (turns, customer fields, brief text); unset keeps everything",
    )


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
    priority: PriorityConfig = Field(default_factory=PriorityConfig)
    channels: ChannelsConfig = Field(default_factory=ChannelsConfig)
    identifiers: tuple[IdentifierPattern, ...] = ()
    redaction: RedactionConfig = Field(default_factory=RedactionConfig)
    desk: DeskConfig = Field(default_factory=DeskConfig)
    lifecycle: LifecycleConfig = Field(default_factory=LifecycleConfig)
    brief: BriefConfig = Field(default_factory=BriefConfig)
    retention: RetentionConfig = Field(default_factory=RetentionConfig)

    @model_validator(mode="after")
    def _references_exist(self) -> Policy:
        names = {q.name for q in self.queues}
        if len(names) != len(self.queues):
            raise ValueError("queues: two queues share a name")
        if self.default_queue not in names:
            raise ValueError(f"default_queue: {self.default_queue!r} is not a queue")
        _check_rules(self.routing, names)
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

    def has_queue(self, name: str) -> bool:
        return any(queue.name == name for queue in self.queues)

    def queue(self, name: str) -> QueueConfig:
        for queue in self.queues:
            if queue.name == name:
                return queue
        raise KeyError(name)

    def trigger(self, code: ReasonCode) -> TriggerConfig:
        return self.triggers.get(code) or _default_triggers()[code]


def _check_rules(rules: tuple[RoutingRule, ...], queues: set[str]) -> None:
    """Rules name known queues, have unique names, and none hides behind an earlier, wider one."""
    seen: set[str] = set()
    for index, rule in enumerate(rules):
        if rule.queue not in queues:
            raise ValueError(f"routing: rule {rule.name!r} names unknown queue {rule.queue!r}")
        if rule.name in seen:
            raise ValueError(f"routing: two rules are named {rule.name!r}")
        seen.add(rule.name)
        for earlier in rules[:index]:
            if earlier.match.covers(rule.match):
                raise ValueError(
                    f"routing: rule {rule.name!r} can never match: "
                    f"rule {earlier.name!r} above it catches every case it would"
                )
