"""What every command shares: the console, settings, and a unit of work on the configured store."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from rich.console import Console

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from baton.config import Settings

console = Console()
err_console = Console(stderr=True)


@contextmanager
def store_session(settings: Settings | None = None) -> Iterator[Session]:
    """A migrated store and one unit of work on it, for commands that write."""
    from baton.config import get_settings
    from baton.store.db import engine_for, make_session_factory, session_scope, upgrade

    settings = settings or get_settings()
    engine = engine_for(settings)
    try:
        upgrade(engine)
        with session_scope(make_session_factory(engine)) as session:
            yield session
    finally:
        engine.dispose()
