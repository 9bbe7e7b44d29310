"""The bot-facing API's request and response bodies (apart from the tables and the domain)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from baton.domain import MAX_TEXT_CHARS, BotSignal, Customer, Role

MAX_METADATA_KEYS = 64


class TurnCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    turn_id: str = Field(min_length=1, max_length=200, description="idempotency key")
    role: Role
    text: str = Field(max_length=MAX_TEXT_CHARS)
    sent_at: datetime
    bot: BotSignal | None = None
    customer: Customer | None = None
    channel: str | None = Field(default=None, max_length=64)
    metadata: dict[str, Any] = Field(default_factory=dict)

    @field_validator("sent_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("sent_at needs a time zone, e.g. 2026-11-24T10:00:00Z")
        return value

    @field_validator("metadata")
    @classmethod
    def _bounded(cls, value: dict[str, Any]) -> dict[str, Any]:
        if len(value) > MAX_METADATA_KEYS:
            raise ValueError(f"metadata holds at most {MAX_METADATA_KEYS} keys")
        return value


class ErrorBody(BaseModel):
    code: str
    message: str
    field: str | None


class ErrorResponse(BaseModel):
    error: ErrorBody
