"""The bot-facing API's request and response bodies (apart from the tables and the domain)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from baton.domain import MAX_ATTACHMENTS, MAX_TEXT_CHARS, Attachment, BotSignal, Customer, Role

MAX_METADATA_KEYS = 64
MAX_METADATA_DEPTH = 16


def json_depth(value: Any) -> int:
    """How deeply a parsed JSON value nests (a scalar is 0), without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth + 1)
        stack.extend((child, depth + 1) for child in children)
    return deepest


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
    attachments: tuple[Attachment, ...] = Field(
        default=(),
        max_length=MAX_ATTACHMENTS,
        description="files by reference (http/https URL, content type, size, name); not fetched",
    )
    left: bool = Field(
        default=False, description="the customer has gone: an open handoff is abandoned"
    )

    @field_validator("sent_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("sent_at needs a time zone, e.g. 2026-11-24T10:00:00Z")
        try:
            return value.astimezone(UTC)
        except OverflowError:
            raise ValueError("sent_at is out of range once converted to UTC") from None

    @field_validator("turn_id", "text", "channel")
    @classmethod
    def _no_nul(cls, value: str | None) -> str | None:
        if value is not None and "\x00" in value:
            raise ValueError("must not contain NUL (\\u0000) characters")
        return value

    @field_validator("metadata")
    @classmethod
    def _bounded(cls, value: dict[str, Any]) -> dict[str, Any]:
        if len(value) > MAX_METADATA_KEYS:
            raise ValueError(f"metadata holds at most {MAX_METADATA_KEYS} keys")
        if json_depth(value) > MAX_METADATA_DEPTH:
            raise ValueError(f"metadata nests at most {MAX_METADATA_DEPTH} levels deep")
        return value


class ErrorBody(BaseModel):
    code: str
    message: str
    field: str | None


class ErrorResponse(BaseModel):
    error: ErrorBody
