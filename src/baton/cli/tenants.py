"""`baton tenants`: workspaces, each with its own keys, agents, cases, webhooks and analytics."""

from __future__ import annotations

from datetime import UTC, datetime

import typer

from baton.cli.common import console, err_console, store_session

app = typer.Typer(help="Tenants (workspaces); a single team uses 'default' and never names it.")


@app.command("create")
def create(
    tenant: str = typer.Argument(..., help="a short id: lower-case letters, digits, - and _"),
    name: str = typer.Option("", help="a display name"),
) -> None:
    """Create an empty tenant; then `baton keys create NAME --tenant ID` gives it a key."""
    from baton.errors import BatonError
    from baton.store.tenants import create_tenant

    try:
        with store_session() as session:
            create_tenant(session=session, tenant_id=tenant, name=name, now=datetime.now(UTC))
    except BatonError as exc:
        err_console.print(f"[red]{exc.message}[/]")
        raise typer.Exit(1) from exc
    console.print(f"created tenant [bold]{tenant}[/]")


@app.command("list")
def list_cmd() -> None:
    """Every tenant's id."""
    from baton.store.tenants import list_tenant_ids

    with store_session() as session:
        for tenant in list_tenant_ids(session=session):
            print(tenant)
