"""What every command shares: the console, settings, and a unit of work on the configured store."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
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
    from baton.store.db import make_engine, make_session_factory, session_scope, upgrade

    settings = settings or get_settings()
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
        with session_scope(make_session_factory(engine)) as session:
            yield session
    finally:
        engine.dispose()
