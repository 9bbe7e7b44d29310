"""Which queue: the intent's own queue, then the policy's rules in order, then the default."""

from __future__ import annotations

from baton.domain import Brief, Customer
from baton.policy import Match, Policy


def _matches(match: Match, brief: Brief, customer: Customer | None) -> bool:
    codes = {r.code for r in brief.reasons}
    checks = (
        (match.intents, {brief.intent}),
        (match.topics, {brief.topic}),
        (match.reasons, codes),
        (match.tiers, {customer.tier if customer else None}),
        (match.lifecycle_stages, {customer.lifecycle_stage if customer else None}),
        (match.languages, {customer.language if customer else None}),
    )
    return all(not wanted or bool(set(wanted) & have) for wanted, have in checks)


def choose_queue(*, brief: Brief, customer: Customer | None, policy: Policy) -> tuple[str, str]:
    """Return the queue and the name of the rule that chose it."""
    for rule in policy.routing:
        if _matches(rule.match, brief, customer):
            return rule.queue, rule.name
    intent = policy.intents.get(brief.intent or "")
    if intent is not None and intent.queue is not None:
        return intent.queue, f"intent:{brief.intent}"
    return policy.default_queue, "default"
