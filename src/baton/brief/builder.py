"""Prepare: build the case brief the agent reads first, as a pure function of its inputs.

Redaction comes first, so nothing after it (identifiers, the summarizer, an LLM prompt, the
renderings, the ticket) ever sees a full card number, national ID or secret.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from datetime import datetime

from baton.brief.actions import issue_label, next_best_action
from baton.brief.entities import Extractor, unique
from baton.brief.reading import Reading, read_case
from baton.brief.redaction import Redactor, redact_conversation, redact_decision, redactor_for
from baton.brief.render import render_text
from baton.brief.summarize import ExtractiveSummarizer, Summarizer, Summary, SummaryRequest
from baton.brief.tickets import ticket_fields
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
from baton.route.queues import choose_queue

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 20
_EXTRACTIVE = ExtractiveSummarizer()
_PENDING = TicketFields(subject="", description="", category="", priority="")


def build_brief(
    *,
    conversation: Conversation,
    decision: Decision,
    policy: Policy,
    now: datetime,
    summarizer: Summarizer | None = None,
    readings: Sequence[Reading] = (),
    opened_at: str | None = None,
) -> Brief:
    """The brief for a conversation the detector escalated; `summarizer` defaults to extractive.

    `readings` are the detector's decisions on the episode's turns (the last turn's is
    `decision` when none are given): the case's intent, topic and mood come from them.
    `opened_at` is the turn that opened the case (the last one when unset): later turns are
    the agent phase, and what the bot did is counted only before it.
    """
    redactor = redactor_for(policy.redaction)
    safe, masked = redact_conversation(conversation, redactor)
    decision = redact_decision(decision, redactor)
    last = safe.turns[-1].turn_id if safe.turns else None
    case = read_case(readings or ((Reading(last, decision),) if last else ()), policy)
    intent = case.intent or decision.intent or _last_bot_intent(safe)
    config = policy.intents.get(intent or "")
    topic = case.topic or (config.topic if config else None) or decision.topic
    decision = decision.model_copy(
        update={
            "intent": intent,
            "topic": topic,
            "sentiment": (case.sentiment if readings else None) or decision.sentiment,
        }
    )
    opened_at = opened_at or last
    identifiers = find_identifiers(safe, policy, masked)
    attempted = tuple(_attempts(_bot_phase(safe, opened_at)))[-MAX_ATTEMPTS:]
    request = SummaryRequest(
        conversation=safe,
        decision=decision,
        identifiers=identifiers,
        attempted=attempted,
        intent=intent,
        topic=topic,
        max_lines=policy.brief.max_summary_lines,
        now=now,
        focus_turn_id=case.turn_id,
        opened_at=opened_at,
    )
    summary = _summarize(summarizer, request, redactor)
    brief = Brief(
        summary="\n".join(summary.lines),
        summary_source=summary.source,
        intent=intent,
        desired_outcome=summary.desired_outcome,
        topic=topic,
        urgency=decision.urgency,
        sentiment=decision.sentiment,
        identifiers=identifiers,
        attempted=attempted,
        reasons=decision.reasons,
        next_best_action="",
        ticket_fields=_PENDING,
        transcript=tuple(
            TranscriptLine(turn_id=t.turn_id, role=t.role, text=t.text, sent_at=t.sent_at)
            for t in safe.turns
        ),
        opened_at_turn=opened_at,
    )
    return _finish(brief, safe, policy, redactor)


def _bot_phase(conversation: Conversation, opened_at: str | None) -> Conversation:
    """The turns up to the one that opened the case: what the bot did, not the agent phase."""
    ids = [t.turn_id for t in conversation.turns]
    if opened_at not in ids:
        return conversation
    return conversation.model_copy(update={"turns": conversation.turns[: ids.index(opened_at) + 1]})


def _finish(brief: Brief, safe: Conversation, policy: Policy, redactor: Redactor) -> Brief:
    """The parts that read the rest of the brief: the next best action, then the ticket."""
    queue, _rule = choose_queue(brief=brief, customer=safe.customer, policy=policy)
    step, action = next_best_action(brief=brief, customer=safe.customer, queue=queue, policy=policy)
    brief = brief.model_copy(
        update={"next_best_action": redactor.text(action), "next_action_step": step}
    )
    fields = ticket_fields(
        brief=brief,
        description=render_text(brief),
        conversation_id=safe.id,
        customer=safe.customer,
        queue=queue,
        config=policy.brief.tickets,
        issue=issue_label(brief.intent, policy),
    )
    return brief.model_copy(update={"ticket_fields": fields})


def find_identifiers(
    conversation: Conversation, policy: Policy, masked: tuple[Identifier, ...] = ()
) -> tuple[Identifier, ...]:
    """Every identifier in the customer block, the metadata and the customer's turns, once each."""
    customer = conversation.customer
    region = (customer.region if customer else None) or policy.brief.default_region
    extractor = Extractor(policy.identifiers, region)
    return unique(_sightings(conversation, extractor, masked))


def _sightings(
    conversation: Conversation, extractor: Extractor, masked: tuple[Identifier, ...]
) -> Iterator[Identifier]:
    if conversation.customer is not None:
        yield from extractor.from_customer(conversation.customer)
    yield from extractor.from_metadata(conversation.metadata, "metadata")
    yield from masked
    for turn in conversation.turns:
        if turn.role is Role.USER:
            yield from extractor.from_text(turn.text, f"turn:{turn.turn_id}")
        if turn.metadata:
            yield from extractor.from_metadata(turn.metadata, f"turn:{turn.turn_id}.metadata")


def _summarize(
    summarizer: Summarizer | None, request: SummaryRequest, redactor: Redactor
) -> Summary:
    """A summarizer that raises or overruns still yields a brief: the extractive one."""
    summary: Summary | None = None
    if summarizer is not None:
        try:
            summary = summarizer.summarize(request)
        except Exception:  # a broken plug-in must not lose the case
            log.exception("summarizer %s failed; using the extractive summary", type(summarizer))
    summary = summary or _EXTRACTIVE.summarize(request)
    lines = tuple(redactor.text(line) for line in summary.lines[: request.max_lines])
    return summary.model_copy(
        update={"lines": lines, "desired_outcome": redactor.text(summary.desired_outcome)}
    )


def _last_bot_intent(conversation: Conversation) -> str | None:
    for turn in reversed(conversation.turns):
        if turn.bot is not None and turn.bot.intent:
            return turn.bot.intent
    return None


def _attempts(conversation: Conversation) -> Iterator[Attempt]:
    """What the bot did: its actions and results, and the answers that fell back or were blocked."""
    for turn in conversation.turns:
        signal = turn.bot
        if signal is None:
            continue
        if signal.action:
            yield Attempt(action=signal.action, result=signal.action_result, turn_id=turn.turn_id)
        elif signal.fallback or signal.policy_block:
            what = f"answer {signal.intent}" if signal.intent else "answer"
            result = "blocked by policy" if signal.policy_block else "fell back"
            yield Attempt(action=what, result=result, turn_id=turn.turn_id)
