"""The next best action: the policy's playbook step for the case, with the case's facts filled in.

Never the customer's own words: `{want}` and `{issue}` name the issue (the intent's label), and
identifiers are values the brief found, so the agent reads an instruction, not a quotation.
"""

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


_REF_KINDS = ("order", "invoice", "booking", "ticket", "account")


def issue_label(intent: str | None, policy: Policy) -> str:
    """The issue in the agent's words: the intent's `label`, else its name read as words."""
    config = policy.intents.get(intent or "")
    if config is not None and config.label:
        return config.label
    return (intent or "their request").replace("_", " ").lower()


def references(brief: Brief) -> str:
    """' (order 558812)': the references the case gave, for a sentence or a subject."""
    refs = [f"{i.kind} {i.value}" for i in brief.identifiers if i.kind in _REF_KINDS][:2]
    return f" ({', '.join(refs)})" if refs else ""


def fill_values(brief: Brief, customer: Customer | None, queue: str, issue: str) -> dict[str, str]:
    """What a next-best-action template may name: `{customer}`, `{issue}`, `{order}`, ..."""
    values = _Fill(
        customer=(customer.name if customer and customer.name else "the customer"),
        issue=issue,
        want=issue,
        refs=references(brief),
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


def next_best_action(
    *, brief: Brief, customer: Customer | None, queue: str, policy: Policy
) -> tuple[str, str]:
    """The playbook step and its sentence: the intent's own, else the first matching rule,
    else the fallback (step `fallback`)."""
    intent = policy.intents.get(brief.intent or "")
    step, template = (brief.intent or "", intent.next_best_action) if intent else ("", None)
    if template is None:
        rule = next(
            (r for r in policy.brief.next_best_actions if _matches(r.match, brief, queue)), None
        )
        step, template = (
            (rule.name, rule.action) if rule else ("fallback", policy.brief.fallback_action)
        )
    values = fill_values(brief, customer, queue, issue_label(brief.intent, policy))
    return step, template.format_map(values)
