"""`baton eval --cross / --typos / --flag` (issue 19), on small files written for these tests."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from baton.cli.main import app
from baton.learn.evaluate import read_cases
from baton.learn.person_eval import flagged, synthetic_person_examples, typo_cases


def _row(i: int, text: str, asks: bool, flags: str = "") -> dict[str, object]:
    reasons = ["human_requested"] if asks else []
    return {
        "id": f"r{i}",
        "turns": [{"role": "user", "text": text}],
        "expect": {"escalate": asks, "reasons": reasons, "flags": flags},
    }


TEXTS = [
    ("please let me talk with a real human being", True, "Z"),
    ("what is your support phone number", True, ""),
    ("someone from your team should ring me", True, "Z"),
    ("get me a representative", True, "Q"),
    ("could an advisor take over", True, ""),
    ("how much is the monthly fee", False, "Z"),
    ("my card has not arrived yet", False, ""),
    ("which languages do you speak", False, "Z"),
    ("the number on my statement looks wrong", False, ""),
    ("I want to open a savings account", False, "Q"),
]


def _write(path: Path) -> Path:
    rows = [_row(i, t, a, f) for i, (t, a, f) in enumerate(TEXTS)]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


def test_typo_cases_misspell_the_texts_and_keep_the_labels(tmp_path: Path) -> None:
    cases = read_cases(_write(tmp_path / "d.jsonl"))
    misspelt = typo_cases(cases, seed=3, rate=1.0)
    assert [c.reasons for c in misspelt] == [c.reasons for c in cases]
    assert all(
        a.conversation.turns[0].text != b.conversation.turns[0].text
        for a, b in zip(cases, misspelt, strict=True)
    )
    assert typo_cases(cases, seed=3, rate=1.0) == misspelt


def test_flag_keeps_only_the_flagged_rows(tmp_path: Path) -> None:
    path = _write(tmp_path / "d.jsonl")
    assert [c.id for c in flagged(path, read_cases(path), "Z")] == ["r0", "r2", "r5", "r7"]


def test_cli_scores_the_flagged_rows_clean_and_misspelt(tmp_path: Path) -> None:
    path = _write(tmp_path / "d.jsonl")
    result = CliRunner().invoke(app, ["eval", "--data", str(path), "--typos", "--flag", "Z"])
    assert result.exit_code == 0, result.output
    assert "baton+typos" in result.output
    result = CliRunner().invoke(
        app, ["eval", "--data", str(path), "--typos", "--flag", "Z", "--json"]
    )
    body = json.loads(result.output)
    assert body["n"] == 4 and body["typos"]["n"] == 4
    assert body["reasons"]["human_requested"]["support"] == 2


def test_cross_learns_the_person_model_from_the_train_file_only(tmp_path: Path) -> None:
    path = _write(tmp_path / "d.jsonl")
    result = CliRunner().invoke(app, ["eval", "--data", str(path), "--cross"])
    assert result.exit_code == 1
    assert "--cross needs --train" in result.output
    result = CliRunner().invoke(
        app, ["eval", "--data", str(path), "--cross", "--train", str(path), "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["reasons"]["human_requested"]["recall"] == 1.0


def test_the_synthetic_rows_are_the_only_shipped_rows_a_cross_run_keeps() -> None:
    synthetic = synthetic_person_examples()
    assert 100 < len(synthetic) < 1000
    assert any(e.human_requested for e in synthetic)
    assert any(not e.human_requested for e in synthetic)
