"""A small HTTP/1.1 keep-alive load client on asyncio: bounded in requests and in time.

It sends pre-built requests over `concurrency` connections and records each one's status and
latency. Written on raw streams so that the client costs far less CPU than the servers it
measures (both share the machine).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

RequestMaker = Callable[[int], bytes]


@dataclass
class LoadResult:
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0
    elapsed_seconds: float = 0.0
    by_status: dict[int, list[float]] = field(default_factory=dict)

    @property
    def ok(self) -> int:
        return self.statuses.get(200, 0)

    @property
    def per_second(self) -> float:
        return self.ok / self.elapsed_seconds if self.elapsed_seconds else 0.0

    def percentile(self, q: float) -> float:
        """The q-quantile (0..1) of the latencies in ms, nearest rank."""
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def post_json(host: str, port: int, path: str, body: bytes, headers: dict[str, str]) -> bytes:
    """A raw HTTP/1.1 POST with a JSON body, ready to write on a kept-alive connection."""
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}", "Content-Type: application/json"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    if length:
        await reader.readexactly(length)
    return status


async def _worker(
    host: str,
    port: int,
    make: RequestMaker,
    counter: Callable[[], int | None],
    result: LoadResult,
    pace: Callable[[int], float],
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while (index := counter()) is not None:
            delay = pace(index)
            if delay > 0:
                await asyncio.sleep(delay)
            start = time.perf_counter()
            try:
                writer.write(make(index))
                await writer.drain()
                status = await _read_response(reader)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                result.errors += 1
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
                continue
            elapsed_ms = (time.perf_counter() - start) * 1000
            result.latencies_ms.append(elapsed_ms)
            result.statuses[status] = result.statuses.get(status, 0) + 1
            result.by_status.setdefault(status, []).append(elapsed_ms)
    finally:
        writer.close()


async def _run(
    host: str,
    port: int,
    make: RequestMaker,
    *,
    requests: int,
    concurrency: int,
    max_seconds: float,
    rate: float | None,
) -> LoadResult:
    result = LoadResult()
    started = time.perf_counter()
    deadline = started + max_seconds
    issued = 0

    def counter() -> int | None:
        nonlocal issued
        if issued >= requests or time.perf_counter() >= deadline:
            return None
        issued += 1
        return issued - 1

    def pace(index: int) -> float:
        return 0.0 if rate is None else started + index / rate - time.perf_counter()

    workers = [_worker(host, port, make, counter, result, pace) for _ in range(concurrency)]
    await asyncio.gather(*workers)
    result.elapsed_seconds = time.perf_counter() - started
    return result


def run_load(
    host: str,
    port: int,
    make: RequestMaker,
    *,
    requests: int,
    concurrency: int = 16,
    max_seconds: float = 120.0,
    rate: float | None = None,
) -> LoadResult:
    """Send up to `requests` requests (`make(i)` builds the i-th), for at most `max_seconds`.

    Args:
        rate: requests a second to pace at; None sends as fast as the server answers.
    """
    if not host.startswith("127.") and host not in ("localhost", "::1"):
        raise ValueError("the load client only targets loopback addresses")

    def run() -> LoadResult:
        return asyncio.run(
            _run(
                host,
                port,
                make,
                requests=requests,
                concurrency=concurrency,
                max_seconds=max_seconds,
                rate=rate,
            )
        )

    # A thread of its own: the caller may already run an event loop (a notebook, a test).
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="baton-load") as pool:
        return pool.submit(run).result()
