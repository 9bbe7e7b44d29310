"""`baton seed`: synthetic data for demos and reviews, always labelled synthetic."""

from __future__ import annotations

from typing import Annotated

import typer

from baton.cli.common import console, store_session

app = typer.Typer(help="Synthetic data (labelled synthetic) for demos.", no_args_is_help=True)


@app.command("week")
def week(
    week: Annotated[str, typer.Option(help="ISO week to fill, e.g. 2026-W47")],
    conversations: Annotated[int, typer.Option(help="conversations per week")] = 300,
    history: Annotated[int, typer.Option(help="weeks before it to fill too (for trends)")] = 3,
    seed: Annotated[int, typer.Option(help="random seed; the same seed gives the same data")] = 7,
) -> None:
    """Play a synthetic week of conversations through the engine, with simulated agents."""
    from baton.config import get_settings
    from baton.engine import Runtime
    from baton.learn.synthetic import seed_week
    from baton.policy import load_policy

    settings = get_settings()
    runtime = Runtime(load_policy(settings.policy))
    with store_session(settings) as session:
        summary = seed_week(
            session=session,
            runtime=runtime,
            week=week,
            conversations=conversations,
            history=history,
            seed=seed,
        )
    console.print(
        f"[yellow]synthetic[/] data: {summary.conversations:,} conversations, "
        f"{summary.handoffs:,} reached a person, weeks {', '.join(summary.weeks)}"
    )
