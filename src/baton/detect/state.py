"""What the signals carry across turns, stored with the conversation and rebuilt on replay."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class DetectState(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    user_turns: int = 0
    failure_streak: int = 0
    sentiments: tuple[float, ...] = Field(default=(), description="recent VADER compounds")
    declined_at_turn: int | None = None
    last_user_text: str = ""
    handed_off: bool = False
