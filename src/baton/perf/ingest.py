"""Turn ingestion through real uvicorn, against a bare FastAPI endpoint measured in the same run."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from baton.perf.databases import DEFAULT_PG, fresh_database, prepare, trained_cache
from baton.perf.load import LoadResult, RequestMaker, post_json, run_load
from baton.perf.servers import HOST, ServerProcess

BARE_FACTORY = "baton.perf.bare:create_bare_app"
LIMIT_FACTORY = "baton.perf.limit:create_limit_app"
# A realistic mix: most turns continue, one in eight asks for a person and opens a handoff.
TEXTS = (
    ("what are your opening hours?", 0.93),
    ("how do I change my delivery address for order 88231?", 0.81),
    ("can I pay with a gift card", 0.88),
    ("the app keeps logging me out, any idea why", 0.64),
    ("thanks, and where do I find my invoices?", 0.9),
    ("do you ship to Norway", 0.86),
    ("ok that worked", 0.95),
    ("I want to talk to a human please", 0.7),
)
TURNS_PER_CONVERSATION = 10


def turn_maker(port: int, api_key: str, *, prefix: str) -> RequestMaker:
    """The i-th request: a new turn of conversation i mod n, ten turns each, a unique turn id."""
    headers = {"Authorization": f"Bearer {api_key}"}

    def make(index: int) -> bytes:
        conversation = f"{prefix}-{index // TURNS_PER_CONVERSATION}"
        text, confidence = TEXTS[index % len(TEXTS)]
        body = {
            "turn_id": f"t-{index}",
            "role": "user",
            "text": text,
            "sent_at": "2026-11-24T10:00:00Z",
            "bot": {"confidence": confidence, "intent": "faq"},
            "customer": {"id": f"cust-{index // TURNS_PER_CONVERSATION}", "tier": "standard"},
            "metadata": {"page": "/help", "locale": "en"},
        }
        path = f"/v1/conversations/{conversation}/turns"
        return post_json(HOST, port, path, json.dumps(body).encode(), headers)

    return make


def interleaved(make: RequestMaker, concurrency: int) -> RequestMaker:
    """Spread consecutive requests over different conversations, as many bots would."""
    stride = max(1, concurrency)

    def spread(index: int) -> bytes:
        block, slot = divmod(index, stride * TURNS_PER_CONVERSATION)
        turn, lane = divmod(slot, stride)
        return make((block * stride + lane) * TURNS_PER_CONVERSATION + turn)

    return spread


@dataclass
class IngestReport:
    engine: str
    baton: LoadResult
    bare: LoadResult
    limit: LoadResult
    paced: LoadResult | None = None
    paced_rate: float = 0.0
    outbox_backlog: int | None = None
    costs: dict[str, dict[str, float]] | None = None

    @property
    def ratio(self) -> float:
        """Baton / the bare endpoint."""
        return self.baton.per_second / self.bare.per_second if self.bare.per_second else 0.0

    @property
    def limit_ratio(self) -> float:
        """Baton / the limit endpoint: the share of the unavoidable cost Baton runs at."""
        return self.baton.per_second / self.limit.per_second if self.limit.per_second else 0.0


def server_settings(url: str, workdir: Path) -> dict[str, str]:
    """Baton as deployed, with rate limits on but high enough that the load is never refused;
    the detector is trained once in this checkout's model cache, not in every server."""
    return {
        "BATON_DATABASE_URL": url,
        "BATON_MODEL_CACHE_DIR": str(trained_cache()),
        "BATON_RATE_LIMIT_PER_MINUTE": "100000000",
        "BATON_RATE_LIMIT_BURST": "1000000",
    }


def measure(
    server: ServerProcess, make: RequestMaker, *, requests: int, concurrency: int, warmup: int
) -> LoadResult:
    """Warm the server up on its own requests, then measure `requests` more."""
    run_load(HOST, server.port, make, requests=warmup, concurrency=concurrency)
    offset = warmup + 1_000_000

    def measured(index: int) -> bytes:
        return make(offset + index)

    return run_load(HOST, server.port, measured, requests=requests, concurrency=concurrency)


