"""The policy's brief settings: defaults keep old files valid, faults name their field."""

from __future__ import annotations

import pytest

from baton.errors import PolicyInvalid
from baton.policy import default_policy, parse_policy

MINIMAL = """
version: 1
queues: [{name: support}]
default_queue: support
"""


def test_a_policy_without_brief_settings_is_valid_and_gets_the_defaults() -> None:
    policy = parse_policy(MINIMAL)
    assert policy.brief.max_summary_lines == 10
    assert set(policy.brief.tickets.systems) == {"zendesk", "hubspot", "salesforce"}
    assert policy.redaction.card_numbers and policy.redaction.patterns == ()


def test_the_shipped_policy_has_rules_for_every_reason() -> None:
    policy = default_policy()
    covered = {code for rule in policy.brief.next_best_actions for code in rule.match.reasons}
    assert {"urgent", "identity_required", "policy_restricted", "high_value_intent"} <= covered
    assert [p.kind for p in policy.identifiers][:1] == ["order"]


@pytest.mark.parametrize(
    ("snippet", "field"),
    [
        ("brief: {fallback_action: 'Hi {customer.__class__}'}", "brief.fallback_action"),
        ("brief: {fallback_action: 'Hi {customer'}", "brief.fallback_action"),
        (
            "brief: {next_best_actions: [{name: x, match: {queues: [nope]}, action: hi}]}",
            None,
        ),
        ("brief: {max_summary_lines: 12}", "brief.max_summary_lines"),
        ("redaction: {patterns: [{kind: x, pattern: '('}]}", "redaction.patterns.0.pattern"),
        ("intents: {a: {next_best_action: '{0}'}}", "intents.a.next_best_action"),
    ],
)
def test_faults_name_the_field(snippet: str, field: str | None) -> None:
    with pytest.raises(PolicyInvalid) as caught:
        parse_policy(MINIMAL + snippet + "\n")
    assert caught.value.field == field
    if field is None:
        assert "unknown queue 'nope'" in caught.value.message
