"""A small FAQ bot: TF-IDF similarity to known questions is its (real) confidence."""

from __future__ import annotations

from dataclasses import dataclass

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import linear_kernel

FALLBACK = "Sorry, I didn't understand that. Could you put it another way?"
_FAQ: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "card_delivery_estimate",
        "New cards arrive within 5 working days of ordering. You can track yours under Cards.",
        (
            "when will my new card arrive",
            "how long does card delivery take",
            "I ordered a card, where is it",
            "card has not arrived yet",
        ),
    ),
    (
        "opening_hours",
        "Our team is available 8:00-20:00 Monday to Friday and 10:00-16:00 on Saturdays (UK time).",
        (
            "what are your opening hours",
            "when are you open",
            "are you open on saturday",
            "what time does support close",
        ),
    ),
    (
        "change_address",
        "You can change your address in the app under Profile > Personal details.",
        (
            "how do I change my address",
            "I moved house, update my address",
            "update my postal address",
        ),
    ),
    (
        "top_up",
        "Top up with a debit card or a bank transfer from the Home screen; "
        "card top-ups are instant.",
        ("how do I top up", "how can I add money to my account", "add funds", "top up my balance"),
    ),
    (
        "exchange_rate",
        "We use the interbank exchange rate on weekdays, with a small markup at weekends.",
        (
            "what exchange rate do you use",
            "how are currencies converted",
            "exchange rate at weekends",
        ),
    ),
    (
        "greeting",
        "Hello! I'm the demo assistant. Ask me about cards, top-ups, fees or opening hours.",
        ("hi", "hello", "hey there", "good morning"),
    ),
)


@dataclass(frozen=True, slots=True)
class BotAnswer:
    text: str
    intent: str | None
    confidence: float
    fallback: bool


class FaqBot:
    """Answers the closest known question; below `floor` it falls back instead of guessing."""

    def __init__(self, floor: float = 0.35) -> None:
        self.floor = floor
        self._intents: list[str] = []
        self._answers: dict[str, str] = {}
        questions: list[str] = []
        for intent, answer, examples in _FAQ:
            self._answers[intent] = answer
            for example in examples:
                self._intents.append(intent)
                questions.append(example)
        self._vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
        self._matrix = self._vectorizer.fit_transform(questions)

    def answer(self, text: str) -> BotAnswer:
        scores = linear_kernel(self._vectorizer.transform([text]), self._matrix).ravel()
        best = int(scores.argmax())
        confidence = float(round(scores[best], 4))
        if confidence < self.floor:
            return BotAnswer(FALLBACK, None, confidence, True)
        intent = self._intents[best]
        return BotAnswer(self._answers[intent], intent, confidence, False)
