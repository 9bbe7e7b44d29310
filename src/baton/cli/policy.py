"""`baton policy`: check a policy file before deploying it; give a tenant its own policy."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from baton.cli.common import TENANT_OPTION, console, err_console, store_session

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


@app.command("set")
def set_cmd(
    file: Path = typer.Argument(..., help="the policy YAML file"),
    tenant: str = TENANT_OPTION,
) -> None:
    """Give the tenant its own policy (queues, SLAs, triggers); the file is validated first, and
    a fault names the field and line. Running servers and workers use it within
    BATON_TENANT_POLICY_CACHE_SECONDS, without a restart."""
    import getpass
    from datetime import UTC, datetime

    from baton.errors import BatonError
    from baton.policy import policy_hash
    from baton.store.tenants import set_tenant_policy

    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        err_console.print(f"[red]invalid:[/] {file}: cannot read the policy file: {exc.strerror}")
        raise typer.Exit(1) from exc
    try:
        with store_session() as session:
            policy = set_tenant_policy(
                session=session,
                tenant_id=tenant,
                text=text,
                actor=f"cli:{getpass.getuser()}",
                now=datetime.now(UTC),
            )
    except BatonError as exc:
        err_console.print(f"invalid: {exc.message}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(1) from exc
    print(f"tenant {tenant} runs policy {policy.name} ({policy_hash(policy)})")


@app.command("reset")
def reset_cmd(tenant: str = TENANT_OPTION) -> None:
    """The tenant goes back to the deployment's policy (BATON_POLICY or the shipped one)."""
    import getpass
    from datetime import UTC, datetime

    from baton.errors import BatonError
    from baton.store.tenants import clear_tenant_policy

    try:
        with store_session() as session:
            clear_tenant_policy(
                session=session,
                tenant_id=tenant,
                actor=f"cli:{getpass.getuser()}",
                now=datetime.now(UTC),
            )
    except BatonError as exc:
        err_console.print(f"[red]{exc.message}[/]")
        raise typer.Exit(1) from exc
    print(f"tenant {tenant} runs the deployment's policy")


@app.command("show")
def show_cmd(tenant: str = TENANT_OPTION) -> None:
    """Print the tenant's own policy YAML; nothing (and a note on stderr) when it has none."""
    from baton.errors import BatonError
    from baton.store.tenants import require_tenant

    try:
        with store_session() as session:
            text = require_tenant(session=session, tenant_id=tenant).policy_yaml
    except BatonError as exc:
        err_console.print(f"[red]{exc.message}[/]")
        raise typer.Exit(1) from exc
    if text is None:
        err_console.print(f"tenant {tenant} runs the deployment's policy")
        return
    print(text, end="" if text.endswith("\n") else "\n")
