"""A synthetic conversation of any length, for `baton bench brief` and demos (no real person)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

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

START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
_USER = (
    "Hi, I was charged twice for order AB-123456 on 03/11/2026.",
    "It was £49.99 each time, on my card 4242 4242 4242 4242.",
    "I want one of the payments refunded please.",
    "My account number is 88123456 and my e-mail is sam.taylor@example.com.",
    "I already tried the refund form twice, it says error 500.",
    "You can call me on 020 7946 0958 after 5pm.",
    "Invoice INV-20931 shows both charges.",
    "This is the third time I'm asking, it's really frustrating.",
    "Is there a person who can actually fix this?",
    "Please, I need this sorted today.",
)
_BOT = (
    (
        "Sorry to hear that! Let me look up your order.",
        BotSignal(action="lookup_order", action_result="found"),
    ),
    ("Please don't share full card numbers here.", BotSignal(confidence=0.7)),
    ("Refunds take 5-7 days to show.", BotSignal(confidence=0.4, intent="request_refund")),
    ("I can't verify account details in chat.", BotSignal(fallback=True)),
    (
        "Try the refund form at example.com/refund.",
        BotSignal(action="send_refund_form", action_result="sent"),
    ),
)


def sample_conversation(turns: int = 20) -> tuple[Conversation, Decision]:
    """A synthetic refund conversation of `turns` turns, user and bot alternating."""
    items = []
    for i in range(turns):
        at = START + timedelta(seconds=45 * i)
        if i % 2 == 0:
            text = _USER[(i // 2) % len(_USER)]
            items.append(Turn(turn_id=f"t{i + 1}", role=Role.USER, text=text, sent_at=at))
        else:
            text, signal = _BOT[(i // 2) % len(_BOT)]
            items.append(
                Turn(turn_id=f"t{i + 1}", role=Role.BOT, text=text, sent_at=at, bot=signal)
            )
    conversation = Conversation(
        id="bench-synthetic",
        turns=tuple(items),
        customer=Customer(
            name="Sam Taylor", region="GB", tier="pro", email="sam.taylor@example.com"
        ),
        metadata={"orderId": "AB-123456", "session_id": "sess_20261124090000"},
    )
    decision = Decision(
        action=Action.HANDOFF,
        reasons=(
            Reason(
                code=ReasonCode.HUMAN_REQUESTED,
                score=1.0,
                evidence="a person",
                action=Action.HANDOFF,
            ),
            Reason(
                code=ReasonCode.NEGATIVE_SENTIMENT,
                score=0.7,
                evidence="really frustrating",
                action=Action.OFFER,
            ),
        ),
        score=1.0,
        intent="request_refund",
    )
    return conversation, decision
