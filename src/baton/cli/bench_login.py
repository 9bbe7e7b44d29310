"""`baton bench login-storm`: bot turns' latency while wrong sign-ins arrive in a burst."""

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
    for column in ("store", "turns", "turn p50 ms", "turn p99 ms", "turn statuses", "sign-ins"):
        table.add_column(column, justify="right")
    with tempfile.TemporaryDirectory(prefix="baton-bench-") as tmp:
        for kind in ENGINES if engine == "both" else (engine,):
            report = bench_login_storm(
                engine=kind, workdir=Path(tmp), pg_url=pg_url, logins=logins, rounds=rounds
            )
            table.add_row(
                kind,
                str(len(report.turn_ms)),
                f"{report.percentile(0.50):.0f}",
                f"{report.percentile(0.99):.0f}",
                " ".join(f"{s}x{n}" for s, n in sorted(report.turn_statuses.items())),
                " ".join(f"{s}x{n}" for s, n in sorted(report.login_statuses.items())),
            )
    console.print(table)
