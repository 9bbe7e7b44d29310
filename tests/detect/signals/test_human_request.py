from __future__ import annotations

import pytest

from baton.detect.signals.human_request import human_request, model_may_fire, rule_match

ASKS = [
    "I want to talk to a human",
    "let me speak to someone real",
    "Can I speak to an agent please?",
    "agent",
    "Representative!",
    "get me a real person",
    "connect me to customer service",
    "transfer me to a live agent",
    "this bot is useless",
    "stop talking like a robot, I'm sick of bots",
    "call me back please",
    "Just let me talk to a human already!",
    "I'd like to speak to the manager",
    "can i get someone else on the line?",
    "i dont want to talk to you, give me human",
]
TYPOS = ["let me talk to a humam", "i want a huamn", "talk to agnet pls", "can i speek to a persn"]
NEGATED = [
    "I don't need an agent",
    "no need to talk to a human, thanks",
    "I do not want to speak to a person",
    "I don't want a human, just tell me my balance",
    "am I talking to a real person?",
    "do I need to speak to an agent to change my pin?",
]
NOT_ASKS = [
    "I want to talk about my card",
    "someone stole my card",
    "you can call me Sam",
    "the person I paid has not received the money",
    "how do I transfer money to someone abroad?",
    "take $40 and transfer it to my savings",
]


@pytest.mark.parametrize("text", ASKS + TYPOS)
def test_requests_for_a_person_fire_with_their_words(text: str) -> None:
    signal = human_request(text)
    assert signal.score == 1.0
    assert signal.evidence.startswith("asked for a person")


@pytest.mark.parametrize("text", NEGATED + NOT_ASKS)
def test_negations_and_other_uses_do_not_fire(text: str) -> None:
    assert rule_match(text) is None
    assert human_request(text).score == 0.0


def test_negation_cancels_the_learned_score_too() -> None:
    assert human_request("I don't need an agent", learned=0.9).score == 0.0


def test_learned_score_counts_when_no_rule_matches() -> None:
    signal = human_request("could a colleague of yours look at this", learned=0.8)
    assert signal.score == 0.8
    assert "model" in signal.evidence


def test_a_request_after_a_negated_clause_still_fires() -> None:
    text = "I don't want to make a transfer, but please let me speak with someone else"
    assert human_request(text).score == 1.0


def test_someone_to_talk_to_is_a_request() -> None:
    assert human_request("is there someone there I can talk to?").score == 1.0
    assert human_request("it still fails, can you get someone to help me?").score == 1.0
    assert human_request("I need someone to clean my room").score == 0.0


@pytest.mark.parametrize(
    "text",
    [
        "I need to speak to the billing department",
        "could I have a quick word with someone from housekeeping",
        "I'd like to have a chat with some of your cleaners directly",
        "can I speak to the restaurant",
        "sales team please",
        "this is really frustrating",
        "that's a waste of my time",
    ],
)
def test_departments_and_a_conversation_going_nowhere_are_requests(text: str) -> None:
    assert human_request(text).score == 1.0


@pytest.mark.parametrize(
    "text",
    [
        "I work in the sales team",
        "the front desk was rude",
        "this is really frustrating, my card still has not arrived",
        "we need to have a word about the bill",
    ],
)
def test_teams_and_frustration_in_other_senses_do_not_fire(text: str) -> None:
    assert rule_match(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "please bring me a ham sandwich",
        "I'd like to talk about the actual topic of this conversation",
        "I don't need an agent",
    ],
)
def test_the_learned_score_needs_a_person_or_contact_word_and_no_topic_only_talk(
    text: str,
) -> None:
    assert not model_may_fire(text)
    assert human_request(text, learned=0.95).score == 0.0


def test_talk_about_with_a_person_may_still_fire_from_the_model() -> None:
    assert model_may_fire("could a colleague talk with me about my loan")
