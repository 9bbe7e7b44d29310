"""E-mail handoffs: the customer's confirmation and the team's notification, over SMTP.

Both messages are rendered when the handoff is dispatched and stored in the outbox, so a retry
sends the same text with the same `Message-ID` (a mail client shows a duplicate once).
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any, Protocol

from baton.config import Settings
from baton.domain import Brief

EMAIL_SCHEDULE_SECONDS: tuple[int, ...] = (0, 60, 300, 1800, 7200, 21600)


@dataclass(frozen=True)
class Email:
    """A rendered message as the outbox stores it."""

    to: tuple[str, ...]
    subject: str
    text: str
    message_id: str
    reply_to: str | None = None

    def as_payload(self) -> dict[str, Any]:
        return {
            "to": list(self.to),
            "subject": self.subject,
            "text": self.text,
            "message_id": self.message_id,
            "reply_to": self.reply_to,
        }

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Email:
        return cls(
            to=tuple(payload["to"]),
            subject=payload["subject"],
            text=payload["text"],
            message_id=payload["message_id"],
            reply_to=payload.get("reply_to"),
        )

    def to_message(self, sender: str) -> EmailMessage:
        message = EmailMessage()
        message["From"] = sender
        message["To"] = ", ".join(self.to)
        message["Subject"] = self.subject
        message["Message-ID"] = self.message_id
        if self.reply_to:
            message["Reply-To"] = self.reply_to
        message.set_content(self.text)
        return message


class Mailer(Protocol):
    """Sends one message or raises; the outbox retries on any exception.

    Example:
        class Printer:
            def send(self, message: EmailMessage) -> None:
                print(message["To"], message["Subject"])
    """

    def send(self, message: EmailMessage) -> None: ...


@dataclass(frozen=True)
class SmtpMailer:
    """SMTP with STARTTLS (or implicit TLS off) and optional AUTH, one connection per message."""

    host: str
    port: int = 587
    username: str | None = None
    password: str | None = None
    starttls: bool = True
    ssl_context: ssl.SSLContext | None = None
    timeout: float = 15.0

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpMailer | None:
        """The configured mailer, or None when `BATON_SMTP_HOST` is unset."""
        if not settings.smtp_host:
            return None
        context = ssl.create_default_context(
            cafile=str(settings.smtp_ca_file) if settings.smtp_ca_file else None
        )
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
            starttls=settings.smtp_starttls,
            ssl_context=context,
        )

    def send(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            smtp.ehlo()
            if self.starttls:
                smtp.starttls(context=self.ssl_context or ssl.create_default_context())
                smtp.ehlo()
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(message)


@dataclass
class MemoryMailer:
    """A fake for users' tests: keeps every message it is asked to send."""

    sent: list[EmailMessage] = field(default_factory=list)

    def send(self, message: EmailMessage) -> None:
        self.sent.append(message)


def brief_text(brief: Brief) -> str:
    """The brief as plain text, in the order an agent reads it."""
    lines = [brief.summary, "", f"Wants: {brief.desired_outcome}", f"Urgency: {brief.urgency}"]
    if brief.intent:
        lines.append(f"Intent: {brief.intent}")
    if brief.reasons:
        lines.append("Reasons: " + ", ".join(f"{r.code} ({r.evidence})" for r in brief.reasons))
    if brief.identifiers:
        lines += ["", "Identifiers:"]
        lines += [f"  {i.kind}: {i.value}" for i in brief.identifiers]
    if brief.attempted:
        lines += ["", "The bot tried:"]
        lines += [f"  {a.action}: {a.result or 'no result'}" for a in brief.attempted]
    lines += ["", f"Next best action: {brief.next_best_action}", "", "Transcript:"]
    lines += [f"  [{t.sent_at:%H:%M}] {t.role}: {t.text}" for t in brief.transcript]
    return "\n".join(lines)


def handoff_emails(
    *,
    handoff_id: str,
    queue: str,
    brief: Brief,
    confirmation: str,
    customer: str | None,
    team_email: str | None,
) -> list[Email]:
    """The customer's confirmation and the team's notification.

    `customer` is an address Baton may write to (`Customer.trusted_email`), never one typed in the
    chat; and the customer's mail is Baton's own words only: a mail that quoted the chat would let
    anyone send text of their choosing from the company's address.
    """
    domain = "baton.local"
    out: list[Email] = []
    if customer:
        text = [
            confirmation,
            "",
            f"Your reference: {handoff_id}",
            "",
            "The person who picks this up has our conversation in front of them, "
            "so you won't need to repeat yourself.",
        ]
        out.append(
            Email(
                to=(customer,),
                subject=f"We've passed your request to our {queue} team [{handoff_id}]",
                text="\n".join(text),
                message_id=make_msgid(f"confirm.{handoff_id}", domain=domain),
            )
        )
    if team_email:
        out.append(
            Email(
                to=(team_email,),
                subject=f"[{queue}] {brief.ticket_fields.subject} [{handoff_id}]",
                text=f"Handoff {handoff_id} in queue {queue}.\n\n{brief_text(brief)}",
                message_id=make_msgid(f"notify.{handoff_id}", domain=domain),
                reply_to=customer,
            )
        )
    return out
