"""Queue choice: rules in order, then the intent's queue, then the default; rules are validated."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from baton.domain import (
    Action,
    Brief,
    Customer,
    Reason,
    ReasonCode,
    TicketFields,
    Urgency,
)
from baton.errors import PolicyInvalid
from baton.policy import default_policy, parse_policy
from baton.route import choose_queue

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def brief(
    *codes: ReasonCode,
    intent: str | None = None,
    topic: str | None = None,
    urgency: Urgency = Urgency.NORMAL,
) -> Brief:
    return Brief(
        summary="s",
        intent=intent,
        desired_outcome="d",
        topic=topic,
        urgency=urgency,
        sentiment=None,
        identifiers=(),
        attempted=(),
        reasons=tuple(
            Reason(code=c, score=0.9, evidence="e", action=Action.HANDOFF) for c in codes
        ),
        next_best_action="n",
        ticket_fields=TicketFields(subject="s", description="d", category="c", priority="normal"),
        transcript=(),
    )


@pytest.mark.parametrize(
    ("case", "customer", "expected"),
    [
        (brief(ReasonCode.HUMAN_REQUESTED), None, ("support", "default")),
        (brief(intent="pricing"), None, ("sales", "intent:pricing")),
        (
            brief(ReasonCode.HIGH_VALUE_INTENT, intent="pricing"),
            Customer(tier="enterprise", lifecycle_stage="customer"),
            ("account", "enterprise-retention"),
        ),
        (
            brief(ReasonCode.HIGH_VALUE_INTENT, intent="pricing"),
            Customer(lifecycle_stage="trial"),
            ("sales", "leads-to-sales"),
        ),
        (brief(ReasonCode.URGENT, topic="cards"), None, ("security", "urgent-to-security")),
        (
            brief(ReasonCode.URGENT, intent="outage", topic="outage"),
            None,
            ("support", "intent:outage"),
        ),
        (
            brief(ReasonCode.POLICY_RESTRICTED, intent="legal_request", topic="legal"),
            None,
            ("account", "legal-and-privacy-to-account"),
        ),
        (
            brief(ReasonCode.POLICY_RESTRICTED, topic="refunds"),
            None,
            ("billing", "restricted-to-billing"),
        ),
    ],
)
def test_default_policy_routes(
    case: Brief, customer: Customer | None, expected: tuple[str, str]
) -> None:
    assert choose_queue(brief=case, customer=customer, policy=default_policy()) == expected


BASE = """
version: 1
queues: [{name: support}, {name: french}]
default_queue: support
routing:
"""


def test_language_rules_match_regional_tags() -> None:
    policy = parse_policy(BASE + "  - {name: fr, queue: french, match: {languages: [fr]}}\n")
    for tag, queue in (
        ("fr", "french"),
        ("fr-CA", "french"),
        ("FR_be", "french"),
        ("en", "support"),
    ):
        got, _ = choose_queue(brief=brief(), customer=Customer(language=tag), policy=policy)
        assert got == queue, tag


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ("  - {name: all, queue: french, match: {}}\n", "at least one condition"),
        ("  - {name: fr, queue: nope, match: {languages: [fr]}}\n", "unknown queue 'nope'"),
        ("  - {name: fr, queue: french, match: {languages: [French]}}\n", "language tag"),
        ("  - {name: Bad Name, queue: french, match: {languages: [fr]}}\n", "routing.0.name"),
        (
            "  - {name: fr, queue: french, match: {languages: [fr]}}\n"
            "  - {name: fr, queue: support, match: {tiers: [gold]}}\n",
            "two rules are named 'fr'",
        ),
        (
            "  - {name: urgent, queue: french, match: {reasons: [urgent]}}\n"
            "  - {name: urgent-gold, queue: support, match: {reasons: [urgent], tiers: [gold]}}\n",
            "rule 'urgent-gold' can never match: rule 'urgent' above it",
        ),
        ("  - {name: x, queue: french, match: {reasons: [angry]}}\n", "routing.0.match.reasons"),
    ],
)
def test_bad_rules_are_refused_with_the_field(rules: str, message: str) -> None:
    with pytest.raises(PolicyInvalid) as caught:
        parse_policy(BASE + rules)
    assert message in caught.value.message


def test_a_narrower_rule_first_is_fine() -> None:
    policy = parse_policy(
        BASE
        + "  - {name: urgent-gold, queue: french, match: {reasons: [urgent], tiers: [gold]}}\n"
        + "  - {name: urgent, queue: support, match: {reasons: [urgent]}}\n"
    )
    assert [r.name for r in policy.routing] == ["urgent-gold", "urgent"]
