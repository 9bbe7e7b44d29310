"""Identifiers on the synthetic labelled set, and the extraction rules one by one."""

from __future__ import annotations

from datetime import timedelta

import pytest

from baton.brief import build_brief, find_identifiers
from baton.brief.entities import identity_key
from baton.domain import Conversation, Customer, Identifier
from baton.policy import default_policy
from tests.factories.brief import T0, labelled_conversations, turn

CASES = labelled_conversations()


def _expected(case_expected: frozenset[tuple[str, str]]) -> set[tuple[str, str]]:
    return {
        identity_key(Identifier(kind=k, value=v, source="label", masked=v.startswith("****")))
        for k, v in case_expected
    }


def test_the_set_is_large_enough_and_multi_turn() -> None:
    assert len(CASES) >= 30
    assert all(len(c.conversation.turns) >= 3 for c in CASES)
    assert sum(len(c.expected) for c in CASES) >= 60


def test_recall_and_precision_on_the_synthetic_set() -> None:
    policy = default_policy()
    hits = found = expected = 0
    for case in CASES:
        brief = build_brief(
            conversation=case.conversation, decision=case.decision, policy=policy, now=T0
        )
        got = {identity_key(i) for i in brief.identifiers}
        want = _expected(case.expected)
        hits += len(got & want)
        found += len(got)
        expected += len(want)
    recall, precision = hits / expected, hits / found
    print(f"identifiers: recall {recall:.3f} precision {precision:.3f} ({hits}/{expected}/{found})")
    assert recall >= 0.98
    assert precision >= 0.95


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_every_summary_has_five_to_ten_lines(case) -> None:  # type: ignore[no-untyped-def]
    brief = build_brief(
        conversation=case.conversation,
        decision=case.decision,
        policy=default_policy(),
        now=T0 + timedelta(minutes=10),
    )
    lines = brief.summary.splitlines()
    assert 5 <= len(lines) <= 10
    assert all(line.strip() for line in lines)
    assert all(i.source for i in brief.identifiers)


def _ids(conversation: Conversation) -> list[tuple[str, str, str]]:
    return [(i.kind, i.value, i.source) for i in find_identifiers(conversation, default_policy())]


def test_each_identifier_says_where_it_was_found() -> None:
    conversation = Conversation(
        id="c",
        customer=Customer(email="A@Example.com", id="cus_1", phone="020 7946 0958", region="GB"),
        metadata={"orderId": "AB-123456", "crm": {"account": {"number": "12345678"}}},
        turns=(
            turn("t1", "user", "Invoice INV-20931, e-mail me at b@example.org"),
            turn("t2", "bot", "Found it.", metadata={"ticket_id": 4471023}),
        ),
    )
    assert _ids(conversation) == [
        ("email", "A@example.com", "customer"),
        ("phone", "+442079460958", "customer"),
        ("customer_id", "cus_1", "customer"),
        ("order", "AB-123456", "metadata.orderId"),
        ("account", "12345678", "metadata.crm.account.number"),
        ("invoice", "INV-20931", "turn:t1"),
        ("email", "b@example.org", "turn:t1"),
        ("ticket", "4471023", "turn:t2.metadata.ticket_id"),
    ]


def test_phones_are_read_in_the_customers_region() -> None:
    def phones(region: str, text: str) -> list[str]:
        conversation = Conversation(
            id="c", customer=Customer(region=region), turns=(turn("t1", "user", text),)
        )
        return [v for k, v, _ in _ids(conversation) if k == "phone"]

    assert phones("GB", "call me on 07911 123456") == ["+447911123456"]
    assert phones("US", "my cell is (415) 555-0132") == ["+14155550132"]
    assert phones("FR", "appelez-moi au 06 12 34 56 78") == ["+33612345678"]
    assert phones("GB", "I'm abroad, try +1 646 555 0123") == ["+16465550123"]


def test_numbers_that_are_not_phones_stay_out() -> None:
    text = (
        "Paid £1,249.00 on 24/11/2026 at 14:32 for 3 items, delivered to SW1A 1AA, order 55120034"
    )
    conversation = Conversation(
        id="c", customer=Customer(region="GB"), turns=(turn("t1", "user", text),)
    )
    assert _ids(conversation) == [("order", "55120034", "turn:t1")]


def test_a_possible_number_counts_only_after_a_phone_word() -> None:
    def phones(text: str) -> list[str]:
        conversation = Conversation(
            id="c", customer=Customer(region="GB"), turns=(turn("t1", "user", text),)
        )
        return [v for k, v, _ in _ids(conversation) if k == "phone"]

    assert phones("my number is 07700 900123") == ["+447700900123"]
    assert phones("reference 07700 900123 from the letter") == []


def test_the_bots_own_words_are_not_the_customers_identifiers() -> None:
    conversation = Conversation(
        id="c",
        customer=Customer(region="GB"),
        turns=(turn("t1", "bot", "Call us on 0345 600 1234 or write to help@bank.example"),),
    )
    assert _ids(conversation) == []


def test_the_same_identifier_twice_is_listed_once_with_its_first_source() -> None:
    conversation = Conversation(
        id="c",
        turns=(
            turn("t1", "user", "invoice INV-20931 please"),
            turn("t2", "user", "again: inv20931 and INV-20931"),
        ),
    )
    assert _ids(conversation) == [("invoice", "INV-20931", "turn:t1")]


def test_a_metadata_child_inherits_its_parents_kind_only_for_id_keys() -> None:
    conversation = Conversation(
        id="c", metadata={"order": {"id": "UK-771203", "total": "89.00", "number": "x"}}
    )
    assert [(k, v) for k, v, _ in _ids(conversation)] == [("order", "UK-771203"), ("order", "x")]


def test_policy_patterns_are_the_policys() -> None:
    policy = default_policy().model_copy(
        update={"identifiers": (), "brief": default_policy().brief}
    )
    conversation = Conversation(id="c", turns=(turn("t1", "user", "order AB-123456"),))
    assert find_identifiers(conversation, policy) == ()
