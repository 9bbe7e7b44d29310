"""The brief set and its scorer: the set is well formed, and the scorer reads real briefs."""

from __future__ import annotations

from pathlib import Path

import pytest

from baton.engine import Runtime
from baton.learn.brief_eval import default_set, evaluate_briefs, quotes, read_set
from baton.policy import load_policy


def test_shipped_set_is_multi_turn_and_labelled() -> None:
    cases = read_set(default_set())
    assert len(cases) >= 40
    assert all(len(case.turns) >= 2 for case in cases)
    assert len({case.id for case in cases}) == len(cases)
    assert all(case.expect.intent and case.expect.step for case in cases)


def test_quotes_finds_five_words_in_a_row_only() -> None:
    said = ["I want to talk to a real person about a double charge"]
    assert quotes("Decide on: talk to a real person now", said)
    assert not quotes("Talk to a real customer", said)
    assert not quotes("Review the double charge", said)


def test_the_brief_reads_the_case_as_labelled(model_cache_dir: Path) -> None:
    """Issue 21's bar on the shipped set (the builder before it scored intent 0.881)."""
    cases = read_set(default_set())
    runtime = Runtime(load_policy(None), model_cache_dir=model_cache_dir)
    report = evaluate_briefs(runtime, cases)
    assert report.n == len(cases)
    assert all(case.escalated and case.step for case in report.cases)
    assert report.intent_accuracy >= 0.9
    assert report.step_accuracy >= 0.9
    assert report.wants_consistent == 1.0
    assert report.next_actions_quoting == 0
    assert report.subjects_quoting == 0
    assert report.distinct_next_actions >= report.distinct_intents


def test_a_malformed_set_names_the_conversation(tmp_path: Path) -> None:
    path = tmp_path / "set.yaml"
    path.write_text("conversations:\n  - {id: x, turns: [], expect: {intent: a, step: b}}\n")
    with pytest.raises(Exception, match="conversation 1"):
        read_set(path)
