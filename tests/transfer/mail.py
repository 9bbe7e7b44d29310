"""A real SMTP server for the transfer tests: aiosmtpd on loopback with STARTTLS and AUTH."""

from __future__ import annotations

import email
import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from fastapi.testclient import TestClient
from pydantic import SecretStr

from baton.config import Settings
from baton.store.db import SessionFactory
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


def worker_for(client: TestClient, settings: Settings) -> Worker:
    factory: SessionFactory = client.app.state.session_factory  # type: ignore[attr-defined]
    return Worker(
        factory=factory,
        transport=RecordingTransport(),
        mailer=SmtpMailer.from_settings(settings),
        sender=settings.smtp_from,
        team_email=settings.team_email,
    )


def body(message: Message) -> str:
    return message.get_payload(decode=True).decode()  # type: ignore[union-attr]
