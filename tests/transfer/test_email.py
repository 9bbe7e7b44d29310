"""E-mail handoffs over SMTP with STARTTLS and AUTH, against a real aiosmtpd server on loopback."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from baton.api.app import create_app
from baton.config import Settings
from baton.store.db import SessionFactory, session_scope
from baton.store.tables import OutboxRow
from tests.transfer.mail import PASSWORD, TEAM, USER, Inbox, body, smtp_settings, worker_for


def email_handoff(client: TestClient) -> dict[str, Any]:
    turn = {
        "turn_id": "t1",
        "role": "user",
        "text": "Get me a human. Order AB-123456 was charged twice on account 12345678.",
        "sent_at": "2026-11-24T10:00:00Z",
        "customer": {
            "id": "cus_42",
            "email": "jane@example.com",
            "name": "Jane Doe",
            "authenticated": True,
        },
    }
    answer = client.post("/v1/conversations/c-mail/turns", json=turn).json()
    assert answer["handoff"]["channel"] == "email", answer
    return answer


def test_the_team_gets_the_brief_and_the_customer_only_batons_own_words(
    settings: Settings, smtp: tuple[Inbox, int], certificate: tuple[Path, Path]
) -> None:
    inbox, port = smtp
    settings = smtp_settings(settings, port, certificate[0], PASSWORD)
    with TestClient(create_app(settings)) as client:
        handoff_id = email_handoff(client)["handoff"]["id"]
        brief = client.get(f"/v1/handoffs/{handoff_id}/brief").json()
        worker_for(client, settings).run_once(now=datetime.now(UTC))

    values = {i["value"] for i in brief["identifiers"]}
    assert {"jane@example.com", "AB-123456", "12345678"} <= values
    assert inbox.logins == [USER.encode(), USER.encode()]  # AUTH after STARTTLS, per message
    by_recipient = {m["To"]: m for m in inbox.messages}
    assert set(by_recipient) == {"jane@example.com", TEAM}
    for message in by_recipient.values():
        assert handoff_id in message["Subject"] and handoff_id in body(message)
    notification = body(by_recipient[TEAM])
    assert all(value in notification for value in values), (values, notification)
    assert "Transcript:" in notification and "charged twice" in notification
    assert by_recipient[TEAM]["Reply-To"] == "jane@example.com"
    confirmation = body(by_recipient["jane@example.com"])
    assert "charged twice" not in confirmation and "AB-123456" not in confirmation


def test_unreachable_smtp_server_is_retried_on_schedule(
    settings: Settings, certificate: tuple[Path, Path], refusing_port: int
) -> None:
    settings = smtp_settings(settings, refusing_port, certificate[0], PASSWORD)
    with TestClient(create_app(settings)) as client:
        email_handoff(client)
        now = datetime.now(UTC)
        worker_for(client, settings).run_once(now=now)
        factory: SessionFactory = client.app.state.session_factory  # type: ignore[attr-defined]
        with session_scope(factory) as s:
            rows = list(s.scalars(select(OutboxRow).where(OutboxRow.kind == "email")))
    assert len(rows) == 2
    for row in rows:
        assert (row.status, row.attempts) == ("pending", 1)
        assert row.due_at == now + timedelta(seconds=60)
        assert row.last_error and "ConnectionRefused" in row.last_error
