"""The turn gate: shed load at once when too many turns wait for the store, and time the rest.

Turns of one process queue for the store (one writer on SQLite, the pool on PostgreSQL). Past a
bound, another waiting turn would only wait longer, and a bot waiting seconds for an answer is
worse off than one told at once to carry on and retry: so the turn beyond the bound is answered
503 `overloaded` with `Retry-After`, before its body is read. The bot retries the same
`turn_id`, which is idempotent (`baton.client` does this and fails open).
"""

from __future__ import annotations

import json
import re
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from baton.api.errors import error_body
from baton.metrics import TurnMetrics

_TURN_PATH = re.compile(r"^/v1/conversations/[^/]+/turns$")
RETRY_AFTER_SECONDS = 1


class TurnGate:
    """Pure ASGI: counts the turns in flight in this process; refuses past `max_waiting`."""

    def __init__(self, app: ASGIApp, *, max_waiting: int, metrics: TurnMetrics) -> None:
        self.app = app
        self.max_waiting = max_waiting
        self.metrics = metrics
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or not _TURN_PATH.match(scope["path"])
        ):
            await self.app(scope, receive, send)
            return
        if self.max_waiting and self.in_flight >= self.max_waiting:
            self.metrics.overloaded.inc()
            await _overloaded(send)
            return
        self.in_flight += 1
        started = time.perf_counter()
        status = 500

        async def sent(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sent)
        finally:
            self.in_flight -= 1
            state = scope.get("state", {})
            outcome = state.get("turn_outcome") if status == 200 else None
            self.metrics.turn(
                tenant=state.get("tenant_id", ""),
                outcome=outcome or f"status_{status}",
                seconds=time.perf_counter() - started,
            )


async def _overloaded(send: Send) -> None:
    body = json.dumps(
        error_body("overloaded", "too many turns are waiting; retry the same turn shortly", None)
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", str(RETRY_AFTER_SECONDS).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
