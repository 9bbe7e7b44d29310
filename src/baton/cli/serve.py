"""`baton serve`: run the API and console."""

from __future__ import annotations

import typer
import uvicorn

from baton.api.app import create_app
from baton.cli.common import console
from baton.config import get_settings


def serve(
    host: str = typer.Option("127.0.0.1", help="address to bind"),
    port: int = typer.Option(8000, help="port to bind"),
) -> None:
    """Serve Baton on the configured store (BATON_DATABASE_URL, SQLite by default)."""
    settings = get_settings()
    console.print(f"Baton on http://{host}:{port}  (API docs at /docs)")
    uvicorn.run(
        create_app(settings), host=host, port=port, log_level="info", timeout_graceful_shutdown=10
    )
