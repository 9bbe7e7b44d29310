"""A webhook receiver on loopback for the delivery fault tests, and the checks run on its log.

`/ok` verifies each signature and answers 200 after `delay` seconds (a slow receiver); `/down`
answers 503. Every request is logged as it arrives, before it is answered: a receiver acts on
what it got even when the sender dies before reading the answer, which is why it must drop
duplicates by `webhook-id`. `hold_from(n)` makes the n-th `/ok` request and every later one
wait (logged, unanswered) until `release()`, so a test can kill the sender mid-delivery.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from baton.verify import InvalidSignature, verify
from tests.conftest import free_port


@dataclass(frozen=True)
class Hit:
    path: str
    msg_id: str
    body: bytes
    payload: Any
    complete: bool


class Receiver:
    def __init__(self, *, delay: float = 0.0) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.delay = delay
        self.secrets: dict[str, list[str]] = {}
        self.hits: list[Hit] = []
        self.lock = threading.Lock()
        self._hold_from: int | None = None
        self._released = threading.Event()
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                body = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                status = receiver.answer(self.path, headers, body, complete=len(body) == length)
                try:
                    self.send_response(status)
                    self.send_header("content-length", "0")
                    self.end_headers()
                except OSError:
                    pass  # the sender died waiting for the answer

            def log_message(self, *args: object) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: object, client_address: object) -> None:
                pass  # a connection cut by a killed sender is part of the test

        self._server = Server(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.release()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Receiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def hold_from(self, count: int) -> None:
        self._hold_from = count

    def release(self) -> None:
        self._released.set()

    def answer(self, path: str, headers: dict[str, str], body: bytes, *, complete: bool) -> int:
        payload = None
        if complete and path == "/ok":
            try:
                payload = verify(
                    body=body, headers=headers, secret=self.secrets[path], now=datetime.now(UTC)
                )
            except InvalidSignature:
                complete = False
        with self.lock:
            self.hits.append(Hit(path, headers.get("webhook-id", ""), body, payload, complete))
            seen = sum(1 for h in self.hits if h.path == "/ok")
        if path != "/ok":
            return 503
        if self._hold_from is not None and seen >= self._hold_from:
            self._released.wait(timeout=60)
        elif self.delay:
            time.sleep(self.delay)
        return 200 if complete else 401

    def ok_hits(self) -> list[Hit]:
        with self.lock:
            return [h for h in self.hits if h.path == "/ok"]

    def held(self) -> int:
        """How many `/ok` requests are waiting on `release()` now (0 when not holding)."""
        if self._hold_from is None or self._released.is_set():
            return 0
        return max(0, len(self.ok_hits()) - self._hold_from + 1)


def deduplicated(hits: list[Hit]) -> dict[str, Any]:
    """What a receiver that drops repeated webhook-ids acts on: message id -> event.

    Checks on the way that a repeated id always repeats the same bytes (so dropping it loses
    nothing) and that every complete request was correctly signed.
    """
    bodies: dict[str, set[bytes]] = defaultdict(set)
    events: dict[str, Any] = {}
    for hit in hits:
        if not hit.complete:
            continue  # cut short by a killed sender: never acted on, and sent again
        assert hit.payload is not None, f"{hit.msg_id}: a complete request with a bad signature"
        bodies[hit.msg_id].add(hit.body)
        events[hit.msg_id] = hit.payload
    changed = {m: len(b) for m, b in bodies.items() if len(b) > 1}
    assert not changed, f"one webhook-id with different bodies: {changed}"
    return events
