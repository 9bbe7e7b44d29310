from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from baton.detect import Detector, DetectState, Models, load_models
from baton.domain import BotSignal, Conversation, Customer, Decision, Role, Turn
from baton.policy import Policy, default_policy

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def policy() -> Policy:
    return default_policy()


@pytest.fixture(scope="session")
def models(policy: Policy) -> Models:
    """The shipped default policy's trained models (trained once per test process)."""
    return load_models(policy)


@pytest.fixture(scope="session")
def detector(policy: Policy, models: Models) -> Detector:
    return Detector(policy, models)


def turn(i: int, text: str, role: Role = Role.USER, bot: BotSignal | None = None) -> Turn:
    return Turn(turn_id=f"t{i}", role=role, text=text, sent_at=NOW + timedelta(seconds=i), bot=bot)


Say = Callable[..., Decision]


def run(detector: Detector, turns: list[Turn], customer: Customer | None = None) -> list[Decision]:
    """Every turn's decision, carrying the state as the engine does."""
    state = DetectState()
    decisions = []
    for i in range(len(turns)):
        conversation = Conversation(id="c", turns=tuple(turns[: i + 1]), customer=customer)
        decision, state = detector.decide(conversation, state, turns[i].sent_at)
        decisions.append(decision)
    return decisions


@pytest.fixture
def say(detector: Detector) -> Say:
    """Decide on one user message, with an optional customer and bot block."""

    def _say(text: str, customer: Customer | None = None, bot: BotSignal | None = None) -> Decision:
        return run(detector, [turn(0, text, bot=bot)], customer)[-1]

    return _say
