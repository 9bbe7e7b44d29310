"""Ticket fields: a help-desk ticket pre-filled from the brief, and its shape in HubSpot, Zendesk or
Salesforce through the policy's field mappings."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from baton.brief.actions import references
from baton.domain import Brief, Customer, TicketFields, Urgency
from baton.policy.schema import TicketsConfig, TicketSystem

SUBJECT_CHARS = 120
DESCRIPTION_CHARS = 30_000
_BRACKET = re.compile(r"^(\w+)\[(\w+)\]$")
_BREAKS = frozenset({"Cc", "Zl", "Zp"})


def single_line(text: str) -> str:
    """`text` fit for a header or a subject: control and line-separator characters (CR, LF, NUL,
    U+2028, ...) become spaces and runs of spaces one, so a bot's `intent` cannot add a header."""
    cleaned = "".join(" " if unicodedata.category(c) in _BREAKS else c for c in text)
    return " ".join(cleaned.split())


def ticket_fields(
    *,
    brief: Brief,
    description: str,
    conversation_id: str,
    customer: Customer | None,
    queue: str,
    config: TicketsConfig,
    issue: str,
) -> TicketFields:
    """Subject (the issue in the agent's words, never the customer's message; one line, so it is
    safe in an e-mail header), description (the brief as text), category, priority, requester,
    tags, custom."""
    label = single_line((brief.topic or brief.intent or "support").replace("_", " ")).capitalize()
    subject = f"{label}: {single_line(issue + references(brief))}" if issue else label
    if len(subject) > SUBJECT_CHARS:
        subject = subject[: SUBJECT_CHARS - 1].rstrip() + "…"
    first = _first_by_kind(brief)
    email = first.get("email") or (customer.email if customer else None)
    tags = [*config.tags, *(r.code.value for r in brief.reasons), brief.intent, brief.topic]
    custom: dict[str, Any] = {
        "conversation_id": conversation_id,
        "queue": queue,
        "intent": brief.intent,
        "topic": brief.topic,
        "reasons": ",".join(r.code.value for r in brief.reasons),
        "urgency": brief.urgency.value,
        "sentiment": brief.sentiment.label if brief.sentiment else None,
        **first,
    }
    return TicketFields(
        subject=single_line(subject),
        description=description[:DESCRIPTION_CHARS],
        category=brief.topic or brief.intent or "general",
        priority=brief.urgency.value,
        requester=customer.name if customer else None,
        requester_email=email,
        tags=tuple(dict.fromkeys(_tag(t) for t in tags if t)),
        custom={k: v for k, v in custom.items() if v is not None},
    )


def ticket_payload(fields: TicketFields, system: TicketSystem) -> dict[str, Any]:
    """The ticket in one system's own field names, ready to POST to its API."""
    values: dict[str, Any] = {
        "subject": fields.subject,
        "description": fields.description,
        "category": _category(fields.category, system),
        "priority": _priority(fields.priority, system),
        "requester": fields.requester,
        "requester_email": fields.requester_email,
        "tags": list(fields.tags),
        **{f"custom.{k}": v for k, v in fields.custom.items()},
    }
    payload: dict[str, Any] = {}
    for path, constant in system.constants.items():
        _put(payload, path, constant)
    for name, path in system.fields.items():
        if values.get(name) is not None:
            _put(payload, path, values[name])
    return payload


def _first_by_kind(brief: Brief) -> dict[str, str]:
    first: dict[str, str] = {}
    for identifier in brief.identifiers:
        first.setdefault(identifier.kind, identifier.value)
    return first


def _tag(value: str) -> str:
    return re.sub(r"[^a-z0-9_\-]+", "_", value.lower()).strip("_")[:64]


def _category(category: str, system: TicketSystem) -> str | None:
    if not system.categories:
        return category
    return system.categories.get(category, system.categories.get("*"))


def _priority(priority: str, system: TicketSystem) -> str:
    try:
        return system.priorities.get(Urgency(priority), priority)
    except ValueError:
        return priority


def _put(payload: dict[str, Any], path: str, value: Any) -> None:
    """Set `a.b.c` in nested dicts; `custom_fields[ID]` appends `{"id": ID, "value": value}`."""
    *parents, leaf = path.split(".")
    node = payload
    for part in parents:
        node = node.setdefault(part, {})
    bracket = _BRACKET.match(leaf)
    if bracket is None:
        node[leaf] = value
        return
    name, key = bracket.groups()
    item_id: int | str = int(key) if key.isdigit() else key
    node.setdefault(name, []).append({"id": item_id, "value": value})
