"""The agent console: server-rendered pages at `/console`, a little plain JavaScript, no build."""

from __future__ import annotations

from fastapi import FastAPI

from baton.console import actions, auth, pages, stream
from baton.console.web import ConsoleHeaders, static


def install(app: FastAPI) -> None:
    """Add the console's routes, its static files and its security headers to the app."""
    for module in (auth, pages, actions, stream):
        app.include_router(module.router)
    app.mount("/console/static", static, name="console-static")
    app.add_middleware(ConsoleHeaders)


__all__ = ["install"]
