"""`baton serve`: run the API and console, in one process or several on PostgreSQL."""

from __future__ import annotations

import typer

from baton.cli.common import console, err_console

FACTORY = "baton.api.app:create_app_in_new_process"


def serve(
    host: str = typer.Option("127.0.0.1", help="address to bind"),
    port: int = typer.Option(8000, help="port to bind"),
    workers: int = typer.Option(
        1, min=1, max=64, help="worker processes (PostgreSQL only; SQLite is one process)"
    ),
    access_log: bool = typer.Option(True, help="log every request (off for high request rates)"),
) -> None:
    """Serve Baton on the configured store (BATON_DATABASE_URL, SQLite by default)."""
    import uvicorn

    from baton.config import get_settings
    from baton.store.db import engine_for, upgrade

    settings = get_settings()
    if workers > 1 and settings.is_sqlite:
        err_console.print(
            "[red]SQLite is single-process:[/] --workers above 1 needs BATON_DATABASE_URL "
            "set to a postgresql:// URL (see docs/deployment.md)."
        )
        raise typer.Exit(2)
    console.print(f"Baton on http://{host}:{port}  (API docs at /docs), {workers} worker(s)")
    if workers == 1:
        from baton.api.app import create_app

        uvicorn.run(
            create_app(settings),
            host=host,
            port=port,
            log_level="info",
            access_log=access_log,
            timeout_graceful_shutdown=10,
            log_config=None,  # baton.logs formats uvicorn's lines too
        )
        return
    engine = engine_for(settings)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    # Each worker process builds its own app from the environment (BATON_* settings).
    uvicorn.run(
        FACTORY,
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_level="info",
        access_log=access_log,
        timeout_graceful_shutdown=10,
        log_config=None,
    )
