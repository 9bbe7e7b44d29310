"""Retraining from labels: examples in the evaluation format, threshold proposals, their replay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from baton.engine import Runtime
from baton.learn.retrain import Labelled, apply, learn, propose, training_examples
from baton.learn.synthetic import seed_week
from baton.policy import default_policy
from baton.store.tables import DEFAULT_TENANT
from tests.factories.learn import add_conversation, add_handoff

T0 = datetime(2026, 11, 17, 9, 0, tzinfo=UTC)


def solo(score: float, necessary: bool, n: int) -> list[Labelled]:
    return [
        Labelled(handoff_id=f"h{score}-{necessary}-{i}", scores={"low_confidence": score},
                 necessary=necessary)
        for i in range(n)
    ]  # fmt: skip


def test_proposal_drops_unnecessary_and_keeps_necessary() -> None:
    # 0.6 and 0.65 were all unnecessary, 0.75 all necessary: a threshold of 0.7 separates them.
    examples = solo(0.6, False, 10) + solo(0.65, False, 5) + solo(0.75, True, 10)
    (p,) = propose(examples=examples, policy=default_policy())
    assert (p.reason, p.current, p.proposed) == ("low_confidence", 0.5, 0.7)
    assert (p.removes_unnecessary, p.removes_necessary, p.recall) == (15, 0, 1.0)
    assert apply(default_policy(), [p]).triggers["low_confidence"].threshold == 0.7  # type: ignore[index]


def test_recall_floor_and_label_minimum_hold_proposals_back() -> None:
    # One necessary case at 0.6 among ten: dropping 0.6 would lose 10 % recall, over the 2 % limit.
    mixed = solo(0.6, False, 9) + solo(0.6, True, 1) + solo(0.75, True, 10)
    (p,) = propose(examples=mixed, policy=default_policy(), min_recall=0.85)
    assert (p.removes_unnecessary, p.removes_necessary) == (9, 1)
    assert propose(examples=mixed, policy=default_policy()) == []
    assert propose(examples=solo(0.6, False, 5), policy=default_policy()) == []  # too few labels
    multi = [Labelled(handoff_id=f"m{i}", scores={"low_confidence": 0.6, "urgent": 1.0},
                      necessary=False) for i in range(30)]  # fmt: skip
    assert propose(examples=multi, policy=default_policy()) == []  # another reason fired too


def test_labels_become_evaluation_examples(session: Session) -> None:
    add_conversation(session, "c1", T0)
    add_handoff(session, "h1", "c1", queue="support", reason="low_confidence", channel="chat",
                necessary=False, events=[("created", T0)])  # fmt: skip
    add_conversation(session, "c2", T0)
    add_handoff(session, "h2", "c2", queue="billing", reason="policy_restricted", channel="email",
                necessary=True, events=[("created", T0)])  # fmt: skip
    add_conversation(session, "c3", T0)
    add_handoff(session, "h3", "c3", queue="support", reason="human_requested", channel="chat",
                necessary=True, outcome="kb_answer", events=[("created", T0)])  # fmt: skip
    examples = {
        e["id"]: e["expect"] for e in training_examples(session=session, tenant_id=DEFAULT_TENANT)
    }
    assert examples == {
        "h1": {"escalate": False, "reasons": [], "queue": "support", "intent": None},
        "h2": {"escalate": True, "reasons": ["policy_restricted"], "queue": "billing",
               "intent": None},
        "h3": {"escalate": False, "reasons": [], "queue": "support", "intent": None},
    }  # fmt: skip


def test_learn_on_a_synthetic_week_is_measured_by_replay(session: Session) -> None:
    policy = default_policy()
    seed_week(session=session, runtime=Runtime(policy), week="2026-W47", conversations=80,
              history=1)  # fmt: skip
    result, proposed = learn(
        session=session, tenant_id=DEFAULT_TENANT, policy=policy, min_labels=10
    )
    assert result.labelled > 0 and result.examples == result.labelled
    (p,) = result.proposals
    assert p.reason == "low_confidence" and p.proposed > p.current
    assert p.removes_necessary == 0 and p.removes_unnecessary > 0
    assert result.replay is not None
    # Oracle (a) on a seeded week: the baseline's replay is what the live engine stored.
    assert result.replay.baseline_drift == 0, result.replay.drift_examples
    assert result.replay.calls["request"] > 0 and result.replay.calls["end"] > 0
    assert set(result.replay.floors) == {"stored"}
    assert set(result.replay.changes) == {"removed"}
    assert p.measured is not None  # the proposal's own figures are the replay's
    assert (p.measured.escalations_before, p.measured.escalations_after) == (
        result.replay.escalations_before,
        result.replay.escalations_after,
    )
    assert p.measured.removed_necessary == 0
    assert p.measured.removed_unnecessary == result.replay.removed_labels["unnecessary"]
    assert result.replay.removed_labels.get("necessary", 0) == 0
    assert result.replay.removed_labels["unnecessary"] >= p.removes_unnecessary
    assert proposed.name == "default-proposed"
    later = learn(
        session=session,
        tenant_id=DEFAULT_TENANT,
        policy=policy,
        since=T0 + timedelta(days=30),
        min_labels=10,
    )
    assert later[0].proposals == [] and later[0].replay is None
