"""Recalibrating the encoder-mode scope cut from agents' labels (issue #20)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from baton.detect.detector import Models
from baton.learn.retrain import learn
from baton.learn.scope_cut import apply_cut, propose_cut, scope_labels
from baton.policy import default_policy
from baton.store.tables import DEFAULT_TENANT
from tests.factories.learn import add_conversation, add_handoff

T0 = datetime(2026, 11, 17, 9, 0, tzinfo=UTC)


def test_the_cut_drops_unnecessary_handoffs_and_keeps_necessary_ones() -> None:
    # Necessary handoffs scored 0.30-0.39; unnecessary ones 0.55-0.64, just under the cut 0.65.
    scores = [0.30 + i / 100 for i in range(10)] + [0.55 + i / 100 for i in range(10)]
    necessary = [True] * 10 + [False] * 10
    p = propose_cut(scores, necessary, 0.65, min_labels=10)
    assert p is not None and 0.39 < p.proposed <= 0.55
    assert (p.removes_unnecessary, p.removes_necessary, p.recall) == (10, 0, 1.0)
    policy = apply_cut(default_policy(), p)
    assert policy.detect.scope_cut == p.proposed


def test_too_few_labels_or_a_recall_loss_propose_nothing() -> None:
    scores = [0.5] * 10 + [0.6] * 10
    assert propose_cut(scores, [True] * 10 + [False] * 10, 0.65, min_labels=30) is None
    mixed = [False] * 9 + [True] + [True] * 10  # one necessary at 0.5 among the unnecessary
    only_unnecessary_high = propose_cut([0.6] * 10 + [0.5] * 10, mixed, 0.65, min_labels=10)
    assert only_unnecessary_high is None or only_unnecessary_high.removes_necessary == 0
    assert propose_cut([0.7] * 30, [False] * 30, 0.65) is None  # none was under the cut


def test_only_handoffs_opened_for_scope_alone_are_labels(session: Session) -> None:
    add_conversation(session, "c1", T0)
    add_handoff(session, "h1", "c1", queue="support", reason="low_confidence", channel="chat",
                necessary=False, events=[("created", T0)],
                transcript=[("user", "what's the weather on mars"), ("bot", "sorry?")])  # fmt: skip
    add_conversation(session, "c2", T0)
    add_handoff(session, "h2", "c2", queue="support", reason="low_confidence", channel="chat",
                necessary=True, outcome="kb_answer", events=[("created", T0)],
                transcript=[("user", "how do I reset my pin")])  # fmt: skip
    add_conversation(session, "c3", T0)
    both = [{"code": "low_confidence", "score": 0.7}, {"code": "urgent", "score": 1.0}]
    add_handoff(session, "h3", "c3", queue="security", reason="low_confidence", channel="chat",
                necessary=True, events=[("created", T0)], reasons=both,
                transcript=[("user", "someone stole my card")])  # fmt: skip
    labels = scope_labels(session=session, tenant_id=DEFAULT_TENANT)
    assert sorted(labels) == [
        ("how do I reset my pin", False),
        ("what's the weather on mars", False),
    ]


def test_light_mode_proposes_no_cut(session: Session) -> None:
    add_conversation(session, "c1", T0)
    for i in range(3):
        add_handoff(session, f"h{i}", "c1", queue="support", reason="low_confidence",
                    channel="chat", necessary=False, events=[("created", T0)],
                    transcript=[("user", f"question {i}")])  # fmt: skip
    result, proposed = learn(
        session=session,
        tenant_id=DEFAULT_TENANT,
        policy=default_policy(),
        min_labels=1,
        models=Models(),
    )
    assert result.scope_cut is None and proposed.detect.scope_cut is None
