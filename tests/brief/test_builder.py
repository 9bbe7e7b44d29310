"""The brief as a pure function: every field, the next best action, the summarizer port."""

from __future__ import annotations

from datetime import timedelta

import pytest

from baton.brief import StaticSummarizer, Summary, SummaryRequest, build_brief
from baton.domain import (
    Action,
    BotSignal,
    Conversation,
    Customer,
    Reason,
    ReasonCode,
    Sentiment,
    Urgency,
)
from baton.policy import default_policy, parse_policy
from tests.factories.brief import T0, decision, labelled_conversations, turn

POLICY = default_policy()


def _case(prefix: str):  # type: ignore[no-untyped-def]
    return next(c for c in labelled_conversations() if c.id.startswith(prefix))


def test_the_same_inputs_give_the_same_brief() -> None:
    case = _case("syn-22")
    first = build_brief(
        conversation=case.conversation, decision=case.decision, policy=POLICY, now=T0
    )
    again = build_brief(
        conversation=case.conversation, decision=case.decision, policy=POLICY, now=T0
    )
    assert first == again


def test_every_field_is_filled_from_the_conversation() -> None:
    case = _case("syn-01")
    sentiment = Sentiment(level=-0.4, trend=-0.2, label="negative")
    escalation = case.decision.model_copy(update={"sentiment": sentiment, "urgency": Urgency.HIGH})
    brief = build_brief(
        conversation=case.conversation,
        decision=escalation,
        policy=POLICY,
        now=T0 + timedelta(minutes=7),
    )
    assert brief.intent == "transaction_charged_twice"
    assert brief.topic == "charges"  # from the policy's intent
    assert brief.urgency is Urgency.HIGH
    assert brief.sentiment == sentiment
    assert brief.desired_outcome == "I just want one of the payments refunded please."
    assert [(a.action, a.result) for a in brief.attempted] == [("lookup_order", "found")]
    assert brief.reasons == escalation.reasons
    assert [line.turn_id for line in brief.transcript] == ["t1", "t2", "t3", "t4", "t5"]
    lines = brief.summary.splitlines()
    assert lines[0] == "Ana Lopez (pro) wrote 3 messages over 7 min."
    assert any("AB-123456" in line for line in lines)
    assert any("lookup_order (found)" in line for line in lines)
    assert "mood negative (-0.40, getting worse)" in brief.summary
    assert brief.summary_source == "extractive"


def test_bot_fallbacks_and_blocks_count_as_attempts() -> None:
    case = _case("syn-05")
    brief = build_brief(
        conversation=case.conversation, decision=case.decision, policy=POLICY, now=T0
    )
    assert [(a.action, a.result, a.turn_id) for a in brief.attempted] == [
        ("answer", "fell back", "t4")
    ]


def test_next_best_action_is_the_playbook_step_with_the_facts_not_the_words() -> None:
    case = _case("syn-15")  # intent request_refund: the default playbook's refund-review step
    brief = build_brief(
        conversation=case.conversation, decision=case.decision, policy=POLICY, now=T0
    )
    assert brief.next_action_step == "refund-review"
    assert brief.next_best_action == (
        "Check the refund policy for a refund request (order 77001234), decide, and tell "
        "Ivy Chen the outcome and when the money arrives."
    )
    assert brief.ticket_fields.subject == "Refunds: a refund request (order 77001234)"


def test_next_best_action_prefers_the_intents_own_sentence() -> None:
    own = "Refund {customer} at once."
    policy = POLICY.model_copy(
        update={
            "intents": {
                **POLICY.intents,
                "request_refund": POLICY.intents["request_refund"].model_copy(
                    update={"next_best_action": own}
                ),
            }
        }
    )
    case = _case("syn-15")
    brief = build_brief(
        conversation=case.conversation, decision=case.decision, policy=policy, now=T0
    )
    assert (brief.next_action_step, brief.next_best_action) == (
        "request_refund",
        "Refund Ivy Chen at once.",
    )


def test_next_best_action_rules_match_reasons_and_fill_the_template() -> None:
    case = _case("syn-03")  # identity_required, intent password_reset has its own sentence
    no_intent = case.decision.model_copy(update={"intent": None})
    conversation = case.conversation.model_copy(
        update={"turns": tuple(t.model_copy(update={"bot": None}) for t in case.conversation.turns)}
    )
    brief = build_brief(conversation=conversation, decision=no_intent, policy=POLICY, now=T0)
    assert brief.next_best_action.startswith("Verify Jamie Rivera's identity, then do what the bot")


