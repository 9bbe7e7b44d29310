"""`baton bench analytics`: seed a million handoffs and time the KPI endpoint on both engines."""

from __future__ import annotations

import os
import socket
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from baton.cli.common import console
from baton.perf import DEFAULT_PG

if TYPE_CHECKING:
    import httpx
    from sqlalchemy import Engine

LIMIT_MS = 1000.0
START = datetime(2026, 1, 1, tzinfo=UTC)
END = datetime(2027, 1, 1, tzinfo=UTC)
QUERIES: list[tuple[str, dict[str, str]]] = [
    ("a year, per queue/reason/channel", {"since": "2026-01-01", "until": "2027-01-01"}),
    ("a year, per week", {"since": "2026-01-01", "until": "2027-01-01", "interval": "week"}),
    ("one ISO week", {"week": "2026-W47"}),
    (
        "30 days, one queue, per day",
        {"since": "2026-10-01", "until": "2026-10-31", "queue": "billing", "interval": "day"},
    ),
    (
        "90 days to the second",
        {"since": "2026-03-01T10:30:00Z", "until": "2026-05-30T15:45:10Z"},
    ),
    (
        "a year, one reason and channel",
        {"since": "2026-01-01", "reason": "urgent", "channel": "chat"},
    ),
]


def _seed(engine: Engine, handoffs: int, chunk: int, seed: int) -> dict[str, int]:
    from baton.learn.bulk import Generator, load

    generator = Generator(seed=seed, start=START, days=365, total=handoffs)
    counts = {"conversations": 0, "handoffs": 0, "events": 0, "facts": 0}
    for first in range(0, handoffs, chunk):
        part = generator.chunk(first, min(chunk, handoffs - first))
        load(engine, part)
        for name in counts:
            counts[name] += len(getattr(part, name))
        console.print(f"  loaded {counts['handoffs']:,} handoffs", end="\r")
    return counts


def _finish(engine: Engine) -> int:
    from sqlalchemy import text

    from baton.learn.bulk import LOADED_TABLES, finish
    from baton.store.db import make_session_factory, session_scope

    with session_scope(make_session_factory(engine)) as session:
        top = finish(session=session, now=datetime.now(UTC))
    analyze = "VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in LOADED_TABLES:
            conn.execute(text(f"{analyze} {table}"))
    return top


@contextmanager
def _serve(url: str) -> Iterator[httpx.Client]:
    """The real app on a loopback port, so the timings include HTTP as a dashboard sees it."""
    import httpx
    import uvicorn

    from baton.api.app import create_app
    from baton.config import Settings

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    settings = Settings(database_url=url, require_api_key=False)
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the server did not start")
        time.sleep(0.05)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            yield client
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _time(client: httpx.Client, params: dict[str, str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get("/v1/analytics/kpis", params=params)
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{params}: HTTP {response.status_code} {response.text}")
    return times


def _row(table: Table, kind: str, label: str, times: list[float]) -> None:
    verdict = "[green]yes[/]" if max(times) <= LIMIT_MS else "[red]no[/]"
    table.add_row(kind, label, f"{statistics.median(times):.0f}", f"{max(times):.0f}", verdict)


def _measure(url: str, engine: Engine, top: int, runs: int, table: Table, kind: str) -> None:
    from baton.learn.bulk import Chunk, Generator, load

    with _serve(url) as client:
        for label, params in QUERIES:
            _time(client, params, 1)
            _row(table, kind, label, _time(client, params, runs))
        today = Generator(
            seed=top,
            start=END - timedelta(days=1),
            days=1,
            total=200,
            first_event_id=top + 1,
            prefix="bench-new",
        )
        fresh = today.chunk(0, 200)
        load(engine, Chunk(fresh.conversations, fresh.handoffs, fresh.events, facts=[]))
        first = _time(client, QUERIES[0][1], 1)
        _row(table, kind, f"a year, first call after {len(fresh.events):,} new events", first)


def analytics(
    handoffs: Annotated[int, typer.Option(help="handoffs to seed")] = 1_000_000,
    engines: Annotated[str, typer.Option(help="comma-separated: sqlite, postgresql")] = (
        "sqlite,postgresql"
    ),
    pg_url: Annotated[str | None, typer.Option(help="PostgreSQL to seed a fresh schema in")] = None,
    workdir: Annotated[Path | None, typer.Option(help="where the SQLite file goes")] = None,
    chunk: Annotated[int, typer.Option(help="handoffs per bulk insert")] = 50_000,
    runs: Annotated[int, typer.Option(help="timed runs per query, after one warm-up")] = 5,
    seed: Annotated[int, typer.Option(help="random seed of the synthetic history")] = 7,
    keep: Annotated[bool, typer.Option(help="keep the seeded databases")] = False,
) -> None:
    """Seed N synthetic handoffs (events, facts, daily sums); time GET /v1/analytics/kpis."""
    from baton.perf.databases import fresh_database
    from baton.store.db import make_engine, upgrade

    pg_url = pg_url or os.environ.get("BATON_BENCH_DATABASE_URL", DEFAULT_PG)
    workdir = workdir or Path(tempfile.gettempdir())
    table = Table(
        title=f"GET /v1/analytics/kpis with {handoffs:,} handoffs (limit {LIMIT_MS:.0f} ms)"
    )
    for column in ("engine", "query", "median ms", "max ms", "≤ 1 s"):
        table.add_column(column)
    for kind in [e.strip() for e in engines.split(",") if e.strip()]:
        with fresh_database(kind, workdir=workdir, pg_url=pg_url, keep=keep) as url:
            engine = make_engine(url)
            upgrade(engine)
            started = time.perf_counter()
            counts = _seed(engine, handoffs, chunk, seed)
            loaded = time.perf_counter() - started
            top = _finish(engine)
            summed = time.perf_counter() - started - loaded
            rows = sum(counts.values())
            console.print(
                f"{kind}: loaded {counts['handoffs']:,} handoffs, {counts['events']:,} events, "
                f"{counts['conversations']:,} conversations, {counts['facts']:,} facts in "
                f"{loaded:.1f} s ({rows / loaded:,.0f} rows/s); daily sums, ANALYZE {summed:.1f} s"
            )
            try:
                _measure(url, engine, top, runs, table, kind)
            finally:
                engine.dispose()
    console.print(table)
