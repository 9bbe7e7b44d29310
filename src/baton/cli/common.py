"""What every command shares: the console, settings, and a unit of work on the configured store."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from baton.config import Settings

console = Console()
err_console = Console(stderr=True)
# The default tenant's id (baton.store.tables.DEFAULT_TENANT), spelled here to keep the CLI's
# start free of SQLAlchemy.
TENANT_OPTION = typer.Option(
    "default", "--tenant", help="the tenant (workspace); a single team never needs to name it"
)


@contextmanager
def store_session(settings: Settings | None = None) -> Iterator[Session]:
    """A migrated store and one unit of work on it, for commands that write."""
    from baton.config import get_settings
    from baton.store.db import engine_for, make_session_factory, session_scope, upgrade

    settings = settings or get_settings()
    err_console.print(
        f"store: {describe_store(settings.database_url)}", highlight=False, soft_wrap=True
    )
    engine = engine_for(settings)
    try:
        upgrade(engine)
        with session_scope(make_session_factory(engine)) as session:
            yield session
    finally:
        engine.dispose()


def describe_store(url: str) -> str:
    """The store a command writes, for the terminal: a SQLite file's full path, a server URL
    without its password."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        return f"SQLite file {Path(parsed.database or '').resolve()}"
    return parsed.render_as_string(hide_password=True)