def test_next_best_action_rules_can_match_the_queue() -> None:
    policy = parse_policy(
        """
version: 1
queues: [{name: support}, {name: vip}]
default_queue: support
routing: [{name: big, queue: vip, match: {tiers: [enterprise]}}]
identifiers: [{kind: order, pattern: '\\border\\s+([A-Z]{2}-\\d{6})'}]
brief:
  next_best_actions:
    - {name: vip, match: {queues: [vip]}, action: "Call {customer} about order {order}."}
  fallback_action: "Answer {customer}."
"""
    )
    conversation = Conversation(
        id="c",
        customer=Customer(name="Grace", tier="enterprise"),
        turns=(turn("t1", "user", "order AB-123456 is late, get me a person"),),
    )
    brief = build_brief(
        conversation=conversation, decision=decision("human_requested"), policy=policy, now=T0
    )
    assert brief.next_best_action == "Call Grace about order AB-123456."
    small = conversation.model_copy(update={"customer": Customer(name="Sam", tier="free")})
    brief = build_brief(
        conversation=small, decision=decision("human_requested"), policy=policy, now=T0
    )
    assert brief.next_best_action == "Answer Sam."


def test_ticket_fields_are_prefilled() -> None:
    case = _case("syn-06")
    brief = build_brief(
        conversation=case.conversation, decision=case.decision, policy=POLICY, now=T0
    )
    ticket = brief.ticket_fields
    assert ticket.subject.startswith("Outage: ")
    assert len(ticket.subject) <= 120
    assert ticket.category == "outage"
    assert ticket.priority == brief.urgency.value
    assert ticket.requester == "Mark Hughes"
    assert ticket.requester_email == "mark.hughes@example.co.uk"
    assert ticket.tags == ("baton", "urgent", "negative_sentiment", "outage")
    assert ticket.custom["ticket"] == "4471023"
    assert ticket.custom["conversation_id"] == case.id
    assert ticket.custom["queue"] == "support"
    assert ticket.description.startswith("CASE BRIEF")
    assert brief.summary.splitlines()[0] in ticket.description


def test_an_injected_summarizer_writes_the_summary() -> None:
    case = _case("syn-01")
    fake = StaticSummarizer(("One.", "Two.", "Three.", "Four.", "Five."), "a refund")
    brief = build_brief(
        conversation=case.conversation,
        decision=case.decision,
        policy=POLICY,
        now=T0,
        summarizer=fake,
    )
    assert brief.summary == "One.\nTwo.\nThree.\nFour.\nFive."
    assert brief.desired_outcome == "a refund"
    assert brief.summary_source == "static"


class Broken:
    def summarize(self, request: SummaryRequest) -> Summary:
        raise RuntimeError("plug-in bug")


class Leaky:
    def summarize(self, request: SummaryRequest) -> Summary:
        lines = tuple(f"line {i} card 4242424242424242" for i in range(10))
        return Summary(lines=lines, desired_outcome="pin: 1234", source="leaky")


def test_a_summarizer_that_raises_falls_back_to_the_extractive_one(
    caplog: pytest.LogCaptureFixture,
) -> None:
    case = _case("syn-01")
    brief = build_brief(
        conversation=case.conversation,
        decision=case.decision,
        policy=POLICY,
        now=T0,
        summarizer=Broken(),
    )
    assert brief.summary_source == "extractive"
    assert "plug-in bug" in caplog.text


def test_a_summarizers_output_is_redacted_and_clipped_to_the_policy() -> None:
    case = _case("syn-01")
    policy = POLICY.model_copy(
        update={"brief": POLICY.brief.model_copy(update={"max_summary_lines": 6})}
    )
    brief = build_brief(
        conversation=case.conversation,
        decision=case.decision,
        policy=policy,
        now=T0,
        summarizer=Leaky(),
    )
    assert len(brief.summary.splitlines()) == 6
    assert "4242424242424242" not in brief.model_dump_json()
    assert brief.desired_outcome == "pin: [redacted secret]"


def test_reason_evidence_and_bot_actions_are_redacted() -> None:
    conversation = Conversation(
        id="c",
        turns=(
            turn("t1", "user", "hi"),
            turn(
                "t2",
                "bot",
                "ok",
                bot=BotSignal(action="verify 4242424242424242", action_result="ssn 123-45-6789"),
            ),
        ),
    )
    escalation = decision("human_requested").model_copy(
        update={
            "reasons": (
                Reason(
                    code=ReasonCode.HUMAN_REQUESTED,
                    score=1.0,
                    evidence="card 4242 4242 4242 4242",
                    action=Action.HANDOFF,
                ),
            )
        }
    )
    brief = build_brief(conversation=conversation, decision=escalation, policy=POLICY, now=T0)
    assert brief.reasons[0].evidence == "card **** 4242"
    assert (brief.attempted[0].action, brief.attempted[0].result) == (
        "verify **** 4242",
        "ssn **** 6789",
    )


def test_an_empty_conversation_still_gets_a_brief() -> None:
    brief = build_brief(
        conversation=Conversation(id="empty"),
        decision=decision("human_requested"),
        policy=POLICY,
        now=T0,
    )
    assert 5 <= len(brief.summary.splitlines()) <= 10
    assert brief.transcript == ()
    assert brief.ticket_fields.subject
