"""What the signals carry across turns, stored with the conversation and rebuilt on replay.

Only what the next turn needs: counters, the last few sentiment levels, the last user message.
The detector never reads earlier turns, so a 20-turn conversation costs what a 1-turn one does.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class DetectState(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    user_turns: int = 0
    failure_streak: int = 0
    failures: tuple[str, ...] = Field(default=(), description="why the recent turns failed")
    last_bot_failed: bool = False
    sentiments: tuple[float, ...] = Field(default=(), description="recent sentiment levels")
    declined_at_turn: int | None = None
    last_user_text: str = ""
    handed_off: bool = False
