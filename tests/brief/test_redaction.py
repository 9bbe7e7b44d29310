"""Redaction: no full card number, national ID or secret reaches any rendering of the brief."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from baton.brief import build_brief, redactor_for, render_markdown, render_text
from baton.brief.redaction import Redactor, luhn_valid, mask
from baton.brief.tickets import ticket_payload
from baton.domain import BotSignal, Conversation, Customer
from baton.policy import default_policy
from baton.policy.schema import RedactionConfig, RedactionPattern
from tests.factories.brief import T0, decision, turn

REDACTOR = Redactor(RedactionConfig())


def _luhn_complete(body: str) -> str:
    for check in "0123456789":
        if luhn_valid(body + check):
            return body + check
    raise AssertionError("unreachable")


cards = st.builds(
    lambda prefix, rest, length: _luhn_complete((prefix + rest)[: length - 1]),
    st.sampled_from(["4", "51", "55", "2221", "34", "37", "6011"]),
    st.text("0123456789", min_size=20, max_size=20),
    st.integers(min_value=13, max_value=19),
)
separators = st.sampled_from(["", " ", "-", ".", "  "])


def _grouped(card: str, sep: str) -> str:
    if not sep or len(card) != 16:
        return card
    return sep.join(card[i : i + 4] for i in range(0, 16, 4))


def test_luhn() -> None:
    assert luhn_valid("4242424242424242")
    assert luhn_valid("378282246310005")
    assert not luhn_valid("1234567890123456")


def test_masks_keep_the_tail_only() -> None:
    assert mask("4242 4242 4242 4242", 4) == "**** 4242"
    assert mask("hunter2", 0) == "[redacted secret]"


@settings(max_examples=150, deadline=None)
@given(card=cards, sep=separators, before=st.text(max_size=30), after=st.text(max_size=30))
def test_no_full_card_number_survives_redaction(
    card: str, sep: str, before: str, after: str
) -> None:
    text = f"{before} {_grouped(card, sep)} {after}"
    redacted, findings = REDACTOR.redact(text)
    assert card not in "".join(c for c in redacted if c.isdigit())
    assert any(f.kind == "card" and f.masked == f"**** {card[-4:]}" for f in findings)


@settings(max_examples=40, deadline=None)
@given(card=cards, sep=separators)
def test_no_full_card_number_reaches_any_rendering(card: str, sep: str) -> None:
    written = _grouped(card, sep)
    conversation = Conversation(
        id="c",
        customer=Customer(name="Kim", region="GB"),
        metadata={"payment": {"card_number": card}},
        turns=(
            turn("t1", "user", f"my card is {written}, please refund it"),
            turn(
                "t2",
                "bot",
                "Checking.",
                bot=BotSignal(action=f"charge {written}", action_result="declined"),
            ),
            turn("t3", "user", f"I said {written}! get me a human"),
        ),
    )
    escalation = decision("human_requested").model_copy(
        update={
            "reasons": (
                decision("human_requested").reasons[0].model_copy(update={"evidence": written}),
            )
        }
    )
    brief = build_brief(
        conversation=conversation, decision=escalation, policy=default_policy(), now=T0
    )
    outputs = [
        brief.model_dump_json(),
        render_markdown(brief),
        render_text(brief),
        *(
            json.dumps(ticket_payload(brief.ticket_fields, system))
            for system in default_policy().brief.tickets.systems.values()
        ),
    ]
    for out in outputs:
        assert card not in "".join(c for c in out if c.isdigit())
    assert any(i.kind == "card" and i.value == f"**** {card[-4:]}" for i in brief.identifiers)


def test_numbers_that_fail_luhn_are_left_alone() -> None:
    text = "tracking 1234 5678 9012 3456 and order 1234567890123"
    assert REDACTOR.redact(text) == (text, ())


def test_national_ids_are_masked() -> None:
    assert REDACTOR.text("SSN 123-45-6789") == "SSN **** 6789"
    assert REDACTOR.text("NI AB 12 34 56 C") == "NI **** 456C"
    assert REDACTOR.text("invalid SSN 000-12-3456 stays") == "invalid SSN 000-12-3456 stays"


def test_secrets_are_removed_without_a_tail() -> None:
    cases = {
        "my password is Summer2026!": "my password is [redacted secret]",
        "pin: 1234": "pin: [redacted secret]",
        "cvv 123": "cvv [redacted secret]",
        "key sk-live-4f9a8b7c6d5e4f3a2b1c0d9e ok": "key [redacted secret] ok",
        "AKIAABCDEFGHIJKLMNOP": "[redacted secret]",
        "Authorization: Bearer abcdefghijklmnop1234": "Authorization: [redacted secret]",
        "my password is not working": "my password is not working",
        "my pin is blocked": "my pin is blocked",
    }
    for text, expected in cases.items():
        assert REDACTOR.text(text) == expected, text


def test_the_policy_can_turn_rules_off_and_add_its_own() -> None:
    config = RedactionConfig(
        card_numbers=False,
        patterns=(
            RedactionPattern(
                kind="iban", pattern=r"\bGB\d{2}[A-Z]{4}\d{14}\b", keep_last=4, identifier=True
            ),
        ),
    )
    redactor = redactor_for(config)
    text, findings = redactor.redact("card 4242424242424242 iban GB82WEST12345698765432")
    assert text == "card 4242424242424242 iban **** 5432"
    assert [(f.kind, f.masked, f.identifier) for f in findings] == [("iban", "**** 5432", True)]


def test_the_transcript_copy_is_redacted_and_the_customer_turns_are_not_changed() -> None:
    original = turn("t1", "user", "card 4242 4242 4242 4242, password: hunter2")
    conversation = Conversation(id="c", turns=(original,))
    brief = build_brief(
        conversation=conversation,
        decision=decision("human_requested"),
        policy=default_policy(),
        now=T0,
    )
    assert brief.transcript[0].text == "card **** 4242, password: [redacted secret]"
    assert conversation.turns[0].text == "card 4242 4242 4242 4242, password: hunter2"
