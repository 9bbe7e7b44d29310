"""`baton bench brief` runs and reports percentiles (the numbers are for people, not asserts)."""

from __future__ import annotations

from typer.testing import CliRunner

from baton.brief.sample import sample_conversation
from baton.cli.main import app


def test_bench_brief_reports_percentiles() -> None:
    result = CliRunner().invoke(
        app, ["bench", "brief", "--iterations", "20", "--budget-ms", "100000"]
    )
    assert result.exit_code == 0, result.output
    assert "p99" in result.output and "within the 100000.0 ms budget" in result.output


def test_an_impossible_budget_fails() -> None:
    result = CliRunner().invoke(app, ["bench", "brief", "--iterations", "10", "--budget-ms", "0"])
    assert result.exit_code == 1


def test_the_sample_has_the_requested_length() -> None:
    conversation, decision = sample_conversation(20)
    assert len(conversation.turns) == 20
    assert decision.reasons
