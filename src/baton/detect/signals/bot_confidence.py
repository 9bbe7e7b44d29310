"""The bot's own word on its turn: its confidence and whether it fell back."""

from __future__ import annotations

from baton.detect.signals.base import NONE, Signal
from baton.domain import BotSignal


def bot_confidence(bot: BotSignal | None, floor: float) -> Signal:
    """Fires when the bot fell back or its confidence is under the policy's floor."""
    if bot is None:
        return NONE
    if bot.fallback:
        return Signal(1.0, "bot fallback")
    if bot.confidence is not None and bot.confidence < floor:
        gap = (floor - bot.confidence) / floor if floor > 0 else 1.0
        return Signal(min(1.0, 0.5 + gap / 2), f"bot confidence {bot.confidence:.2f} < {floor:.2f}")
    return NONE
