"""Helpers for console browser tests: a live app with the demo page, agents, the /v1 API."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi import FastAPI
from playwright.sync_api import Page, expect

from baton.api.app import create_app
from baton.config import Settings
from baton.store.db import session_scope
from tests.conftest import LiveServer
from tests.factories.desk import PASSWORD, make_agent

QUEUES = ("support", "billing", "account", "security", "sales")


@contextmanager
def live_console(settings: Settings) -> Iterator[tuple[LiveServer, FastAPI]]:
    """The app with the demo's customer page, and Ada serving every queue."""
    app = create_app(settings.model_copy(update={"require_api_key": False}), demo=True)
    with LiveServer(app) as server:
        with session_scope(app.state.session_factory) as session:
            make_agent(session, "Ada Lovelace", queues=QUEUES)
        yield server, app


def sign_in(page: Page, server: LiveServer, email: str = "ada@example.com") -> None:
    page.goto(f"{server.url}/console/inbox")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Inbox")).to_be_visible()
    expect(page.locator("#stream-state")).to_contain_text("Live")


def say(server: LiveServer, conversation_id: str, turn_id: str, text: str, **extra: Any) -> dict:
    body = {
        "turn_id": turn_id,
        "role": "user",
        "text": text,
        "sent_at": datetime.now(UTC).isoformat(),
        **extra,
    }
    response = httpx.post(f"{server.url}/v1/conversations/{conversation_id}/turns", json=body)
    assert response.status_code == 200, response.text
    return dict(response.json())


class CustomerEvents:
    """The bot side: `/v1/conversations/{id}/events`, read in a thread while the test runs."""

    def __init__(self, server: LiveServer, conversation_id: str) -> None:
        self.url = f"{server.url}/v1/conversations/{conversation_id}/events"
        self.received: list[tuple[str, dict[str, Any]]] = []
        self.changed = threading.Condition()
        self.stop = threading.Event()
        self.last_id = "0"
        self.thread = threading.Thread(target=self._read, daemon=True)

    def __enter__(self) -> CustomerEvents:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=5)

    def _read(self) -> None:
        with httpx.Client(timeout=httpx.Timeout(5, read=1)) as client:
            while not self.stop.is_set():
                try:
                    headers = {"Last-Event-ID": self.last_id}
                    with client.stream("GET", self.url, headers=headers) as response:
                        self._consume(response)
                except httpx.ReadTimeout:
                    continue

    def _consume(self, response: httpx.Response) -> None:
        name = None
        for line in response.iter_lines():
            if self.stop.is_set():
                return
            if line.startswith("id: "):
                self.last_id = line.removeprefix("id: ")
            elif line.startswith("event: "):
                name = line.removeprefix("event: ")
            elif line.startswith("data: ") and name:
                with self.changed:
                    self.received.append((name, json.loads(line.removeprefix("data: "))))
                    self.changed.notify_all()

    def wait_for(self, name: str, timeout: float = 10) -> dict[str, Any]:
        def found() -> dict[str, Any] | None:
            return next((d for n, d in self.received if n == name), None)

        with self.changed:
            self.changed.wait_for(lambda: found() is not None, timeout=timeout)
            data = found()
        assert data is not None, f"no {name} event; got {[n for n, _ in self.received]}"
        return data
