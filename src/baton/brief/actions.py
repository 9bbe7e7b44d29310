"""The next best action: one sentence for the agent, from the policy's rules and the brief."""

from __future__ import annotations

from baton.domain import Brief, Customer, ReasonCode
from baton.policy.schema import ActionMatch, Policy

_REASON_PHRASES = {
    ReasonCode.HUMAN_REQUESTED: "they asked for a person",
    ReasonCode.LOW_CONFIDENCE: "the bot was unsure",
    ReasonCode.REPEATED_FAILURE: "the bot kept failing",
    ReasonCode.POLICY_RESTRICTED: "the topic is restricted",
    ReasonCode.IDENTITY_REQUIRED: "identity must be verified",
    ReasonCode.HIGH_VALUE_INTENT: "it is a high-value request",
    ReasonCode.NEGATIVE_SENTIMENT: "they are upset",
    ReasonCode.URGENT: "it is urgent",
}


class _Fill(dict[str, str]):
    """Template values; a placeholder the brief cannot fill reads as 'unknown'."""

    def __missing__(self, key: str) -> str:
        return "unknown"


def _matches(match: ActionMatch, brief: Brief, queue: str) -> bool:
    codes = {r.code for r in brief.reasons}
    checks = (
        (match.intents, {brief.intent}),
        (match.topics, {brief.topic}),
        (match.reasons, codes),
        (match.queues, {queue}),
    )
    return all(not wanted or bool(set(wanted) & have) for wanted, have in checks)


def fill_values(brief: Brief, customer: Customer | None, queue: str) -> dict[str, str]:
    """What a next-best-action template may name: `{customer}`, `{want}`, `{order}`, ..."""
    values = _Fill(
        customer=(customer.name if customer and customer.name else "the customer"),
        want=brief.desired_outcome.rstrip(".!? ") or "their request",
        intent=(brief.intent or "unknown").replace("_", " "),
        topic=brief.topic or "this request",
        queue=queue,
        reason=_REASON_PHRASES[brief.reasons[0].code] if brief.reasons else "it was escalated",
        urgency=brief.urgency.value,
        identifiers=", ".join(f"{i.kind} {i.value}" for i in brief.identifiers[:4]) or "none",
        attempts=str(len(brief.attempted)),
    )
    for identifier in brief.identifiers:
        values.setdefault(identifier.kind, identifier.value)
    return values


def next_best_action(*, brief: Brief, customer: Customer | None, queue: str, policy: Policy) -> str:
    """The intent's own sentence, else the first matching policy rule, else the fallback."""
    intent = policy.intents.get(brief.intent or "")
    template = intent.next_best_action if intent is not None else None
    if template is None:
        rule = next(
            (r for r in policy.brief.next_best_actions if _matches(r.match, brief, queue)), None
        )
        template = rule.action if rule is not None else policy.brief.fallback_action
    return template.format_map(fill_values(brief, customer, queue))
