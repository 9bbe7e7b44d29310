"""Repeat-ask detection on real agent phrasings, asking and not asking."""

from __future__ import annotations

import pytest

from baton.learn.asks import repeat_asks

BRIEF = [("email", "ann@example.com"), ("order", "ORD-12345"), ("account", "12345678")]


@pytest.mark.parametrize(
    ("reply", "asked"),
    [
        ("Could you send me your order number please?", ["order"]),
        ("What's your email address?", ["email"]),
        ("what\u2019s the email on the account?", ["email"]),
        ("Hi Ann. Please confirm your account number so I can look.", ["account"]),
        ("I'll need your order ID and your e-mail to proceed.", ["email", "order"]),
        ("May I have the order reference?", ["order"]),
        ("Your order number?", ["order"]),
        ("Can u pls share ur email", []),  # no cue the detector knows ("pls", "ur")
        ("Thanks, I have your email address and your order.", []),
        ("I can see order ORD-12345 shipped yesterday. Could you confirm the order number?", []),
        ("Is there anything else I can help with?", []),
        ("Would you like the refund sent to your account?", []),
        ("Could you tell me your phone number?", []),  # the brief had no phone
        ("I found your account. Can you confirm your email is ann@example.com?", []),
    ],
)
def test_repeat_asks(reply: str, asked: list[str]) -> None:
    assert repeat_asks(reply, BRIEF) == asked


def test_kinds_the_policy_adds_are_named_by_their_own_words() -> None:
    assert repeat_asks("Could you give me your loyalty id?", [("loyalty", "L-1")]) == ["loyalty"]
    assert repeat_asks("Please share the booking reference.", [("booking", "ABC123")]) == [
        "booking"
    ]
