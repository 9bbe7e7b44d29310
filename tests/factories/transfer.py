"""A real webhook receiver on loopback, with scripted failures, for the transfer tests."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

from baton.store import repositories as repo
from baton.store.db import SessionFactory, session_scope
from baton.store.tables import DEFAULT_TENANT, WebhookEndpointRow
from baton.transfer import webhooks
from baton.transfer.egress import EgressGuard, parse_networks
from baton.verify import InvalidSignature, verify
from tests.conftest import free_port

T0 = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
# The receivers here listen on loopback: the deployment's allow-list lets webhooks reach them.
LOOPBACK = "127.0.0.0/8,::1"
LOOPBACK_GUARD = EgressGuard(allow=parse_networks(LOOPBACK))
R = TypeVar("R")


def run_async(coroutine: Coroutine[Any, Any, R]) -> R:
    """Run a coroutine on a fresh loop in its own thread (the browser tests hold this one's)."""
    out: list[R] = []
    thread = threading.Thread(target=lambda: out.append(asyncio.run(coroutine)))
    thread.start()
    thread.join()
    assert out, "the coroutine raised; see the thread's traceback above"
    return out[0]


def add_endpoint(factory: SessionFactory, url: str, event_types: list[str] | None = None) -> str:
    with session_scope(factory) as s:
        row = webhooks.create_endpoint(
            tenant_id=DEFAULT_TENANT,
            session=s,
            url=url,
            event_types=event_types or [],
            description="",
            now=T0,
        )
        return row.id


def secret_of(factory: SessionFactory, endpoint_id: str) -> str:
    with session_scope(factory) as s:
        return webhooks.active_secrets(s.get(WebhookEndpointRow, endpoint_id), T0)[0]  # type: ignore[arg-type]


def enqueue(factory: SessionFactory, topic: str, payload: dict[str, object], now: datetime) -> None:
    with session_scope(factory) as s:
        repo.enqueue(
            tenant_id=DEFAULT_TENANT,
            session=s,
            kind="webhook",
            topic=topic,
            payload=payload,
            now=now,
        )


@dataclass(frozen=True)
class Received:
    msg_id: str
    timestamp: int
    body: bytes
    status: int
    payload: Any
    truncated: bool = False


class Receiver:
    """Verifies each request like a real receiver would; fails the first `fail_first` with 500.

    `hold()` makes the next request block (after it was recorded) until `release()`, so a test
    can kill the sender mid-delivery.
    """

    def __init__(self, *, fail_first: int = 0, clock: Callable[[], datetime] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/hooks"
        self.secrets: list[str] = []
        self.failures_left = fail_first
        self.clock = clock or (lambda: datetime.now(UTC))
        self.received: list[Received] = []
        self.lock = threading.Lock()
        self.arrived = threading.Event()
        self._hold: threading.Event | None = None
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                body = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                status = receiver.answer(headers, body, truncated=len(body) < length)
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def hold(self) -> None:
        self._hold = threading.Event()

    def release(self) -> None:
        if self._hold is not None:
            self._hold.set()

    def answer(self, headers: dict[str, str], body: bytes, *, truncated: bool = False) -> int:
        try:
            payload = verify(body=body, headers=headers, secret=self.secrets, now=self.clock())
            status = 200
        except InvalidSignature:
            payload, status = None, 401
        with self.lock:
            if status == 200 and self.failures_left > 0:
                self.failures_left -= 1
                status = 500
            hold, self._hold = self._hold, None
            self.received.append(
                Received(
                    msg_id=headers.get("webhook-id", ""),
                    timestamp=int(headers.get("webhook-timestamp", "0")),
                    body=body,
                    status=status,
                    payload=payload,
                    truncated=truncated,
                )
            )
        self.arrived.set()
        if hold is not None:
            hold.wait(timeout=30)
        return status

    def accepted(self) -> dict[str, Any]:
        """Each message id the receiver accepted (2xx), once: the dedup a receiver does."""
        with self.lock:
            return {r.msg_id: r.payload for r in self.received if r.status == 200}

    def __enter__(self) -> Receiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.release()
        self.stop()
