"""Training examples for the scope/intent model and the person-request model, from files or policy.

A training file has the evaluation format of DESIGN.md ("Learn"): one conversation per line.
Its `expect.intent` labels an in-scope intent; a row whose `expect.reasons` holds
`low_confidence` is an out-of-scope example; one holding `human_requested` is a request for a
person.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from baton.domain import ReasonCode
from baton.errors import InvalidRequest
from baton.policy import Policy

PACKAGE_PREFIX = "baton:"
OUT_OF_SCOPE = "__out_of_scope__"


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    intent: str | None = None
    out_of_scope: bool = False
    human_requested: bool | None = None

    @property
    def label(self) -> str | None:
        """The scope model's class: an intent, the out-of-scope class, or None (not used)."""
        return OUT_OF_SCOPE if self.out_of_scope else self.intent


def resolve_training_path(name: str, base_dir: Path | None) -> Path:
    """`baton:detect/data/x.jsonl` is inside the package; other paths are relative to the policy."""
    if name.startswith(PACKAGE_PREFIX):
        relative = name.removeprefix(PACKAGE_PREFIX)
        return Path(str(resources.files("baton").joinpath(relative)))
    path = Path(name)
    return path if path.is_absolute() or base_dir is None else base_dir / path


def example_from_row(row: dict[str, Any]) -> Example | None:
    """One evaluation-format row as a training example; None when it has no user text."""
    texts = [t.get("text", "") for t in row.get("turns", []) if t.get("role") == "user"]
    text = "\n".join(t for t in texts if t)
    if not text:
        return None
    expect = row.get("expect") or {}
    reasons = set(expect.get("reasons") or ())
    intent = expect.get("intent")
    return Example(
        text=text,
        intent=str(intent) if intent else None,
        out_of_scope=ReasonCode.LOW_CONFIDENCE.value in reasons,
        human_requested=ReasonCode.HUMAN_REQUESTED.value in reasons,
    )


def iter_rows(path: Path) -> Iterator[dict[str, Any]]:
    """The rows of a JSON Lines file; a bad line raises `InvalidRequest` naming its number."""
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise InvalidRequest(f"{path}: cannot read: {exc.strerror}", field="data") from exc
    with handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InvalidRequest(f"{path}:{number}: not JSON: {exc.msg}", field="data") from exc
            if not isinstance(row, dict):
                raise InvalidRequest(f"{path}:{number}: a row must be an object", field="data")
            yield row


def read_examples(path: Path) -> list[Example]:
    """Every usable example in a training file."""
    found = (example_from_row(row) for row in iter_rows(path))
    return [e for e in found if e is not None]


def policy_examples(policy: Policy) -> list[Example]:
    """The example utterances a policy lists under its intents."""
    return [
        Example(text=text, intent=name)
        for name, config in policy.intents.items()
        for text in config.examples
    ]


def training_examples(policy: Policy, base_dir: Path | None = None) -> list[Example]:
    """What a policy's scope model learns from: its training file, then its intents' examples."""
    examples: list[Example] = []
    if policy.detect.training:
        examples.extend(read_examples(resolve_training_path(policy.detect.training, base_dir)))
    examples.extend(policy_examples(policy))
    return examples


def dedupe(examples: Iterable[Example]) -> list[Example]:
    """Drop exact repeats of the same text and label, keeping the first."""
    seen: set[tuple[str, str | None, bool | None]] = set()
    kept: list[Example] = []
    for example in examples:
        key = (example.text.strip().lower(), example.label, example.human_requested)
        if key not in seen:
            seen.add(key)
            kept.append(example)
    return kept
