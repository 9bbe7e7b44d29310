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


def test_scorer_reads_the_stored_brief(model_cache_dir: Path) -> None:
    cases = read_set(default_set())[:3]
    runtime = Runtime(load_policy(None), model_cache_dir=model_cache_dir)
    report = evaluate_briefs(runtime, cases)
    assert report.n == 3
    assert all(case.escalated for case in report.cases)
    assert all(case.next_action and case.subject for case in report.cases)
    assert report.distinct_intents == len({c.expect.intent for c in cases})


def test_a_malformed_set_names_the_conversation(tmp_path: Path) -> None:
    path = tmp_path / "set.yaml"
    path.write_text("conversations:\n  - {id: x, turns: [], expect: {intent: a, step: b}}\n")
    with pytest.raises(Exception, match="conversation 1"):
        read_set(path)
