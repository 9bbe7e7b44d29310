from __future__ import annotations

from baton.detect import Detector, DetectState
from baton.domain import Action, BotSignal, Conversation, Customer, ReasonCode, Role, Urgency
from baton.policy import Policy
from tests.detect.conftest import Say, run, turn


def test_explicit_request_hands_off_with_evidence(say: Say) -> None:
    decision = say("this is going nowhere, let me speak to someone real")
    assert decision.action is Action.HANDOFF
    assert decision.reasons[0].code is ReasonCode.HUMAN_REQUESTED
    assert "someone real" in decision.reasons[0].evidence


def test_negated_request_does_not_fire(say: Say) -> None:
    assert ReasonCode.HUMAN_REQUESTED not in say("I don't need an agent, thanks").codes


def test_stolen_card_is_urgent_with_intent_topic_and_urgency(say: Say) -> None:
    decision = say("my card was stolen this morning")
    assert decision.action is Action.HANDOFF
    assert ReasonCode.URGENT in decision.codes
    assert decision.intent == "lost_or_stolen_card"
    assert decision.topic == "cards"
    assert decision.urgency is Urgency.CRITICAL
    assert decision.intent_confidence is not None and decision.intent_confidence > 0.5


def test_refund_is_policy_restricted(say: Say) -> None:
    decision = say("I was charged twice for the same purchase, I want my money back")
    assert ReasonCode.POLICY_RESTRICTED in decision.codes
    restricted = next(r for r in decision.reasons if r.code is ReasonCode.POLICY_RESTRICTED)
    assert "intent model" in restricted.evidence


def test_forgotten_passcode_needs_identity(say: Say) -> None:
    assert ReasonCode.IDENTITY_REQUIRED in say("I forgot my passcode and can't log in").codes


def test_high_value_intent_is_weighted_by_tier(say: Say) -> None:
    enterprise = say("I want to close my account", customer=Customer(tier="enterprise"))
    free = say("I want to close my account", customer=Customer(tier="free"))
    assert ReasonCode.HIGH_VALUE_INTENT in enterprise.codes
    assert enterprise.action is Action.OFFER
    assert ReasonCode.HIGH_VALUE_INTENT not in free.codes


def test_out_of_scope_message_is_low_confidence_without_bot_confidence(say: Say) -> None:
    decision = say("what's a good recipe for banana bread?")
    assert ReasonCode.LOW_CONFIDENCE in decision.codes
    assert "out of scope" in decision.reasons[0].evidence or any(
        "out of scope" in r.evidence for r in decision.reasons
    )


def test_a_confident_bot_overrides_the_scope_model(say: Say) -> None:
    decision = say("what's a good recipe for banana bread?", bot=BotSignal(confidence=0.95))
    assert ReasonCode.LOW_CONFIDENCE not in decision.codes


def test_in_scope_question_continues(say: Say) -> None:
    decision = say("How long does it take for my new card to arrive?")
    assert decision.action is Action.CONTINUE
    assert decision.intent in {"card_arrival", "card_delivery_estimate"}
    assert decision.sentiment is not None


def test_fallbacks_in_a_row_are_repeated_failure(detector: Detector) -> None:
    turns = [
        turn(0, "can I pay my rent through you"),
        turn(1, "Sorry, I didn't get that.", Role.BOT, BotSignal(fallback=True)),
        turn(2, "pay rent, can I do that here"),
        turn(3, "Sorry, I didn't get that.", Role.BOT, BotSignal(fallback=True)),
    ]
    decisions = run(detector, turns)
    assert ReasonCode.LOW_CONFIDENCE in decisions[1].codes
    assert ReasonCode.REPEATED_FAILURE in decisions[3].codes
    assert decisions[3].action is Action.HANDOFF


def test_rephrasing_and_correcting_count_as_failures(detector: Detector) -> None:
    ok = BotSignal(confidence=0.9)
    turns = [
        turn(0, "where is my new card?"),
        turn(1, "Here is how to order a card.", Role.BOT, ok),
        turn(2, "no, that's not what I asked. where is my new card?"),
        turn(3, "Here is how to order a card.", Role.BOT, ok),
        turn(4, "where is my new card??"),
    ]
    decisions = run(detector, turns)
    failure = next(r for r in decisions[4].reasons if r.code is ReasonCode.REPEATED_FAILURE)
    assert "corrected the bot" in failure.evidence
    assert "rephrased" in failure.evidence


def test_sentiment_trend_over_turns(detector: Detector) -> None:
    turns = [
        turn(0, "Hi, thanks for helping me today!"),
        turn(1, "hmm, that did not work"),
        turn(2, "this is getting annoying and frustrating"),
    ]
    last = run(detector, turns)[-1]
    assert last.sentiment is not None and last.sentiment.trend < 0
    assert ReasonCode.NEGATIVE_SENTIMENT in last.codes


def test_a_declined_offer_is_not_made_again_during_the_cooldown(
    detector: Detector, policy: Policy
) -> None:
    conversation_turn = turn(0, "what's a good recipe for banana bread?")

    conversation = Conversation(id="c", turns=(conversation_turn,))
    declined = DetectState(user_turns=1, declined_at_turn=1)
    decision, _ = detector.decide(conversation, declined, conversation_turn.sent_at)
    assert ReasonCode.LOW_CONFIDENCE in decision.codes
    assert decision.action is Action.CONTINUE
    later = DetectState(user_turns=1 + policy.detect.decline_cooldown_turns, declined_at_turn=1)
    decision, _ = detector.decide(conversation, later, conversation_turn.sent_at)
    assert decision.action is Action.OFFER


def test_a_request_for_a_person_wins_over_a_declined_offer(detector: Detector) -> None:

    t = turn(0, "get me a human")
    decision, _ = detector.decide(
        Conversation(id="c", turns=(t,)), DetectState(user_turns=1, declined_at_turn=1), t.sent_at
    )
    assert decision.action is Action.HANDOFF


def test_state_holds_only_what_the_next_turn_needs(detector: Detector) -> None:
    turns = [turn(i, f"message number {i} about my card") for i in range(8)]
    state = DetectState()

    for i in range(len(turns)):
        conversation = Conversation(id="c", turns=tuple(turns[: i + 1]))
        _, state = detector.decide(conversation, state, turns[i].sent_at)
    assert state.user_turns == 8
    assert len(state.sentiments) == 3
    assert state.last_user_text == "message number 7 about my card"


def test_rules_still_run_without_models(policy: Policy) -> None:
    decision = run(Detector(policy), [turn(0, "let me talk to a human")])[0]
    assert decision.action is Action.HANDOFF


def test_small_talk_is_in_scope_without_bot_confidence(say: Say) -> None:
    for text in ("hello", "hi there", "thanks", "ok", "yes", "no", "bye"):
        decision = say(text)
        assert decision.codes == (), (text, decision.codes)
        assert decision.intent == "smalltalk"
