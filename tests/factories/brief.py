"""Factories for the brief's tests: the synthetic labelled conversations and small builders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from baton.domain import (
    Action,
    BotSignal,
    Conversation,
    Customer,
    Decision,
    Reason,
    ReasonCode,
    Role,
    Turn,
)

DATA = Path(__file__).resolve().parents[1] / "brief" / "data" / "conversations.yaml"
T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Labelled:
    """One synthetic conversation, the decision that escalated it, and its expected identifiers."""

    id: str
    conversation: Conversation
    decision: Decision
    expected: frozenset[tuple[str, str]]


def turn(
    turn_id: str,
    role: str,
    text: str,
    *,
    at: datetime | None = None,
    bot: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
) -> Turn:
    return Turn(
        turn_id=turn_id,
        role=Role(role),
        text=text,
        sent_at=at or T0,
        bot=BotSignal.model_validate(bot) if bot else None,
        metadata=metadata or {},
    )


def decision(*codes: str, intent: str | None = None, action: Action = Action.HANDOFF) -> Decision:
    reasons = tuple(
        Reason(code=ReasonCode(c), score=0.9, evidence=f"{c} fired", action=action) for c in codes
    )
    return Decision(action=action, reasons=reasons, score=0.9 if reasons else 0.0, intent=intent)


def _conversation(item: dict[str, Any]) -> Conversation:
    turns = tuple(
        turn(
            f"t{i + 1}",
            raw["role"],
            raw["text"],
            at=T0 + timedelta(seconds=40 * i),
            bot=raw.get("bot"),
            metadata=raw.get("metadata"),
        )
        for i, raw in enumerate(item["turns"])
    )
    customer = Customer.model_validate(item["customer"]) if "customer" in item else None
    return Conversation(
        id=item["id"], turns=turns, customer=customer, metadata=item.get("metadata") or {}
    )


def labelled_conversations() -> list[Labelled]:
    """The synthetic set in tests/brief/data/conversations.yaml (written for these tests)."""
    items = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    out = []
    for item in items:
        spec = item.get("decision") or {}
        out.append(
            Labelled(
                id=item["id"],
                conversation=_conversation(item),
                decision=decision(*spec.get("reasons", ()), intent=spec.get("intent")),
                expected=frozenset(
                    (e["kind"], str(e["value"])) for e in item["expect"]["identifiers"]
                ),
            )
        )
    return out
