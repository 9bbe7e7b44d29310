"""Measures of the person-request detector beyond one file: across sources and under typos.

`cross_models` retrains only the person-request model, on another source's train split plus the
shipped synthetic examples (and none of the shipped NLU++ or Bitext rows), so scoring a file
measures how the detector carries over to phrasings it never saw. `with_typos` re-writes every
user turn with characters dropped, doubled and swapped, at a fixed seed, as fast mobile typing
does. `flagged` keeps the conversations whose `expect.flags` has one of the given letters
(Bitext's language-variation tags: Z noise, Q colloquial, ...).
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from pathlib import Path

from baton.detect.detector import Models
from baton.detect.examples import Example, example_from_row, iter_rows, resolve_training_path
from baton.detect.person_model import train_person_model
from baton.detect.training import PERSON_EXAMPLES
from baton.domain import Role
from baton.learn.evaluate import Case

SYNTHETIC = "baton/synthetic"
TYPO_SEED = 19
TYPO_RATE = 0.25
_WORD = re.compile(r"[A-Za-z]{3,}")


def synthetic_person_examples() -> list[Example]:
    """The shipped person-request examples written for this project (no public data set's)."""
    path = resolve_training_path(PERSON_EXAMPLES, None)
    found = (example_from_row(row) for row in iter_rows(path) if row.get("source") == SYNTHETIC)
    return [e for e in found if e is not None]


def cross_models(base: Models, train: Sequence[Example]) -> Models:
    """`base` with its person model retrained on `train`'s person labels + the synthetic rows."""
    labelled = [e for e in train if e.human_requested is not None]
    person = train_person_model([*synthetic_person_examples(), *labelled])
    return Models(intents=base.intents, person=person)


def typo(word: str, rng: random.Random) -> str:
    """One character of `word` dropped, doubled, or swapped with the next."""
    i = rng.randrange(len(word) - 1)
    kind = rng.randrange(3)
    if kind == 0:
        return word[:i] + word[i + 1 :]
    if kind == 1:
        return word[: i + 1] + word[i:]
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def with_typos(text: str, rng: random.Random, rate: float = TYPO_RATE) -> str:
    """`text` with each word of three letters or more misspelt once with probability `rate`."""
    return _WORD.sub(lambda m: typo(m.group(0), rng) if rng.random() < rate else m.group(0), text)


def typo_cases(cases: Sequence[Case], seed: int = TYPO_SEED, rate: float = TYPO_RATE) -> list[Case]:
    """Every case with its user turns misspelt (the same misspellings for the same seed)."""
    rng = random.Random(seed)
    changed: list[Case] = []
    for case in cases:
        turns = tuple(
            t.model_copy(update={"text": with_typos(t.text, rng, rate)})
            if t.role is Role.USER
            else t
            for t in case.conversation.turns
        )
        conversation = case.conversation.model_copy(update={"turns": turns})
        changed.append(
            Case(case.id, conversation, case.escalate, case.reasons, case.queue, case.intent)
        )
    return changed


def flagged(path: Path, cases: Sequence[Case], letters: str) -> list[Case]:
    """The cases whose row's `expect.flags` holds any of `letters`."""
    keep = {
        str(row.get("id") or f"case-{n}")
        for n, row in enumerate(iter_rows(path), start=1)
        if set(str((row.get("expect") or {}).get("flags") or "")) & set(letters)
    }
    return [c for c in cases if c.id in keep]
