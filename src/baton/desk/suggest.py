"""Suggested replies: the policy's templates and the knowledge base's, filled from the brief.

A template names brief fields as `{field}`; one whose fields the brief lacks is not suggested,
so an agent never sends a customer a literal `{order}`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from baton.desk.knowledge import Hit
from baton.domain import Brief
from baton.policy import Policy, ReplyTemplate

_FIELD = re.compile(r"\{([a-z_]{1,40})\}")


@dataclass(frozen=True)
class Suggestion:
    text: str
    source: str


def fields_from(brief: Brief, *, agent_name: str, queue: str) -> dict[str, str]:
    """The values a template may use: names, the queue, the topic and the brief's identifiers."""
    requester = (brief.ticket_fields.requester or "").strip()
    values = {
        "customer_name": requester.split()[0] if requester else "there",
        "agent_name": agent_name,
        "queue": queue,
        "subject": brief.ticket_fields.subject,
        "desired_outcome": brief.desired_outcome,
        "urgency": brief.urgency.value,
    }
    if brief.topic:
        values["topic"] = brief.topic
    if brief.intent:
        values["intent"] = brief.intent.replace("_", " ")
    for identifier in brief.identifiers:
        values.setdefault(identifier.kind, identifier.value)
    return values


def fill(template: str, values: Mapping[str, str]) -> str | None:
    """The template with its fields filled, or None when one is missing."""
    missing = [name for name in _FIELD.findall(template) if not values.get(name)]
    if missing:
        return None
    return _FIELD.sub(lambda m: values[m.group(1)], template).strip()


def _applies(template: ReplyTemplate, brief: Brief) -> bool:
    codes = {r.code for r in brief.reasons}
    if template.reasons and not codes.intersection(template.reasons):
        return False
    if template.topics and brief.topic not in template.topics:
        return False
    return not (template.intents and brief.intent not in template.intents)


def suggest(
    *,
    brief: Brief,
    policy: Policy,
    knowledge: Iterable[Hit],
    agent_name: str,
    queue: str,
    limit: int = 5,
) -> list[Suggestion]:
    """Replies for this case: the brief's own, the policy's matching templates, then the KB's."""
    values = fields_from(brief, agent_name=agent_name, queue=queue)
    candidates: list[tuple[str, str]] = [(text, "brief") for text in brief.suggested_replies]
    candidates += [(t.text, f"policy:{t.name}") for t in policy.desk.replies if _applies(t, brief)]
    candidates += [(hit.reply, f"kb:{hit.slug}") for hit in knowledge if hit.reply]
    out: list[Suggestion] = []
    seen: set[str] = set()
    for template, source in candidates:
        text = fill(template, values)
        if text and text not in seen:
            seen.add(text)
            out.append(Suggestion(text=text, source=source))
    return out[:limit]
