"""`baton eval --shots N --oos-share S`: a small bot's training file, a real traffic mix, and
overall accuracy with out of scope as one more class (pure functions; no model is trained)."""

from __future__ import annotations

import pytest

from baton.detect.examples import Example
from baton.domain import Action, Conversation, Decision, Reason, ReasonCode
from baton.learn.evaluate import Case, Scorer, resample_out_of_scope, sample_shots

LOW = ReasonCode.LOW_CONFIDENCE


def _case(i: int, intent: str | None) -> Case:
    reasons = frozenset() if intent else frozenset({LOW})
    return Case(
        id=f"c{i:03d}",
        conversation=Conversation(id=f"c{i}", turns=()),
        escalate=intent is None,
        reasons=reasons,
        intent=intent,
    )


def test_shots_keep_at_most_n_per_intent_with_a_fixed_seed() -> None:
    rows = [Example(text=f"{i}", intent=f"i{i % 3}") for i in range(30)]
    rows.append(Example(text="weather", out_of_scope=True))
    picked = sample_shots(rows, 4)
    assert sorted(e.intent or "" for e in picked) == sorted(["i0", "i1", "i2"] * 4)
    assert picked == sample_shots(rows, 4)
    assert picked != sample_shots(rows, 4, seed=1)
    assert len(sample_shots(rows, 50)) == 30


@pytest.mark.parametrize("share", [0.18, 0.6])
def test_resampling_sets_the_out_of_scope_share(share: float) -> None:
    cases = [_case(i, None if i % 5 == 0 else "x") for i in range(500)]
    mixed = resample_out_of_scope(cases, share)
    out = sum(LOW in c.reasons for c in mixed)
    assert out / len(mixed) == pytest.approx(share, abs=0.01)
    assert mixed == resample_out_of_scope(cases, share)


def _decision(intent: str | None, out: bool) -> Decision:
    reasons = (
        (Reason(code=LOW, score=0.9, evidence="out of scope", action=Action.OFFER),) if out else ()
    )
    action = Action.OFFER if out else Action.CONTINUE
    return Decision(action=action, reasons=reasons, intent=intent)


def test_overall_accuracy_counts_out_of_scope_as_a_class() -> None:
    scorer = Scorer(labelled=frozenset({LOW}))
    scorer.add(_case(1, "a"), _decision("a", out=False), None)  # right intent
    scorer.add(_case(2, "a"), _decision("b", out=False), None)  # wrong intent
    scorer.add(_case(3, "a"), _decision("a", out=True), None)  # in scope called out
    scorer.add(_case(4, None), _decision("a", out=True), None)  # out of scope found
    report = scorer.report()
    assert report.intent_accuracy == pytest.approx(1 / 3, abs=1e-4)
    assert report.overall_accuracy == 0.5
