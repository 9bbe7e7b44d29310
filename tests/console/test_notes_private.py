"""An internal note never leaves the agents' side: checked in every place a customer or a bot
reads, with a real webhook receiver on loopback and a real SMTP server (aiosmtpd)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient

from baton.api.app import create_app
from baton.config import Settings
from baton.store.db import SessionFactory, session_scope
from baton.transfer.email import SmtpMailer
from baton.transfer.outbox import Worker
from baton.transfer.transport import HttpxTransport
from tests.console.helpers import sign_in
from tests.factories.desk import make_agent
from tests.factories.transfer import LOOPBACK, LOOPBACK_GUARD, Receiver, add_endpoint, secret_of
from tests.transfer.mail import PASSWORD, Inbox, body, smtp_settings
from tests.transfer.test_email import email_handoff

SECRET = "NOTE-ONLY-FOR-AGENTS-7731"
QUEUES = ("support", "billing", "account", "security", "sales")


def read_stream(client: TestClient, url: str, until: str) -> str:
    """The stream's text up to and including the event `until` (already stored: no waiting)."""
    seen: list[str] = []
    with client.stream("GET", url) as response:
        assert response.status_code == 200
        lines = response.iter_lines()
        for line in lines:
            seen.append(line)
            if line == f"event: {until}":
                seen.append(next(lines, ""))
                break
    return "\n".join(seen)


def work_a_case(console: TestClient, csrf: str, handoff_id: str) -> None:
    """Note, accept, reply, note again, save the ticket, resolve: everything an agent does."""

    def post(action: str, **form: str) -> None:
        sent = console.post(
            f"/console/cases/{handoff_id}/{action}",
            data={**form, "csrf_token": csrf},
            follow_redirects=False,
        )
        assert sent.status_code == 303, sent.text

    post("notes", text=f"{SECRET}: customer sounded upset, check the refund log")
    post("accept")
    post("reply", text="I'm looking at it now.")
    post("notes", text=f"second {SECRET}")
    post(
        "ticket",
        subject="Double charge",
        category="billing",
        priority="high",
        description="Customer charged twice.",
    )
    post("resolve", code="solved", outcome="resolved", necessary="yes")
    page = console.get(f"/console/cases/{handoff_id}").text
    assert page.count(SECRET) == 2  # the agents do see it


def test_a_note_is_absent_from_everything_a_customer_or_bot_reads(
    settings: Settings, smtp: tuple[Inbox, int], certificate: tuple[Path, Path]
) -> None:
    inbox, port = smtp
    settings = smtp_settings(settings, port, certificate[0], PASSWORD).model_copy(
        update={"webhook_allow_private": LOOPBACK}
    )
    app = create_app(settings, demo=True)
    transport = HttpxTransport(timeout=5, guard=LOOPBACK_GUARD)
    with TestClient(app) as bot, Receiver() as receiver:
        factory: SessionFactory = app.state.session_factory
        endpoint = add_endpoint(factory, receiver.url)
        receiver.secrets = [secret_of(factory, endpoint)]
        with session_scope(factory) as session:
            make_agent(session, "Ada Lovelace", queues=QUEUES)
        mailed = email_handoff(bot)["handoff"]["id"]
        demo_id = "demo-" + "a" * 32
        ask = {"conversation_id": demo_id, "text": "get me a human"}
        said = bot.post("/demo/api/say", json=ask)
        chat = said.json()["result"]["handoff"]["id"]

        console = TestClient(app)
        csrf = sign_in(console, "ada@example.com")
        for handoff_id in (mailed, chat):
            work_a_case(console, csrf, handoff_id)
        worker = Worker(
            factory=factory,
            transport=transport,
            mailer=SmtpMailer.from_settings(settings),
            sender=settings.smtp_from,
            team_email=settings.team_email,
        )
        while worker.run_once(now=datetime.now(UTC)):
            pass

        # every webhook payload, as the receiver got it (signature verified)
        topics = [r.payload["type"] for r in receiver.received if r.payload]
        assert "handoff.message" in topics and "conversation.handback" in topics
        assert all(r.status == 200 for r in receiver.received)
        assert not [r for r in receiver.received if SECRET.encode() in r.body]
        # every e-mail (the team's brief and the customer's confirmation)
        assert len(inbox.messages) >= 2
        for message in inbox.messages:
            assert SECRET not in message.as_string() and SECRET not in body(message)
        for handoff_id, conversation in ((mailed, "c-mail"), (chat, demo_id)):
            # the brief, the handoff and every ticket payload
            for path in ("brief", "", "ticket/zendesk", "ticket/hubspot", "ticket/salesforce"):
                answer = bot.get(f"/v1/handoffs/{handoff_id}/{path}".rstrip("/"))
                assert answer.status_code == 200, (path, answer.text)
                assert SECRET not in answer.text, path
            # the conversation's SSE stream, to the end of the case
            stream = read_stream(bot, f"/v1/conversations/{conversation}/events", "handback")
            assert "I'm looking at it now." in stream and SECRET not in stream
            assert SECRET not in bot.get(f"/v1/conversations/{conversation}").text
        # the customer's demo page: the page itself and the events it shows
        assert SECRET not in bot.get("/demo").text
        demo_stream = read_stream(bot, f"/demo/api/events?conversation_id={demo_id}", "handback")
        assert "I'm looking at it now." in demo_stream and SECRET not in demo_stream
    transport.close()
