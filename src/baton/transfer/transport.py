"""The webhook transport port: one method, `send`, with the real httpx transport and a fake."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import httpx

RESPONSE_DEADLINE_SECONDS = 15.0


@dataclass(frozen=True)
class WebhookRequest:
    url: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class WebhookResponse:
    status_code: int | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class WebhookTransport(Protocol):
    """Sends one signed webhook; never raises for network failures, it reports them.

    Example:
        class Printer:
            def send(self, request: WebhookRequest) -> WebhookResponse:
                print(request.url, request.body)
                return WebhookResponse(status_code=200)
    """

    def send(self, request: WebhookRequest) -> WebhookResponse: ...


class HttpxTransport:
    """POST over HTTP(S) with a 15 s deadline on each phase (connect, write, response)."""

    def __init__(self, *, timeout: float = RESPONSE_DEADLINE_SECONDS) -> None:
        self._client = httpx.Client(timeout=httpx.Timeout(timeout), follow_redirects=False)

    def send(self, request: WebhookRequest) -> WebhookResponse:
        try:
            response = self._client.post(request.url, content=request.body, headers=request.headers)
        except httpx.HTTPError as exc:
            return WebhookResponse(status_code=None, error=f"{type(exc).__name__}: {exc}"[:500])
        error = None if response.is_success else response.text[:500]
        return WebhookResponse(status_code=response.status_code, error=error)

    def close(self) -> None:
        self._client.close()


@dataclass
class RecordingTransport:
    """A fake for users' tests: records every request and answers `status_code`."""

    status_code: int = 200
    sent: list[WebhookRequest] = field(default_factory=list)

    def send(self, request: WebhookRequest) -> WebhookResponse:
        self.sent.append(request)
        return WebhookResponse(status_code=self.status_code)
