"""Stored handoffs with hand-written event logs, for KPI, report and retraining tests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from baton.cli.main import app
from baton.config import get_settings
from baton.store.tables import DEFAULT_TENANT, ConversationRow, HandoffEventRow, HandoffRow

Event = tuple[str, datetime] | tuple[str, datetime, dict[str, Any]]


def add_conversation(
    session: Session, conversation_id: str, at: datetime, *, meta: dict[str, Any] | None = None
) -> ConversationRow:
    row = ConversationRow(
        tenant_id=DEFAULT_TENANT,
        id=conversation_id,
        channel="web",
        meta=meta or {},
        state={},
        turn_count=0,
        created_at=at,
        updated_at=at,
    )
    session.add(row)
    session.flush()
    return row


def add_handoff(
    session: Session,
    handoff_id: str,
    conversation_id: str,
    *,
    queue: str,
    reason: str,
    channel: str | None,
    events: Sequence[Event],
    status: str = "resolved",
    due: datetime | None = None,
    identifiers: Sequence[tuple[str, str]] = (),
    necessary: bool | None = None,
    csat: int | None = None,
    outcome: str | None = None,
    resolution_code: str | None = None,
    transcript: Sequence[tuple[str, str]] = (),
    reasons: Sequence[dict[str, Any]] | None = None,
) -> HandoffRow:
    """A handoff and its events, written as the engine and the desk would have written them."""
    opened = events[0][1]
    row = HandoffRow(
        id=handoff_id,
        conversation_id=conversation_id,
        status=status,
        queue=queue,
        priority=50,
        channel=channel,
        reasons=list(reasons)
        if reasons is not None
        else [{"code": reason, "score": 1.0, "evidence": "", "action": "handoff"}],
        primary_reason=reason,
        brief={
            "identifiers": [
                {"kind": kind, "value": value, "source": "customer"} for kind, value in identifiers
            ],
            "transcript": [
                {"turn_id": f"t{i}", "role": role, "text": text, "sent_at": opened.isoformat()}
                for i, (role, text) in enumerate(transcript)
            ],
            "desired_outcome": next((t for r, t in transcript if r == "user"), ""),
        },
        routing={},
        first_response_due=due,
        necessary=necessary,
        csat=csat,
        outcome=outcome,
        resolution_code=resolution_code,
        created_at=opened,
        updated_at=events[-1][1],
    )
    session.add(row)
    session.flush()
    for event in events:
        data = event[2] if len(event) == 3 else {}  # type: ignore[misc]
        session.add(
            HandoffEventRow(
                handoff_id=handoff_id,
                type=event[0],
                at=event[1],
                actor="agent-1" if event[0] in {"accepted", "replied", "resolved"} else None,
                data=data,
            )
        )
    session.flush()
    return row


def seed_week_through_cli(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point BATON_DATABASE_URL at `db_url` and fill 2026-W46 and W47 with `baton seed week`."""
    monkeypatch.setenv("BATON_DATABASE_URL", db_url)
    get_settings.cache_clear()
    result = CliRunner().invoke(
        app, ["seed", "week", "--week", "2026-W47", "--conversations", "60", "--history", "1"]
    )
    assert result.exit_code == 0, result.output
    assert "synthetic" in result.output
