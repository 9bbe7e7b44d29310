from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from baton.cli.main import app
from baton.errors import PolicyInvalid
from baton.policy import default_policy, load_policy, parse_policy
from baton.policy.loader import default_policy_path

BASE = default_policy_path().read_text(encoding="utf-8")


def test_the_shipped_default_has_the_five_queues_and_eight_triggers() -> None:
    policy = default_policy()
    assert {q.name for q in policy.queues} == {"sales", "support", "billing", "account", "security"}
    assert len(policy.triggers) == 8
    assert policy.default_queue == "support"


def test_a_wrong_value_names_the_field_and_line() -> None:
    text = BASE.replace("failure_streak: 2", "failure_streak: -4")
    line = text.splitlines().index("  failure_streak: -4") + 1
    with pytest.raises(PolicyInvalid) as info:
        parse_policy(text)
    assert info.value.field == "detect.failure_streak"
    assert info.value.line == line
    assert f"(line {line})" in info.value.message


def test_an_unknown_queue_in_a_rule_is_refused() -> None:
    text = BASE.replace(
        "queue: billing, match: {reasons: [policy_restricted]}",
        "queue: refunds, match: {reasons: [policy_restricted]}",
    )
    with pytest.raises(PolicyInvalid, match="unknown queue 'refunds'"):
        parse_policy(text)


def test_a_bad_business_hours_span_is_refused() -> None:
    with pytest.raises(PolicyInvalid) as info:
        parse_policy(BASE.replace('sat: ["10:00-16:00"]', 'sat: ["16:00-10:00"]'))
    assert info.value.field == "calendars.office.weekly"


def test_broken_yaml_names_the_line() -> None:
    with pytest.raises(PolicyInvalid) as info:
        parse_policy("version: 1\nqueues: [\n  - name: x\n")
    assert info.value.line is not None


def test_policy_check_command(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(BASE, encoding="utf-8")
    result = CliRunner().invoke(app, ["policy", "check", str(good)])
    assert result.exit_code == 0, result.output
    assert "is valid" in result.output
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        BASE.replace("default_queue: support", "default_queue: nowhere"), encoding="utf-8"
    )
    result = CliRunner().invoke(app, ["policy", "check", str(bad)])
    assert result.exit_code == 1
    assert load_policy(good).name == "default"


def test_the_scope_settings_are_checked_and_exclusive() -> None:
    share = "failure_streak: 2\n  expected_out_of_scope_share: 0.6"
    text = BASE.replace("failure_streak: 2", share)
    assert parse_policy(text).detect.expected_out_of_scope_share == 0.6
    with pytest.raises(PolicyInvalid) as info:
        parse_policy(BASE.replace("failure_streak: 2", "failure_streak: 2\n  scope_cut: 3"))
    assert info.value.field == "detect.scope_cut"
    both = text.replace("share: 0.6", "share: 0.6\n  scope_cut: 0.6")
    with pytest.raises(PolicyInvalid, match="not both"):
        parse_policy(both)
