"""`baton keys`: API keys for bots."""

from __future__ import annotations

from datetime import UTC, datetime

import typer

from baton.cli.common import console, store_session
from baton.store import repositories as repo

app = typer.Typer(help="Bot API keys.", no_args_is_help=True)


@app.command("create")
def create(name: str = typer.Argument(..., help="who the key is for, e.g. 'support-bot'")) -> None:
    """Create a key; it is printed once and stored only as a hash."""
    with store_session() as session:
        key = repo.create_api_key(session=session, name=name, now=datetime.now(UTC))
    console.print(f"API key for [bold]{name}[/] (shown once, store it now):")
    print(key)
