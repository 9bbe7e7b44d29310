"""E-mail handoffs over SMTP with STARTTLS and AUTH, against a real aiosmtpd server on loopback."""

from __future__ import annotations

import email
import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select

from baton.api.app import create_app
from baton.config import Settings
from baton.store.db import SessionFactory, session_scope
from baton.store.tables import OutboxRow
from baton.transfer.email import SmtpMailer
from baton.transfer.outbox import Worker
from baton.transfer.transport import RecordingTransport
from tests.conftest import free_port

USER, PASSWORD = "baton", "smtp-test-password"
TEAM = "billing-team@example.com"


@dataclass
class Inbox:
    messages: list[Message] = field(default_factory=list)
    logins: list[bytes] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.original_content))
        return "250 OK"

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            USER.encode(),
            PASSWORD.encode(),
        )
        if ok:
            self.logins.append(data.login)
        return AuthResult(success=ok)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def smtp(certificate: tuple[Path, Path]) -> Iterator[tuple[Inbox, int]]:
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    inbox = Inbox()
    port = free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        require_starttls=True,
        authenticator=inbox.authenticate,
        auth_require_tls=True,
    )
    controller.start()
    yield inbox, port
    controller.stop()


def smtp_settings(settings: Settings, port: int, cert: Path, password: str) -> Settings:
    return settings.model_copy(
        update={
            "require_api_key": False,
            "smtp_host": "127.0.0.1",
            "smtp_port": port,
            "smtp_username": USER,
            "smtp_password": SecretStr(password),
            "smtp_ca_file": cert,
            "smtp_from": "support@example.com",
            "team_email": TEAM,
        }
    )


def email_handoff(client: TestClient) -> dict[str, Any]:
    turn = {
        "turn_id": "t1",
        "role": "user",
        "text": "Get me a human. Order AB-123456 was charged twice on account 12345678.",
        "sent_at": "2026-11-24T10:00:00Z",
        "customer": {"id": "cus_42", "email": "jane@example.com", "name": "Jane Doe"},
    }
    answer = client.post("/v1/conversations/c-mail/turns", json=turn).json()
    assert answer["handoff"]["channel"] == "email", answer
    return answer


def worker_for(client: TestClient, settings: Settings) -> Worker:
    factory: SessionFactory = client.app.state.session_factory  # type: ignore[attr-defined]
    return Worker(
        factory=factory,
        transport=RecordingTransport(),
        mailer=SmtpMailer.from_settings(settings),
        sender=settings.smtp_from,
        team_email=settings.team_email,
    )


def test_confirmation_and_notification_carry_the_brief_identifiers(
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
        text = message.get_payload(decode=True).decode()  # type: ignore[union-attr]
        assert handoff_id in message["Subject"] and handoff_id in text
        assert all(value in text for value in values), (values, text)
    notification = by_recipient[TEAM].get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert "Transcript:" in notification and "charged twice" in notification
    assert by_recipient[TEAM]["Reply-To"] == "jane@example.com"


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
