"""Out of scope: Baton's own model says the message is outside what the bot was trained on."""

from __future__ import annotations

from baton.detect.model import IntentPrediction
from baton.detect.signals.base import NONE, Signal


def out_of_scope(prediction: IntentPrediction | None, threshold: float) -> Signal:
    """Scores the model's out-of-scope probability; the policy's scope threshold maps to 0.5."""
    if prediction is None:
        return NONE
    p = prediction.out_of_scope
    if p < threshold:
        return Signal(round(0.5 * p / max(threshold, 1e-9), 4)) if p > 0 else NONE
    score = 0.5 + 0.5 * (p - threshold) / max(1.0 - threshold, 1e-9)
    return Signal(
        round(min(score, 1.0), 4),
        f"out of scope {p:.2f} (nearest intent {prediction.intent} {prediction.confidence:.2f}"
        f"{nearest_example(prediction)})",
    )


def nearest_example(prediction: IntentPrediction) -> str:
    """In encoder mode, the most similar training example and its cosine, as evidence."""
    if prediction.nearest is None or prediction.similarity is None:
        return ""
    return f"; nearest example {prediction.nearest[:80]!r} {prediction.similarity:.2f}"
