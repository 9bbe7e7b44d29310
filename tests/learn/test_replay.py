"""Replays: a stricter policy removes exactly the handoffs it should, and nothing else moves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from baton.domain import BotSignal, Role, Turn
from baton.engine import Runtime, process_turn
from baton.learn.replay import replay
from baton.policy import Policy, default_policy
from baton.store.tables import DEFAULT_TENANT, HandoffRow

T0 = datetime(2026, 11, 17, 9, 0, tzinfo=UTC)
# conversation id -> (first message, the bot's confidence on it)
SEEDED = {
    **{f"ask-{i}": ("I want to talk to a human", 0.9) for i in range(4)},
    **{f"lost-{i}": ("asdf qwerty zxcv", 0.1) for i in range(3)},
    **{f"unsure-{i}": ("do you ship to Norway?", 0.3) for i in range(3)},
    **{f"fine-{i}": ("what are your opening hours?", 0.95) for i in range(3)},
}


def seed(session: Session) -> None:
    runtime = Runtime(default_policy())
    for n, (cid, (text, confidence)) in enumerate(SEEDED.items()):
        at = T0 + timedelta(minutes=n)
        turn = Turn(turn_id="u1", role=Role.USER, text=text, sent_at=at,
                    bot=BotSignal(confidence=confidence))  # fmt: skip
        process_turn(
            session,
            tenant_id=DEFAULT_TENANT,
            runtime=runtime,
            conversation_id=cid,
            turn=turn,
            customer=None,
            now=at,
        )
    session.flush()


def stricter(policy: Policy) -> Policy:
    """The bot's confidence counts as low only under 0.2 (it was 0.4)."""
    detect = policy.detect.model_copy(update={"bot_confidence_floor": 0.2})
    return policy.model_copy(update={"name": "stricter", "detect": detect})


def test_stricter_policy_removes_exactly_the_unsure_handoffs(session: Session) -> None:
    seed(session)
    assert session.scalar(select(func.count()).select_from(HandoffRow)) == 10  # 4 + 3 + 3
    result = replay(
        session=session,
        tenant_id=DEFAULT_TENANT,
        baseline=default_policy(),
        policy=stricter(default_policy()),
    )
    removed = {f.conversation_id for f in result.flips if f.change == "removed"}
    assert removed == {"unsure-0", "unsure-1", "unsure-2"}
    assert [f.change for f in result.flips] == ["removed"] * 3  # nothing added, moved or changed
    assert (result.conversations, result.stored_handoffs) == (13, 10)
    assert (result.escalations_before, result.escalations_after) == (10, 7)
    assert result.removed_by_reason == {"low_confidence": 3}
    assert result.added_by_reason == {}
    assert sum(result.removed_by_queue.values()) == 3
    assert result.removed_labels == {"unlabelled": 3}
    assert all(
        f.before is not None and f.before.text == "do you ship to Norway?" for f in result.flips
    )
    loads = {q.queue: q for q in result.load}
    assert sum(q.before for q in loads.values()) == 10
    assert sum(q.after for q in loads.values()) == 7


def test_same_policy_changes_nothing(session: Session) -> None:
    seed(session)
    result = replay(
        session=session,
        tenant_id=DEFAULT_TENANT,
        baseline=default_policy(),
        policy=default_policy(),
    )
    assert result.flips == []
    assert result.escalations_before == result.escalations_after == 10


def test_a_routing_change_moves_handoffs_between_queues(session: Session) -> None:
    seed(session)
    policy = default_policy()
    routed = policy.model_copy(update={"name": "to-billing", "default_queue": "billing"})
    result = replay(
        session=session, tenant_id=DEFAULT_TENANT, baseline=policy, policy=routed, since=T0
    )
    moved = [f for f in result.flips if f.change == "moved"]
    assert len(moved) == len(result.flips) == 10
    assert {(f.before.queue, f.after.queue) for f in moved if f.before and f.after} == {
        ("support", "billing")
    }
    billing = next(q for q in result.load if q.queue == "billing")
    assert (billing.before, billing.after) == (0, 10)