def bench_ingest(
    *,
    engine: str,
    workdir: Path,
    requests: int,
    concurrency: int,
    warmup: int,
    pg_url: str = DEFAULT_PG,
    paced_seconds: float = 20.0,
    inprocess_turns: int = 0,
) -> IngestReport:
    """Baton's turn endpoint, the limit endpoint (on a database of its own), then the bare
    endpoint, each in its own uvicorn process. Then Baton again at half the rate it reached
    (`paced`, for `paced_seconds`), and, with `inprocess_turns`, each kind of turn's statements
    and CPU in this process."""
    with fresh_database(engine, workdir=workdir, pg_url=pg_url) as url:
        key = prepare(url)
        settings = server_settings(url, workdir)
        with ServerProcess.factory(
            "baton.api.app:create_app", settings=settings, workdir=workdir
        ) as srv:
            make = interleaved(turn_maker(srv.port, key, prefix="c"), concurrency)
            baton_result = measure(
                srv, make, requests=requests, concurrency=concurrency, warmup=warmup
            )
            paced_rate = baton_result.per_second / 2
            paced = None
            if paced_rate > 0:
                offset = warmup + 3_000_000
                paced = run_load(
                    HOST,
                    srv.port,
                    lambda i: make(offset + i),
                    requests=max(20, int(paced_rate * paced_seconds)),
                    concurrency=concurrency,
                    rate=paced_rate,
                    max_seconds=paced_seconds * 2,
                )
        backlog = outbox_backlog(url)
    with fresh_database(engine, workdir=workdir, pg_url=pg_url) as url:
        limit_key = prepare(url)
        settings = server_settings(url, workdir)
        with ServerProcess.factory(LIMIT_FACTORY, settings=settings, workdir=workdir) as srv:
            make = interleaved(turn_maker(srv.port, limit_key, prefix="c"), concurrency)
            limit_result = measure(
                srv, make, requests=requests, concurrency=concurrency, warmup=warmup
            )
    with ServerProcess.factory(BARE_FACTORY, settings={}, workdir=workdir) as bare:
        make = interleaved(turn_maker(bare.port, key, prefix="c"), concurrency)
        bare_result = measure(bare, make, requests=requests, concurrency=concurrency, warmup=warmup)
    costs = None
    if inprocess_turns:
        with fresh_database(engine, workdir=workdir, pg_url=pg_url) as url:
            costs = turn_costs(url, turns=inprocess_turns)
    return IngestReport(
        engine=engine,
        baton=baton_result,
        bare=bare_result,
        limit=limit_result,
        paced=paced,
        paced_rate=paced_rate,
        outbox_backlog=backlog,
        costs=costs,
    )


def outbox_backlog(url: str) -> int:
    """Outbox rows still pending in the store at `url` (no worker runs in this bench)."""
    from sqlalchemy import func, select

    from baton.store.db import make_engine
    from baton.store.tables import OutboxRow

    store = make_engine(url)
    try:
        with store.connect() as conn:
            pending = select(func.count()).where(OutboxRow.status == "pending")
            return int(conn.scalar(pending.select_from(OutboxRow)) or 0)
    finally:
        store.dispose()


def turn_costs(url: str, *, turns: int) -> dict[str, dict[str, float]]:
    """Statements and CPU ms per turn by kind, in this process (`baton.perf.inprocess`)."""
    from baton.engine import Runtime
    from baton.perf.inprocess import measure_turns
    from baton.policy import load_policy
    from baton.store.db import make_engine, upgrade

    store = make_engine(url)
    try:
        upgrade(store)
        runtime = Runtime(load_policy(None), model_cache_dir=trained_cache())
        return measure_turns(store, runtime, turns=turns)
    finally:
        store.dispose()
