"""The agent console: server-rendered pages at `/console`, a little plain JavaScript, no build."""

from __future__ import annotations

from fastapi import FastAPI

from baton.console import actions, auth, dashboard, floor, pages, stream
from baton.console.web import static


def install(app: FastAPI) -> None:
    """Add the console's routes and static files; `api.security` sets the strict CSP for them."""
    for module in (auth, pages, dashboard, actions, floor, stream):
        app.include_router(module.router)
    app.mount("/console/static", static, name="console-static")


__all__ = ["install"]
