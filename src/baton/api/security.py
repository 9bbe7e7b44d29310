"""Security headers on every response: a strict Content-Security-Policy for Baton's own pages,
and `X-Frame-Options: DENY` for browsers that predate CSP's `frame-ancestors`."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'"
)
# The console shows attached images (allow-listed types only) from wherever the bot's files live;
# nothing else is loosened: no script, style, frame or object from elsewhere.
CONSOLE_CSP = CSP.replace("img-src 'self' data:;", "img-src 'self' data: https: http:;")
# Swagger UI's and ReDoc's pages start themselves with an inline script; its files are Baton's own
# (`/docs-assets`), but the page keeps the browser's defaults.
_DOCS = ("/docs", "/redoc")


def adding_headers(send: Send, headers: list[tuple[bytes, bytes]]) -> Send:
    """`send`, with `headers` appended to the response's start message."""

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [*message.get("headers", []), *headers]
        await send(message)

    return wrapped


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin")]
        headers.append((b"x-frame-options", b"DENY"))
        path = str(scope.get("path", ""))
        if not path.startswith(_DOCS):
            policy = CONSOLE_CSP if path.startswith("/console/") else CSP
            headers.append((b"content-security-policy", policy.encode()))
        await self.app(scope, receive, adding_headers(send, headers))
