"""The yardstick: a bare FastAPI JSON endpoint with the turn endpoint's path and body."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI


def create_bare_app() -> FastAPI:
    """Parse the JSON body and answer a small JSON object; no store, no work."""
    app = FastAPI()

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/v1/conversations/{conversation_id}/turns")
    def turn(conversation_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return {"conversation_id": conversation_id, "turn_id": body.get("turn_id"), "ok": True}

    return app
