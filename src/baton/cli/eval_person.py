"""`baton eval --cross / --typos / --flag`: the person-request detector's generalisation checks."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from baton.detect import Detector
    from baton.learn.evaluate import Case
    from baton.policy import Policy


def cross_detector(policy: Policy, policy_dir: Path | None, train: Path | None) -> Detector:
    """The default detector with its person model learnt from `train` + synthetic rows only."""
    from baton.detect import Detector, load_models, read_examples
    from baton.errors import InvalidRequest
    from baton.learn.person_eval import cross_models

    if train is None:
        raise InvalidRequest("--cross needs --train: the source to learn from", field="train")
    base = load_models(policy, base_dir=policy_dir)
    return Detector(policy, cross_models(base, read_examples(train)))


def variants(data: Path, cases: list[Case], flag: str | None, typos: bool) -> dict[str, list[Case]]:
    """The case lists to score: all (or the flagged ones), and their misspelt copies if asked."""
    from baton.learn.person_eval import flagged, typo_cases

    chosen = flagged(data, cases, flag) if flag else cases
    found = {"baton": chosen}
    if typos:
        found["baton+typos"] = typo_cases(chosen)
    return found
