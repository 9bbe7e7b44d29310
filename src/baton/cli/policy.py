"""`baton policy`: check a policy file before deploying it."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from baton.cli.common import console, err_console

app = typer.Typer(help="Policy files.", no_args_is_help=True)


@app.command("check")
def check(file: Path = typer.Argument(..., help="the policy YAML file")) -> None:
    """Validate a policy file; on a fault, name the field and line and exit 1."""
    from baton.errors import PolicyInvalid
    from baton.policy import load_policy

    try:
        policy = load_policy(file)
    except PolicyInvalid as exc:
        err_console.print(f"[red]invalid:[/] {exc.message}")
        raise typer.Exit(1) from exc
    table = Table(title=f"policy {policy.name!r} is valid")
    table.add_column("queue")
    table.add_column("channels")
    table.add_column("first response")
    for queue in policy.queues:
        table.add_row(
            queue.name, ", ".join(queue.channels), f"{queue.sla.first_response_minutes} min"
        )
    console.print(table)
    console.print(
        f"{len(policy.intents)} intents, {len(policy.routing)} routing rules, "
        f"{sum(t.enabled for t in policy.triggers.values())} triggers enabled"
    )
