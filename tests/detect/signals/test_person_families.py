"""The families of "I want a person" (issue 19), on phrasings written for these tests (synthetic,
not taken from any data set): each family fires, its look-alikes do not."""

from __future__ import annotations

import random

import pytest

from baton.detect.signals.human_request import human_request, model_may_fire, rule_match
from baton.detect.signals.lexicon import correct_text, correct_word
from baton.learn.person_eval import typo, with_typos

CONTACT_CHANNEL = [
    "what number do I ring for your support people?",
    "can you give me the customer care phone number",
    "send me the e-mail address of customer support",
    "i need your helpline",
    "is there a hotline for card problems",
    "plz have someone call me back on my mobile",
    "I'd like to book a phone call with the bank",
    "ring me at 07700 900461",
    "my number is 0161 496 0000, someone phone me",
    "how do I get in touch with you people",
    "could somebody contact me about this",
    "I want to be called by an advisor",
]
OTHER_NOUNS = [
    "let me talk to a senior executive",
    "I'd like to speak to a mortgage specialist",
    "can an advisor look at this with me? put me through to one",
    "get me someone from your fraud team",
    "connect me to the complaints department",
    "I need a bank officer to sort this out",
]
MISSPELT = [
    "i want to speek with a humna",
    "cnnect me to an agnet",
    "talk to a reprsentative",
    "custmer servce pls",
    "i neeed a persn to chekc this",
    "contcat custmer support",
    "can i chta with sombody",
]
BROKEN_AND_TERSE = [
    "human now",
    "agent pls",
    "customer care",
    "representative!!",
    "want talk person",
    "pls need agent",
    "executive",
    "call back",
]
FRUSTRATION = [
    "you are not helping, i want someone real",
    "youre useless",
    "you dont understand what i'm asking",
    "this stupid bot keeps sending me the same link",
    "I'm fed up with this chatbot",
]
ABOUT_A_CALL = [
    "my call to you keeps getting disconnected",
    "the number you gave me is wrong",
    "I rang your line and it was busy",
    "which languages do you support?",
    "can you reply in spanish",
    "I want to change my phone number",
    "the helpline isn't connecting",
    "I must update my contact details",
]
NEGATED = [
    "I don't need anyone to call me",
    "no need for an agent, I found it",
    "please do not give me a phone number, just answer",
    "I do not want to speak to customer service",
]


@pytest.mark.parametrize(
    "text", CONTACT_CHANNEL + OTHER_NOUNS + MISSPELT + BROKEN_AND_TERSE + FRUSTRATION
)
def test_each_family_of_request_fires_with_its_words(text: str) -> None:
    signal = human_request(text)
    assert signal.score == 1.0, text
    assert signal.evidence.startswith("asked for a person (")


@pytest.mark.parametrize("text", ABOUT_A_CALL + NEGATED)
def test_talk_about_calls_numbers_languages_and_negations_stay_negative(text: str) -> None:
    assert rule_match(text) is None, rule_match(text)
    assert not model_may_fire(text)
    assert human_request(text, learned=0.99).score == 0.0


def test_a_request_beside_a_call_problem_still_fires() -> None:
    assert human_request("the line keeps dropping, please call me back").score == 1.0


def test_the_lexicon_puts_key_words_right_and_leaves_real_words_alone() -> None:
    assert correct_text("agnet custmer representitive helpilne") == (
        "agent customer representative helpline"
    )
    for real in ("contract", "that", "arent", "walk", "custom", "person", "prison"):
        assert correct_word(real) == real


def test_typo_stress_is_fixed_by_its_seed_and_changes_words() -> None:
    text = "could you please connect me to someone from customer service"
    first = with_typos(text, random.Random(7), rate=1.0)
    assert first == with_typos(text, random.Random(7), rate=1.0)
    assert first != text
    drops = {"agent"[:i] + "agent"[i + 1 :] for i in range(4)}
    doubles = {"agent"[: i + 1] + "agent"[i:] for i in range(4)}
    swaps = {"agent"[:i] + "agent"[i + 1] + "agent"[i] + "agent"[i + 2 :] for i in range(4)}
    assert {typo("agent", random.Random(s)) for s in range(30)} <= drops | doubles | swaps


def test_model_evidence_names_the_words() -> None:
    signal = human_request("could a colleague look at it", learned=0.8, words="'colleague'")
    assert signal.evidence == "person-request model 0.80: 'colleague'"


# Second round of #19: more of each family, again written for these tests.
MORE_CONTACT = [
    "can I ring you about this?",
    "who do I talk to about a charge I don't recognise",
    "who should we contact regarding the invoice",
    "what's your e-mail address",
    "do you have a phone number",
    "my mobile is 07700 900777, just call me",
    "I'd like to leave my number for someone to ring me back",
    "I want somebody from your team to phone me",
    "could someone from the billing team contact me",
]
MORE_NOUNS = [
    "could I speak with my relationship manager",
    "let me talk to your boss",
    "can I get a rep on this",
    "I would prefer to deal with a person",
    "I want to complain to a supervisor",
    "put a human on the chat",
]
ASKING_FOR_HELP_FROM_A_PERSON = [
    "I need human assistance with my account",
    "help from a real person please",
    "can an advisor look at my application",
    "I need someone to look into this charge",
    "please escalate this",
    "I want to escalate my complaint",
    "escalation please",
]
IS_ANYONE_THERE = [
    "is there anybody real there i can talk to",
    "are there any real people working there?",
    "is a human available right now",
]
MORE_FRUSTRATION = [
    "this is not helpful at all",
    "that doesn't help",
    "you keep sending me the same article",
    "talking to you is a complete waste of time",
    "I hate dealing with chatbots",
    "no more robots, a person please",
    "not a bot, a human",
    "I need real answers, not a machine",
]
MORE_MISSPELT = [
    "cna i spek to smoeone",
    "whta is ur phnoe number",
    "i dnt want the bot, gte me a humna",
    "pls escalte this",
    "put me thorugh to a represntative",
]
MORE_NEGATIVE = [
    "is room service available after midnight",
    "how do I call the elevator",
    "the contact details on my profile are out of date and wrong",
    "the advisor already helped me, thanks",
    "are you a robot?",
    "it asks me to prove I'm not a robot",
    "is this help page up to date",
    "this app is not helping me to save, any tips?",
    "prices keep escalating",
    "hello, anyone there?",
    "who do I go to for a new car",
    "i need someone to look at my car",
    "do you have a boss",
    "what can I call you?",
    "my boss needs a copy of the statement",
    "who do I make the cheque out to",
    "my email address changed",
    "i dont want a call, just e-mail me the form",
    "no one needs to call me, I'm sorted",
]


@pytest.mark.parametrize(
    "text",
    MORE_CONTACT
    + MORE_NOUNS
    + ASKING_FOR_HELP_FROM_A_PERSON
    + IS_ANYONE_THERE
    + MORE_FRUSTRATION
    + MORE_MISSPELT,
)
def test_second_round_families_fire_and_name_their_words(text: str) -> None:
    signal = human_request(text)
    assert signal.score == 1.0, text
    _family, words = rule_match(text) or ("", "")
    assert words and words.lower() in signal.evidence.lower()


@pytest.mark.parametrize("text", MORE_NEGATIVE)
def test_second_round_look_alikes_stay_negative(text: str) -> None:
    assert rule_match(text) is None, rule_match(text)
