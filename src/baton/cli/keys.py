"""`baton keys`: API keys for bots: create, list, rotate with a grace period, revoke."""

from __future__ import annotations

import getpass
from datetime import UTC, datetime, timedelta

import typer
from rich.table import Table

from baton.cli.common import TENANT_OPTION, console, err_console, store_session

app = typer.Typer(help="API keys: who they are for, their tenant and scopes.", no_args_is_help=True)


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


@app.command("create")
def create(
    name: str = typer.Argument(..., help="who the key is for, e.g. 'support-bot'"),
    tenant: str = TENANT_OPTION,
    scope: str = typer.Option(
        "bot,read", help="comma-separated: bot (turns, handoffs, events), read, admin"
    ),
) -> None:
    """Create a key; it is printed once and stored only as a hash."""
    from baton.errors import BatonError
    from baton.store import keys as key_store
    from baton.store.tenants import parse_scopes

    try:
        with store_session() as session:
            key = key_store.create_key(
                session=session,
                tenant_id=tenant,
                name=name,
                scopes=parse_scopes(scope),
                actor=_actor(),
                now=datetime.now(UTC),
            )
    except BatonError as exc:
        err_console.print(f"[red]{exc.message}[/]")
        raise typer.Exit(1) from exc
    console.print(f"API key for [bold]{name}[/] in {tenant} ({scope}; shown once, store it now):")
    print(key)


@app.command("rotate")
def rotate(
    name: str = typer.Argument(..., help="the key's name"),
    grace_hours: float = typer.Option(
        24.0, min=0, help="how long the old key keeps working while you deploy the new one"
    ),
    tenant: str = TENANT_OPTION,
) -> None:
    """Issue a new key for NAME; the old one keeps working for the grace period, then stops."""
    from baton.errors import NotFound
    from baton.store import keys as key_store

    now = datetime.now(UTC)
    try:
        with store_session() as session:
            key = key_store.rotate_key(
                session=session,
                tenant_id=tenant,
                name=name,
                grace=timedelta(hours=grace_hours),
                actor=_actor(),
                now=now,
            )
    except NotFound as exc:
        err_console.print(f"[red]{exc.message}[/]")
        raise typer.Exit(1) from exc
    until = (now + timedelta(hours=grace_hours)).isoformat(timespec="seconds")
    console.print(f"new API key for [bold]{name}[/] (shown once); the old one works until {until}:")
    print(key)


@app.command("revoke")
def revoke(
    name: str = typer.Argument(..., help="the key's name"),
    prefix: str | None = typer.Option(None, help="only the key starting with this prefix"),
    tenant: str = TENANT_OPTION,
) -> None:
    """Stop NAME's keys at once (all of them, or the one with --prefix)."""
    from baton.errors import NotFound
    from baton.store import keys as key_store

    try:
        with store_session() as session:
            prefixes = key_store.revoke_keys(
                session=session,
                tenant_id=tenant,
                name=name,
                prefix=prefix,
                actor=_actor(),
                now=datetime.now(UTC),
            )
    except NotFound as exc:
        err_console.print(f"[red]{exc.message}[/]")
        raise typer.Exit(1) from exc
    console.print(f"revoked {len(prefixes)} key(s) of [bold]{name}[/]: {', '.join(prefixes)}")


@app.command("list")
def list_cmd(tenant: str = TENANT_OPTION) -> None:
    """The tenant's keys: name, prefix, scopes, state (live, expiring, expired, revoked)."""
    from baton.store import keys as key_store

    now = datetime.now(UTC)
    table = Table(title="API keys")
    for column in ("name", "prefix", "scopes", "created", "state"):
        table.add_column(column)
    with store_session() as session:
        for row in key_store.list_keys(session=session, tenant_id=tenant):
            if row.revoked_at is not None:
                state = f"revoked {row.revoked_at:%Y-%m-%d %H:%M}"
            elif row.expires_at is not None:
                word = "expired" if row.expires_at <= now else "expires"
                state = f"{word} {row.expires_at:%Y-%m-%d %H:%M}"
            else:
                state = "live"
            created = f"{row.created_at:%Y-%m-%d %H:%M}"
            table.add_row(row.name, row.prefix, row.scopes, created, state)
    console.print(table)
