from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from baton.cli.main import app
from baton.detect import Detector, load_models, train_models
from baton.detect.baseline import BaselineDetector
from baton.detect.examples import read_examples
from baton.domain import ReasonCode
from baton.learn.evaluate import evaluate, labelled_reasons, read_cases
from baton.policy import default_policy

DATA = Path("/work/shared/data")
ROWS = [
    {
        "id": "a",
        "turns": [{"role": "user", "text": "I want to talk to a human"}],
        "expect": {"escalate": True, "reasons": ["human_requested"]},
    },
    {
        "id": "b",
        "turns": [{"role": "user", "text": "my new card still has not arrived, where is it?"}],
        "expect": {
            "escalate": False,
            "reasons": [],
            "queue": "support",
            "intent": "card_arrival",
        },
    },
    {
        "id": "c",
        "turns": [{"role": "user", "text": "my card was stolen, block it"}],
        "expect": {
            "escalate": True,
            "reasons": ["urgent"],
            "queue": "security",
            "intent": "lost_or_stolen_card",
        },
    },
    {
        "id": "d",
        "turns": [
            {"role": "user", "text": "can I pay my rent here"},
            {"role": "bot", "text": "Sorry?", "bot": {"fallback": True}},
            {"role": "user", "text": "pay rent, can I?"},
            {"role": "bot", "text": "Sorry?", "bot": {"fallback": True}},
        ],
        "expect": {"escalate": True, "reasons": ["low_confidence", "repeated_failure"]},
    },
]


@pytest.fixture
def small_file(tmp_path: Path) -> Path:
    path = tmp_path / "eval.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in ROWS) + "\n")
    return path


def test_reports_every_metric_on_a_small_file(small_file: Path) -> None:
    policy = default_policy()
    cases = read_cases(small_file)
    report = evaluate(Detector(policy, load_models(policy)), cases, policy)
    assert report.n == 4
    assert set(report.reasons) == {
        "human_requested",
        "urgent",
        "low_confidence",
        "repeated_failure",
    }
    assert report.reasons["human_requested"].recall == 1.0
    assert report.reasons["urgent"].recall == 1.0
    assert report.reasons["repeated_failure"].support == 1
    assert report.escalate.recall == 1.0
    assert report.queue_accuracy == 1.0
    assert report.latency_ms.p99 >= report.latency_ms.p50 > 0


def test_only_the_labelled_reasons_are_scored(small_file: Path) -> None:
    cases = read_cases(small_file)
    assert ReasonCode.NEGATIVE_SENTIMENT not in labelled_reasons(cases)
    assert labelled_reasons(cases[1:2]) == frozenset(ReasonCode)


def test_cli_json_has_the_contract_keys_and_the_baseline(small_file: Path) -> None:
    result = CliRunner().invoke(app, ["eval", "--data", str(small_file), "--json", "--baseline"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout.strip().splitlines()[-1])
    for key in ("n", "escalate", "reasons", "queue_accuracy", "intent_accuracy", "latency_ms"):
        assert key in body and key in body["baseline"]
    assert set(body["escalate"]) >= {"precision", "recall", "f1"}


def test_cli_names_a_bad_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"turns": []}\nnot json\n')
    result = CliRunner().invoke(app, ["eval", "--data", str(bad)])
    assert result.exit_code == 1
    assert "bad.jsonl:2" in result.output


@pytest.mark.slow
@pytest.mark.skipif(not DATA.is_dir(), reason="evaluation data not present")
def test_on_30_clinc_intents_it_beats_the_baseline_on_out_of_scope_f1() -> None:
    policy = default_policy()
    train = read_examples(DATA / "clinc150/train.jsonl")
    intents = sorted({e.intent for e in train if e.intent and not e.out_of_scope})[:30]
    train = [e for e in train if e.out_of_scope or e.intent in intents]
    cases = [c for c in read_cases(DATA / "clinc150/val.jsonl") if c.intent in intents or c.reasons]
    ours = evaluate(Detector(policy, train_models(policy, train=train)), cases, policy)
    base = evaluate(BaselineDetector(policy, train), cases, policy)
    assert ours.reasons["low_confidence"].f1 > base.reasons["low_confidence"].f1
    assert ours.reasons["low_confidence"].recall > 0.7
    assert ours.intent_accuracy is not None and base.intent_accuracy is not None
    assert ours.intent_accuracy > base.intent_accuracy
