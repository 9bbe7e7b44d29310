"""One handoff's KPI facts, derived purely from its event log and its current labels.

Definitions (the same ones docs/learn.md gives):
- opened: the first event (an offer or the case entering a queue); the fact's day and period.
- time to human: the first `created` -> the first `accepted`.
- time to first action: the first `created` -> the first agent `replied` or `resolved`.
- handle time: the first `accepted` -> the last `resolved`.
- reached a person: an `accepted` or agent `replied` event; abandoned: a case (it had a
  `created` event) with an `abandoned` event and no person reached (an ignored offer is not one).
- SLA met: the first action came by `first_response_due`; missed when it came later, or an
  `sla_breached` event (other than a resolution breach) or an abandon came after the due time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from baton.learn.asks import repeat_asks
from baton.lifecycle import EventType

UNRESOLVED_OUTCOMES = frozenset({"unresolved", "not_resolved"})
MEETING_BOOKED = "meeting_booked"
NO_VALUE = "none"


@dataclass(frozen=True, slots=True)
class EventView:
    id: int
    type: str
    at: datetime
    actor: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class HandoffView:
    """What the facts need of a handoff row besides its events."""

    id: str
    conversation_id: str
    queue: str
    primary_reason: str | None
    channel: str | None
    identifiers: tuple[tuple[str, str], ...] = ()
    first_response_due: datetime | None = None
    tenant_id: str = "default"
    necessary: bool | None = None
    csat: int | None = None
    resolution_code: str | None = None
    outcome: str | None = None


@dataclass(slots=True)
class Fact:
    """The columns of `handoff_facts`; flags are 0/1 so sums add up on every engine."""

    handoff_id: str
    conversation_id: str
    queue: str
    reason: str
    channel: str
    day: date
    opened_at: datetime
    tenant_id: str = "default"
    offered: int = 0
    declined: int = 0
    created: int = 0
    reached: int = 0
    abandoned: int = 0
    resolved: int = 0
    transferred: int = 0
    time_to_human_s: float | None = None
    first_action_s: float | None = None
    handle_s: float | None = None
    necessary: int | None = None
    csat: int | None = None
    sla_met: int | None = None
    replies: int = 0
    repeat_asks: int = 0
    meeting: int = 0
    first_reach: int = 0
    last_event_id: int = 0

    def as_row(self) -> dict[str, Any]:
        return asdict(self)


def _first(events: Sequence[EventView], *types: EventType) -> EventView | None:
    wanted = {t.value for t in types}
    return next((e for e in events if e.type in wanted), None)


def _seconds(start: EventView | None, end: EventView | None) -> float | None:
    if start is None or end is None or end.at < start.at:
        return None
    return (end.at - start.at).total_seconds()


def reply_text(event: EventView) -> str:
    """The agent's words in a `replied` event (`text`, or `body`/`message` from older writers)."""
    for key in ("text", "body", "message"):
        value = event.data.get(key)
        if isinstance(value, str):
            return value
    return ""


def _sla_met(
    handoff: HandoffView, events: Sequence[EventView], first_action: EventView | None
) -> int | None:
    due = handoff.first_response_due
    if due is None:
        return None
    if first_action is not None:
        return int(first_action.at <= due)
    breached = any(
        e.type == EventType.SLA_BREACHED.value and e.data.get("kind") != "resolution"
        for e in events
    )
    abandoned = _first(events, EventType.ABANDONED)
    if breached or (abandoned is not None and abandoned.at > due):
        return 0
    return None


def _label(handoff: HandoffView, events: Sequence[EventView]) -> int | None:
    if handoff.necessary is not None:
        return int(handoff.necessary)
    labels = [e for e in events if e.type == EventType.LABELLED.value and "necessary" in e.data]
    return int(bool(labels[-1].data["necessary"])) if labels else None


def _csat(handoff: HandoffView, events: Sequence[EventView]) -> int | None:
    if handoff.csat is not None:
        return handoff.csat
    scores = [e for e in events if e.type == EventType.CSAT.value and "score" in e.data]
    return int(scores[-1].data["score"]) if scores else None


def derive_fact(
    handoff: HandoffView,
    events: Sequence[EventView],
    texts: Mapping[int, str] | None = None,
) -> Fact | None:
    """The fact row for one handoff; None while it has no events. `texts` fills in reply texts."""
    if not events:
        return None
    events = sorted(events, key=lambda e: e.id)
    created = _first(events, EventType.CREATED)
    accepted = _first(events, EventType.ACCEPTED)
    first_action = _first(events, EventType.REPLIED, EventType.RESOLVED)
    resolved = [e for e in events if e.type == EventType.RESOLVED.value]
    replies = [e for e in events if e.type == EventType.REPLIED.value]
    opened = events[0]
    asks = sum(
        1
        for e in replies
        if repeat_asks((texts or {}).get(e.id) or reply_text(e), handoff.identifiers)
    )
    codes = {handoff.outcome, handoff.resolution_code}
    meeting = MEETING_BOOKED in codes or any(e.data.get(MEETING_BOOKED) is True for e in events)
    reached = accepted is not None or bool(replies)
    return Fact(
        handoff_id=handoff.id,
        tenant_id=handoff.tenant_id,
        conversation_id=handoff.conversation_id,
        queue=handoff.queue,
        reason=handoff.primary_reason or NO_VALUE,
        channel=handoff.channel or NO_VALUE,
        day=opened.at.astimezone(UTC).date(),
        opened_at=opened.at,
        offered=int(_first(events, EventType.OFFERED) is not None),
        declined=int(_first(events, EventType.DECLINED) is not None),
        created=int(created is not None),
        reached=int(reached),
        abandoned=int(
            created is not None and not reached and _first(events, EventType.ABANDONED) is not None
        ),
        resolved=int(bool(resolved) and handoff.outcome not in UNRESOLVED_OUTCOMES),
        transferred=sum(1 for e in events if e.type == EventType.TRANSFERRED.value),
        time_to_human_s=_seconds(created, accepted),
        first_action_s=_seconds(created, first_action if created else None),
        handle_s=_seconds(accepted, resolved[-1] if resolved else None),
        necessary=_label(handoff, events),
        csat=_csat(handoff, events),
        sla_met=_sla_met(handoff, events, first_action) if created else None,
        replies=len(replies),
        repeat_asks=asks,
        meeting=int(meeting),
        first_reach=int(reached),
        last_event_id=events[-1].id,
    )
