"""`baton agents`: console accounts for agents, supervisors and admins."""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer

from baton.cli.common import TENANT_OPTION, console, err_console, store_session
from baton.desk.roles import AgentRole

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from baton.store.tables import AgentRow

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
    from baton.store.tenants import policy_of

    settings = get_settings()
    served = [q.strip() for q in queues.split(",") if q.strip()]
    try:
        with store_session(settings) as session:
            policy = policy_of(
                session=session, tenant_id=tenant, default=load_policy(settings.policy)
            )
            known = {q.name for q in policy.queues}
            unknown = [q for q in served if q not in known]
            if unknown:
                err_console.print(f"[red]unknown queues:[/] {', '.join(unknown)}")
                err_console.print(f"known queues: {', '.join(sorted(known))}")
                raise typer.Exit(2)
            row = agents.create(
                session=session,
                tenant_id=tenant,
                email=email,
                name=name,
                password=password,
                role=role,
                queues=served,
                capacity=capacity,
                actor=_actor(),
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
            state = "disabled" if row.disabled_at is not None else row.presence
            print(f"{row.id}\t{row.email}\t{row.role}\t{state}\t{queues}")


sessions_app = typer.Typer(help="Console sessions of an account.", no_args_is_help=True)
app.add_typer(sessions_app, name="sessions")
Who = Annotated[str, typer.Argument(help="the account's e-mail or id")]


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


@contextmanager
def _account(who: str) -> Iterator[tuple[Session, AgentRow]]:
    """The account in a unit of work; a Baton error is printed and exits 2, nothing is saved."""
    from baton.desk import offboard
    from baton.errors import BatonError

    try:
        with store_session() as session:
            yield session, offboard.find(session=session, who=who)
    except BatonError as exc:
        err_console.print(f"[red]{exc.code}:[/] {exc.message}")
        raise typer.Exit(2) from exc


@app.command("disable")
def disable(who: Who) -> None:
    """Switch an account off now: no sign-in, sessions ended, its cases back in their queues."""
    from baton.config import get_settings
    from baton.desk import offboard
    from baton.policy import load_policy
    from baton.store.tenants import policy_of

    deployment = load_policy(get_settings().policy)
    with _account(who) as (session, agent):
        policy = policy_of(session=session, tenant_id=agent.tenant_id, default=deployment)
        done = offboard.disable(
            session=session, agent=agent, policy=policy, actor=_actor(), now=datetime.now(UTC)
        )
    console.print(
        f"disabled {who}: {done.sessions_ended} session(s) ended, "
        f"{len(done.cases_requeued)} case(s) back in their queues"
    )


@app.command("enable")
def enable(who: Who) -> None:
    """Let a disabled account sign in again."""
    from baton.desk import offboard

    with _account(who) as (session, agent):
        offboard.enable(session=session, agent=agent, actor=_actor(), now=datetime.now(UTC))
    console.print(f"enabled {who}")


@app.command("reset-password")
def reset_password(
    who: Who,
    password: Annotated[
        str,
        typer.Option(prompt=True, hide_input=True, confirmation_prompt=True, help="10+ characters"),
    ],
) -> None:
    """Set a new password; every session signed in with the old one ends."""
    from baton.desk import offboard

    with _account(who) as (session, agent):
        ended = offboard.reset_password(
            session=session, agent=agent, password=password, actor=_actor(), now=datetime.now(UTC)
        )
    console.print(f"new password set for {who}; {ended} session(s) ended")


@sessions_app.command("revoke")
def revoke_sessions(who: Who) -> None:
    """End every console session of the account now; it signs in again to continue."""
    from baton.desk import offboard

    with _account(who) as (session, agent):
        ended = offboard.revoke_sessions(
            session=session, agent=agent, actor=_actor(), now=datetime.now(UTC)
        )
    console.print(f"{ended} session(s) of {who} ended")
