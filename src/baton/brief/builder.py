"""Prepare: build the case brief the agent reads first, as a pure function."""

from __future__ import annotations

import re
from datetime import datetime

from baton.domain import (
    Attempt,
    Brief,
    Conversation,
    Decision,
    Identifier,
    Role,
    TicketFields,
    TranscriptLine,
)
from baton.policy import Policy

_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")


def _identifiers(conversation: Conversation, policy: Policy) -> tuple[Identifier, ...]:
    found: dict[tuple[str, str], Identifier] = {}
    customer = conversation.customer
    if customer is not None:
        for kind, value in (("email", customer.email), ("customer_id", customer.id)):
            if value:
                found[(kind, value)] = Identifier(kind=kind, value=value, source="customer")
    for turn in conversation.turns:
        if turn.role is not Role.USER:
            continue
        for match in _EMAIL.finditer(turn.text):
            key = ("email", match.group(0).lower())
            found.setdefault(
                key, Identifier(kind="email", value=key[1], source=f"turn:{turn.turn_id}")
            )
        for pattern in policy.identifiers:
            for match in re.finditer(pattern.pattern, turn.text, re.IGNORECASE):
                value = match.group(1) if match.groups() else match.group(0)
                found.setdefault(
                    (pattern.kind, value),
                    Identifier(kind=pattern.kind, value=value, source=f"turn:{turn.turn_id}"),
                )
    return tuple(found.values())


def build_brief(
    *, conversation: Conversation, decision: Decision, policy: Policy, now: datetime
) -> Brief:
    """The brief for a conversation the detector escalated."""
    user_texts = [t.text for t in conversation.user_turns]
    ask = user_texts[-1] if user_texts else ""
    attempted = tuple(
        Attempt(action=t.bot.action, result=t.bot.action_result, turn_id=t.turn_id)
        for t in conversation.turns
        if t.bot is not None and t.bot.action
    )
    reasons = ", ".join(r.code.value for r in decision.reasons) or "none"
    lines = [
        f"Customer asks: {ask[:200]}",
        f"Escalated because: {reasons}.",
        f"Intent: {decision.intent or 'unknown'}.",
        f"The bot tried {len(attempted)} action(s)." if attempted else "The bot took no action.",
    ]
    intent_config = policy.intents.get(decision.intent or "")
    next_action = (
        intent_config.next_best_action
        if intent_config and intent_config.next_best_action
        else "Read the summary, confirm the request with the customer, and resolve it."
    )
    name = conversation.customer.name if conversation.customer else None
    return Brief(
        summary="\n".join(lines),
        intent=decision.intent,
        desired_outcome=ask[:200],
        topic=decision.topic,
        urgency=decision.urgency,
        sentiment=decision.sentiment,
        identifiers=_identifiers(conversation, policy),
        attempted=attempted,
        reasons=decision.reasons,
        next_best_action=next_action,
        ticket_fields=TicketFields(
            subject=(ask[:80] or "Conversation handed off"),
            description="\n".join(lines),
            category=decision.topic or decision.intent or "general",
            priority=decision.urgency.value,
            requester=name,
        ),
        transcript=tuple(
            TranscriptLine(turn_id=t.turn_id, role=t.role, text=t.text, sent_at=t.sent_at)
            for t in conversation.turns
        ),
    )
