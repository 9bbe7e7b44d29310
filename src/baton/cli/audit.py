"""`baton audit`: the log of admin actions (keys, policy, agents), newest first."""

from __future__ import annotations

import typer
from rich.table import Table

from baton.cli.common import TENANT_OPTION, console, store_session


def audit(
    limit: int = typer.Option(50, min=1, max=10_000, help="how many, newest first"),
    action: str | None = typer.Option(None, help="only this action, e.g. key.rotated"),
    tenant: str = TENANT_OPTION,
) -> None:
    """Show the audit log of admin actions, newest first."""
    from baton.store.audit import list_audit

    table = Table(title="audit log")
    for column in ("at", "actor", "action", "target", "data"):
        table.add_column(column)
    with store_session() as session:
        for row in list_audit(session=session, tenant_id=tenant, action=action, limit=limit):
            table.add_row(
                f"{row.at:%Y-%m-%d %H:%M:%S}", row.actor, row.action, row.target, str(row.data)
            )
    console.print(table)
