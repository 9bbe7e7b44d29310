"""`baton replay` and `baton learn` on a seeded synthetic week, as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from baton.cli.main import app
from baton.policy import default_policy, load_policy


def write_policy(path: Path, **detect: float) -> Path:
    data = default_policy().model_dump(mode="json")
    data["name"] = "stricter"
    data["detect"].update(detect)
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_replay_prints_what_changes(seeded_store: str, tmp_path: Path) -> None:
    policy = write_policy(tmp_path / "stricter.yaml", bot_confidence_floor=0.1)
    result = CliRunner().invoke(app, ["replay", "--policy", str(policy), "--since", "2026-11-16"])
    assert result.exit_code == 0, result.output
    assert "stricter" in result.output and "Handoffs added/removed per reason" in result.output
    assert "Expected load per queue" in result.output and "removed" in result.output
    as_json = CliRunner().invoke(app, ["replay", "--policy", str(policy), "--json"])
    body = json.loads(as_json.stdout)
    assert body["escalations_after"] < body["escalations_before"]
    assert body["changes"]["removed"] > 0
    for flip in body["flips"]:  # only the bot's low confidence stops counting
        assert "low_confidence" in flip["before"]["reasons"]
        assert flip["after"] is None or "low_confidence" not in flip["after"]["reasons"]


def test_learn_writes_examples_and_a_checked_policy(seeded_store: str, tmp_path: Path) -> None:
    out, examples = tmp_path / "proposed.yaml", tmp_path / "labels.jsonl"
    result = CliRunner().invoke(
        app, ["learn", "--min-labels", "10", "--out", str(out), "--examples", str(examples)]
    )
    assert result.exit_code == 0, result.output
    assert "Proposed thresholds" in result.output and "low_confidence" in result.output
    proposed = load_policy(out)
    assert proposed.triggers["low_confidence"].threshold > 0.5  # type: ignore[index]
    lines = [json.loads(line) for line in examples.read_text().splitlines()]
    assert lines and all(set(x) == {"id", "source", "turns", "expect"} for x in lines)
    assert any(x["turns"] and "bot" in x["turns"][0] for x in lines)
