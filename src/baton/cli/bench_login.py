"""`baton bench login-storm` and `slow-llm`: turn latency while something slow hits the server."""

from __future__ import annotations

import tempfile
from pathlib import Path

import typer
from rich.table import Table

from baton.cli.common import console
from baton.perf import DEFAULT_PG

ENGINES = ("sqlite", "postgresql")


def login_storm(
    engine: str = typer.Option("both", help="sqlite, postgresql or both"),
    logins: int = typer.Option(60, min=1, max=1000, help="concurrent wrong sign-ins per round"),
    rounds: int = typer.Option(3, min=1, max=100, help="bursts, one after another"),
    pg_url: str = typer.Option(DEFAULT_PG, help="PostgreSQL to use (a schema is made and dropped)"),
) -> None:
    """Wrong sign-ins in bursts against a server taking bot turns: turn p99, sign-in statuses."""
    from baton.perf.login_storm import bench_login_storm

    if engine not in (*ENGINES, "both"):
        raise typer.BadParameter("sqlite, postgresql or both", param_hint="--engine")
    table = Table(title=f"login storm: {rounds} x {logins} concurrent wrong sign-ins")
    columns = (
        "store",
        "load at start",
        "p99 ms alone",
        "turns",
        "p50 ms",
        "p99 ms",
        "turn statuses",
        "sign-ins",
    )
    for column in columns:
        table.add_column(column, justify="right")
    with tempfile.TemporaryDirectory(prefix="baton-bench-") as tmp:
        for kind in ENGINES if engine == "both" else (engine,):
            report = bench_login_storm(
                engine=kind, workdir=Path(tmp), pg_url=pg_url, logins=logins, rounds=rounds
            )
            table.add_row(
                kind,
                f"{report.load_at_start:.1f}",
                f"{report.percentile(0.99, baseline=True):.0f}",
                str(len(report.turn_ms)),
                f"{report.percentile(0.50):.0f}",
                f"{report.percentile(0.99):.0f}",
                " ".join(f"{s}x{n}" for s, n in sorted(report.turn_statuses.items())),
                " ".join(f"{s}x{n}" for s, n in sorted(report.login_statuses.items())),
            )
    console.print(table)


def slow_llm(
    engine: str = typer.Option("both", help="sqlite, postgresql or both"),
    delay: float = typer.Option(7.0, min=0.1, max=60, help="seconds the model takes to answer"),
    seconds: float = typer.Option(20.0, min=2, max=600, help="length of each measured phase"),
    every: float = typer.Option(1.0, min=0.1, max=60, help="seconds between new escalations"),
    pg_url: str = typer.Option(DEFAULT_PG, help="PostgreSQL to use (a schema is made and dropped)"),
) -> None:
    """Plain turns' p99 without and with escalations asking a slow LLM (synthetic load)."""
    from baton.perf.slow_llm import bench_slow_llm

    if engine not in (*ENGINES, "both"):
        raise typer.BadParameter("sqlite, postgresql or both", param_hint="--engine")
    table = Table(
        title=f"plain turns while a {delay:g} s LLM summarizes a handoff every {every:g} s"
    )
    for column in ("store", "phase", "turns", "p50 ms", "p99 ms", "non-200"):
        table.add_column(column, justify="right")
    with tempfile.TemporaryDirectory(prefix="baton-bench-") as tmp:
        for kind in ENGINES if engine == "both" else (engine,):
            phases = bench_slow_llm(
                engine=kind,
                workdir=Path(tmp),
                pg_url=pg_url,
                delay=delay,
                seconds=seconds,
                every=every,
            )
            for name, phase in zip(("no LLM calls", "slow LLM"), phases, strict=True):
                table.add_row(
                    kind,
                    name,
                    str(len(phase.turn_ms)),
                    f"{phase.percentile(0.50):.0f}",
                    f"{phase.percentile(0.99):.0f}",
                    str(phase.errors),
                )
    console.print(table)
