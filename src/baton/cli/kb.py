"""`baton kb`: the knowledge base the console searches and suggests replies from."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from baton.cli.common import TENANT_OPTION, console, err_console, store_session

app = typer.Typer(help="The knowledge base.", no_args_is_help=True)


@app.command("load")
def load(
    folder: Annotated[Path, typer.Argument(help="a folder of Markdown (.md) files, recursively")],
    prune: Annotated[bool, typer.Option(help="remove articles the folder no longer has")] = False,
    tenant: str = TENANT_OPTION,
) -> None:
    """Load or refresh articles: one per file, keyed by its path; unchanged files are skipped."""
    from baton.desk import knowledge
    from baton.errors import BatonError

    try:
        articles = knowledge.read_folder(folder)
        with store_session() as session:
            report = knowledge.load(
                session=session,
                tenant_id=tenant,
                articles=articles,
                now=datetime.now(UTC),
                prune=prune,
            )
    except BatonError as exc:
        err_console.print(f"[red]{exc.code}:[/] {exc.message}")
        raise typer.Exit(2) from exc
    console.print(
        f"{len(articles)} articles: {report.added} added, {report.updated} updated, "
        f"{report.unchanged} unchanged, {report.removed} removed"
    )


@app.command("search")
def search(
    query: Annotated[str, typer.Argument(help="words to look for")],
    tenant: str = TENANT_OPTION,
) -> None:
    """Search the knowledge base as the console does."""
    from baton.desk import knowledge

    with store_session() as session:
        for hit in knowledge.search(session=session, tenant_id=tenant, query=query, limit=10):
            print(f"{hit.score:.3f}\t{hit.slug}\t{hit.title}")
