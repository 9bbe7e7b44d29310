"""Which queue: the policy's rules in order (first match wins), the intent's queue, the default."""

from __future__ import annotations

from baton.domain import Brief, Customer
from baton.policy import Match, Policy


def _languages(customer: Customer | None) -> set[str | None]:
    """A customer writing 'pt-BR' matches rules for 'pt-br' and for 'pt'."""
    tag = (customer.language or "").lower().replace("_", "-") if customer else ""
    return {tag, tag.split("-")[0]} if tag else {None}


def matches(match: Match, brief: Brief, customer: Customer | None) -> bool:
    """Whether a rule's match holds for a case: every given list has one of the case's values."""
    checks = (
        (match.intents, {brief.intent}),
        (match.topics, {brief.topic}),
        (match.reasons, {r.code for r in brief.reasons}),
        (match.tiers, {customer.tier if customer else None}),
        (match.lifecycle_stages, {customer.lifecycle_stage if customer else None}),
        (match.languages, _languages(customer)),
    )
    return all(not wanted or bool(set(wanted) & have) for wanted, have in checks)


def choose_queue(*, brief: Brief, customer: Customer | None, policy: Policy) -> tuple[str, str]:
    """Return the queue and what chose it: the rule's name, 'intent:<name>' or 'default'."""
    for rule in policy.routing:
        if matches(rule.match, brief, customer):
            return rule.queue, rule.name
    intent = policy.intents.get(brief.intent or "")
    if intent is not None and intent.queue is not None:
        return intent.queue, f"intent:{brief.intent}"
    return policy.default_queue, "default"
