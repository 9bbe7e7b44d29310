"""`baton policy`: check a policy file before deploying it."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from baton.cli.common import console, err_console

if TYPE_CHECKING:
    from baton.policy import Policy

app = typer.Typer(help="Policy files.", no_args_is_help=True)


@app.command("check")
def check(
    file: Path = typer.Argument(..., help="the policy YAML file"),
    on: str | None = typer.Option(None, help="count holidays from this date (YYYY-MM-DD; today)"),
) -> None:
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
    _holidays(policy, date.fromisoformat(on) if on else date.today())
    console.print(
        f"{len(policy.intents)} intents, {len(policy.routing)} routing rules, "
        f"{sum(t.enabled for t in policy.triggers.values())} triggers enabled"
    )


def _holidays(policy: Policy, start: date) -> None:
    """Each queue's next five days off, so a wrong country or a missing date shows before deploy."""
    console.print(f"next holidays from {start:%Y-%m-%d}:")
    for queue in policy.queues:
        calendar = policy.calendars.get(queue.calendar) if queue.calendar else None
        upcoming = calendar.holidays.upcoming(start, 5) if calendar else []
        days = "; ".join(f"{day:%a %d %b %Y} {name}" for day, name in upcoming)
        console.print(f"  {queue.name}: {days or 'none'}", soft_wrap=True, highlight=False)
