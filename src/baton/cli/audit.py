"""`baton audit`: the log of admin actions (keys, webhooks, agents, policy, erasure), newest
first, filtered by action, actor, target and period."""

from __future__ import annotations

from datetime import datetime

import typer
from rich.table import Table

from baton.cli.common import TENANT_OPTION, console, store_session


def audit(
    limit: int = typer.Option(50, min=1, max=10_000, help="how many, newest first"),
    action: str | None = typer.Option(
        None, help="only this action, e.g. key.rotated; a prefix with a final '.': webhook."
    ),
    actor: str | None = typer.Option(None, help="only this actor, e.g. cli:root or key:ops"),
    target: str | None = typer.Option(None, help="only this target: a key name, an id"),
    since: datetime | None = typer.Option(None, help="from this UTC time on (ISO 8601)"),
    until: datetime | None = typer.Option(None, help="before this UTC time (ISO 8601)"),
    tenant: str = TENANT_OPTION,
) -> None:
    """Show the audit log of admin actions, newest first."""
    from datetime import UTC

    from baton.store.audit import AuditFilter, list_audit

    def aware(value: datetime | None) -> datetime | None:
        return value.replace(tzinfo=UTC) if value and value.tzinfo is None else value

    where = AuditFilter(
        action=action, actor=actor, target=target, since=aware(since), until=aware(until)
    )
    table = Table(title="audit log")
    for column in ("at", "actor", "action", "target", "data"):
        table.add_column(column, overflow="fold")
    with store_session() as session:
        for row in list_audit(session=session, tenant_id=tenant, limit=limit, where=where):
            table.add_row(
                f"{row.at:%Y-%m-%d %H:%M:%S}", row.actor, row.action, row.target, str(row.data)
            )
    console.print(table)
