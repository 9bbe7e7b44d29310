"""`baton db`: schema migrations."""

from __future__ import annotations

import typer

from baton.cli.common import console

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command("upgrade")
def upgrade_cmd(revision: str = typer.Argument("head", help="target revision")) -> None:
    """Migrate the configured database (BATON_DATABASE_URL) to the newest schema."""
    from baton.config import get_settings
    from baton.store.db import engine_for, upgrade

    settings = get_settings()
    engine = engine_for(settings)
    try:
        upgrade(engine, revision)
    finally:
        engine.dispose()
    console.print(
        f"[green]schema at {revision}[/] on {engine.url.render_as_string(hide_password=True)}"
    )
