"""`baton demo`: a fresh SQLite store, seeded queues and agents, a demo bot and a customer page."""

from __future__ import annotations

import typer


def demo(
    host: str = typer.Option("127.0.0.1", help="address to bind"),
    port: int = typer.Option(8000, help="port to bind"),
) -> None:
    """Start the demo."""
    raise typer.Exit(1)
