"""Memory under a long steady load: the server's RSS sampled over time should stay flat."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from baton.perf.databases import DEFAULT_PG, fresh_database, prepare
from baton.perf.ingest import interleaved, server_settings, turn_maker
from baton.perf.load import LoadResult, RequestMaker, run_load
from baton.perf.servers import HOST, ServerProcess

# RSS may settle upward while caches fill; growth past this over the run's second half is a leak.
FLAT_TOLERANCE = 0.05
FLAT_SLACK_KIB = 4 * 1024


@dataclass
class SoakReport:
    engine: str
    seconds: float
    samples: list[tuple[float, int]] = field(default_factory=list)
    load: LoadResult = field(default_factory=LoadResult)

    @property
    def settled_kib(self) -> int:
        """RSS once warm: the first sample after the first half of the run."""
        half = self.seconds / 2
        return next((kib for at, kib in self.samples if at >= half), self.samples[-1][1])

    @property
    def final_kib(self) -> int:
        return self.samples[-1][1]

    @property
    def growth(self) -> float:
        return (self.final_kib - self.settled_kib) / self.settled_kib if self.settled_kib else 0.0

    @property
    def flat(self) -> bool:
        return self.final_kib <= self.settled_kib * (1 + FLAT_TOLERANCE) + FLAT_SLACK_KIB


def bench_soak(
    *,
    engine: str,
    workdir: Path,
    seconds: float,
    rate: float,
    concurrency: int,
    samples: int = 20,
    pg_url: str = DEFAULT_PG,
) -> SoakReport:
    """Send `rate` turns a second for `seconds`, sampling the server's RSS `samples` times."""
    report = SoakReport(engine=engine, seconds=seconds)
    with fresh_database(engine, workdir=workdir, pg_url=pg_url) as url:
        key = prepare(url)
        settings = server_settings(url, workdir)
        factory = "baton.api.app:create_app"
        with ServerProcess.factory(factory, settings=settings, workdir=workdir) as server:
            make = interleaved(turn_maker(server.port, key, prefix="soak"), concurrency)
            started = time.monotonic()
            step = seconds / samples
            sent = 0
            for _ in range(samples):
                chunk = max(1, int(rate * step))
                result = run_load(
                    HOST,
                    server.port,
                    _shifted(make, sent),
                    requests=chunk,
                    concurrency=concurrency,
                    max_seconds=step * 2,
                    rate=rate,
                )
                sent += chunk
                _merge(report.load, result)
                report.samples.append((time.monotonic() - started, server.rss_kib()))
    return report


def _shifted(make: RequestMaker, offset: int) -> RequestMaker:
    def shifted(index: int) -> bytes:
        return make(offset + index)

    return shifted


def _merge(total: LoadResult, part: LoadResult) -> None:
    total.latencies_ms.extend(part.latencies_ms)
    for status, count in part.statuses.items():
        total.statuses[status] = total.statuses.get(status, 0) + count
    total.errors += part.errors
    total.elapsed_seconds += part.elapsed_seconds
