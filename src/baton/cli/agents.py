"""`baton agents`: console accounts for agents, supervisors and admins."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from baton.cli.common import TENANT_OPTION, console, err_console, store_session
from baton.desk.roles import AgentRole

app = typer.Typer(help="Console accounts.", no_args_is_help=True)


@app.command("create")
def create(
    email: Annotated[str, typer.Argument(help="the sign-in e-mail")],
    name: Annotated[str, typer.Option("--name", help="the name colleagues and customers see")],
    password: Annotated[
        str,
        typer.Option(prompt=True, hide_input=True, confirmation_prompt=True, help="10+ characters"),
    ],
    role: Annotated[AgentRole, typer.Option(help="agent, supervisor or admin")] = AgentRole.AGENT,
    queues: Annotated[str, typer.Option(help="queues served, comma-separated")] = "",
    capacity: Annotated[int, typer.Option(min=1, max=50, help="cases at once")] = 3,
    tenant: str = TENANT_OPTION,
) -> None:
    """Create an account; the password is stored only as an argon2 hash."""
    from baton.config import get_settings
    from baton.desk import agents
    from baton.errors import BatonError
    from baton.policy import load_policy

    settings = get_settings()
    known = {q.name for q in load_policy(settings.policy).queues}
    served = [q.strip() for q in queues.split(",") if q.strip()]
    unknown = [q for q in served if q not in known]
    if unknown:
        err_console.print(f"[red]unknown queues:[/] {', '.join(unknown)}")
        err_console.print(f"known queues: {', '.join(sorted(known))}")
        raise typer.Exit(2)
    try:
        with store_session(settings) as session:
            row = agents.create(
                session=session,
                tenant_id=tenant,
                email=email,
                name=name,
                password=password,
                role=role,
                queues=served,
                capacity=capacity,
                now=datetime.now(UTC),
            )
            agent_id = row.id
    except BatonError as exc:
        err_console.print(f"[red]{exc.code}:[/] {exc.message}")
        raise typer.Exit(2) from exc
    serving = ", ".join(served) or "no queue"
    console.print(f"created {role.value} {email} ({agent_id}), serving {serving}")


@app.command("list")
def list_agents(tenant: str = TENANT_OPTION) -> None:
    """The tenant's accounts with their role, presence and queues."""
    from baton.desk import agents

    with store_session() as session:
        for row in agents.list_all(session=session, tenant_id=tenant):
            queues = ", ".join(row.queues or []) or "-"
            print(f"{row.id}\t{row.email}\t{row.role}\t{row.presence}\t{queues}")
