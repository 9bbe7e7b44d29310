"""Overload: more connections than the turn gate lets wait; the refused must hear so at once."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from baton.perf.databases import DEFAULT_PG, fresh_database, prepare
from baton.perf.ingest import interleaved, server_settings, turn_maker
from baton.perf.load import LoadResult, run_load
from baton.perf.servers import HOST, ServerProcess


@dataclass
class OverloadReport:
    engine: str
    max_waiting: int
    load: LoadResult

    def percentile(self, status: int, q: float) -> float:
        """The q-quantile (0..1) in ms of the answers with `status`, nearest rank."""
        ordered = sorted(self.load.by_status.get(status, []))
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def bench_overload(
    *,
    engine: str,
    workdir: Path,
    requests: int,
    concurrency: int,
    max_waiting: int,
    pg_url: str = DEFAULT_PG,
) -> OverloadReport:
    """`baton serve` letting `max_waiting` turns wait, hit by `concurrency` connections."""
    with fresh_database(engine, workdir=workdir, pg_url=pg_url) as url:
        key = prepare(url)
        settings = {
            **server_settings(url, workdir),
            "BATON_MAX_WAITING_TURNS": str(max_waiting),
        }
        with ServerProcess.factory(
            "baton.api.app:create_app", settings=settings, workdir=workdir
        ) as srv:
            make = interleaved(turn_maker(srv.port, key, prefix="o"), concurrency)
            run_load(HOST, srv.port, make, requests=min(200, requests), concurrency=4)
            load = run_load(HOST, srv.port, make, requests=requests, concurrency=concurrency)
    return OverloadReport(engine=engine, max_waiting=max_waiting, load=load)
